#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# The classification demo end to end, on CPU: environment, the synthetic shapes dataset, training
# of a small FasterViT from scratch with the ImageNet recipe's config, top-1 on the validation split.
#
#   bash tools/run_demo_cls.sh
#
# Environment: CONFIG, DATA (default data/synthetic_shapes), WORK_DIR (default work_dirs/demo_cls),
# MIN_TOP1 (default 90: exit 1 below it), SKIP_SETUP=1 (do not run tools/setup_env.sh),
# OMP_NUM_THREADS (default 1: the model's operations are tiny, and on a small shared machine two
# OpenMP threads per process thrash as soon as anything else runs; measured here at a load of ~11,
# 1.3 s per training iteration with one thread against 4-14 s with two).
set -euo pipefail
NAME=run_demo_cls
# shellcheck source=misc/demo_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/misc/demo_steps.sh"
CONFIG=${CONFIG:-configs/demo/fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py}
DATA=${DATA:-data/synthetic_shapes}
WORK_DIR=${WORK_DIR:-work_dirs/demo_cls}
MIN_TOP1=${MIN_TOP1:-90}

setup_step 1/4

log "2/4 synthetic shapes dataset -> $DATA"
"$PY" tools/misc/make_demo_cls_data.py --out "$DATA"
data_options "$DATA"

log "3/4 training $CONFIG -> $WORK_DIR"
TRAIN_START=$(date +%s)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${DATA_OPTS[@]}"
training_done "$WORK_DIR" "$TRAIN_START"

log "4/4 evaluation on the validation split"
evaluate "$CONFIG" "$WORK_DIR" accuracy/top1
TOP1=$METRIC
log "top-1 $TOP1% (chance 25%), training $TRAIN_S s"
awk "BEGIN { exit !($TOP1 >= $MIN_TOP1) }" || {
    echo "[run_demo_cls] ERROR: top-1 $TOP1 < MIN_TOP1=$MIN_TOP1" >&2; exit 1; }

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
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONFIG=${CONFIG:-configs/demo/fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py}
DATA=${DATA:-data/synthetic_shapes}
WORK_DIR=${WORK_DIR:-work_dirs/demo_cls}
MIN_TOP1=${MIN_TOP1:-90}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY="${FASTERVIT_MM_VENV:-$ROOT/.venv}/bin/python"
START=$(date +%s)
log() { printf '[run_demo_cls %s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - START ))" "$*"; }

if [ "${SKIP_SETUP:-0}" != 1 ]; then
    log "1/4 environment (tools/setup_env.sh)"
    bash tools/setup_env.sh
fi

log "2/4 synthetic shapes dataset -> $DATA"
"$PY" tools/misc/make_demo_cls_data.py --out "$DATA"
DATA_OPTS=()
for loader in train_dataloader val_dataloader test_dataloader; do
    DATA_OPTS+=("$loader.dataset.data_root=$DATA")
done

log "3/4 training $CONFIG -> $WORK_DIR"
TRAIN_START=$(date +%s)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${DATA_OPTS[@]}"
TRAIN_S=$(( $(date +%s) - TRAIN_START ))
CKPT=$(cat "$WORK_DIR/last_checkpoint")
log "training took $TRAIN_S s ($(awk "BEGIN { printf \"%.1f\", $TRAIN_S / 60 }") min); checkpoint $CKPT"

log "4/4 evaluation on the validation split"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" \
    --cfg-options "${DATA_OPTS[@]}" 2>&1 | tee "$WORK_DIR/test.log"
TOP1=$(grep -oE 'accuracy/top1: [0-9.]+' "$WORK_DIR/test.log" | tail -n1 | awk '{ print $2 }')
[ -n "$TOP1" ] || { echo "[run_demo_cls] ERROR: no accuracy in $WORK_DIR/test.log" >&2; exit 1; }
log "top-1 $TOP1% (chance 25%), training $TRAIN_S s"
awk "BEGIN { exit !($TOP1 >= $MIN_TOP1) }" || {
    echo "[run_demo_cls] ERROR: top-1 $TOP1 < MIN_TOP1=$MIN_TOP1" >&2; exit 1; }

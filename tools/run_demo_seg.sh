#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# The segmentation demo end to end, on CPU: environment, the synthetic ADE20K-format dataset,
# training of the demo UperNet + FasterViT, mIoU on the synthetic validation split, pictures.
#
#   bash tools/run_demo_seg.sh            # one process
#   GPUS=2 bash tools/run_demo_seg.sh     # two processes through tools/dist_train.sh (Gloo on CPU)
#
# Environment: CONFIG, DATA (default data/synthetic_ade20k), WORK_DIR (default
# work_dirs/demo_seg), GPUS (default 1), MIN_MIOU (default 70: exit 1 below it),
# SKIP_SETUP=1 (do not run tools/setup_env.sh), OMP_NUM_THREADS (default 1: on a small shared
# machine two OpenMP threads per process thrash as soon as anything else runs; measured here,
# 0.55 s per training iteration with one thread against 5-20 s with two at a load of ~10).
set -euo pipefail
NAME=run_demo_seg
# shellcheck source=misc/demo_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/misc/demo_steps.sh"
CONFIG=${CONFIG:-configs/demo/fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py}
DATA=${DATA:-data/synthetic_ade20k}
WORK_DIR=${WORK_DIR:-work_dirs/demo_seg}
GPUS=${GPUS:-1}
MIN_MIOU=${MIN_MIOU:-70}

setup_step 1/5

log "2/5 synthetic ADE20K-format dataset -> $DATA"
"$PY" tools/misc/make_demo_seg_data.py --out "$DATA"
data_options "$DATA"

log "3/5 training $CONFIG on $GPUS process(es) -> $WORK_DIR"
mkdir -p "$WORK_DIR"
TRAIN_START=$(date +%s)
if [ "$GPUS" -gt 1 ]; then
    PYTHON="$PY" bash tools/dist_train.sh "$CONFIG" "$GPUS" --work-dir "$WORK_DIR" \
        --cfg-options "${DATA_OPTS[@]}"
else
    "$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${DATA_OPTS[@]}"
fi
training_done "$WORK_DIR" "$TRAIN_START"

log "4/5 evaluation on the validation split"
evaluate "$CONFIG" "$WORK_DIR" mIoU
MIOU=$METRIC

log "5/5 pictures -> $WORK_DIR/pictures"
"$PY" tools/demo/image_demo_seg.py "$DATA/images/validation" "$CONFIG" "$CKPT" \
    --gt-dir "$DATA/annotations/validation" --limit 8 --out-dir "$WORK_DIR/pictures"

SETUP="$GPUS process(es) x $OMP_NUM_THREADS thread(s), $(getconf _NPROCESSORS_ONLN) cores"
SETUP="$SETUP, load average $(cut -d' ' -f1-3 /proc/loadavg)"
SUMMARY="mIoU $MIOU on the synthetic validation split after $TRAIN_S s ($MINUTES min) of training"
SUMMARY="$SUMMARY ($SETUP); pictures: $WORK_DIR/pictures/seg_grid.png"
echo "$SUMMARY" | tee "$WORK_DIR/summary.txt"
if awk "BEGIN { exit !($MIOU >= $MIN_MIOU) }"; then
    log "PASS: mIoU $MIOU >= $MIN_MIOU"
else
    log "FAIL: mIoU $MIOU < $MIN_MIOU"
    exit 1
fi

#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# A CPU demo end to end: set up (or check) the environment, write the task's synthetic dataset,
# train the demo config with a small FasterViT from scratch, evaluate it on the validation split,
# draw its predictions and check the metric.
#
#   bash tools/run_demo.sh                # det: Mask R-CNN on synthetic COCO-format scenes
#   bash tools/run_demo.sh seg            # UperNet on synthetic ADE20K-format scenes (mIoU)
#   bash tools/run_demo.sh cls            # classification of synthetic shapes (top-1)
#   SKIP_SETUP=1 bash tools/run_demo.sh   # environment already set up
#   GPUS=2 bash tools/run_demo.sh seg     # 2 processes through tools/dist_train.sh (Gloo on CPU)
#
# Environment (the same for every task; defaults per task in the table below):
#   CONFIG      the demo config
#   DATA        where the synthetic dataset is written and read (DATA_DIR: older name, det)
#   WORK_DIR    checkpoints, logs, pictures, summary.json
#   MIN_METRIC  exit 1 when the validation metric is below it (MIN_MIOU, MIN_TOP1: older names)
#   GPUS        training processes (default 1; more go through tools/dist_train.sh)
#   EXTRA_ARGS  more arguments for tools/train.py, e.g. "--cfg-options train_cfg.max_iters=20"
#   SKIP_SETUP  set (to anything but 0) to skip tools/setup_env.sh
#   FASTERVIT_MM_VENV  the environment (default .venv)
#   OMP_NUM_THREADS    seg and cls default to 1: their operations are tiny, and on a small shared
#       machine two OpenMP threads per process thrash as soon as anything else runs (measured
#       here at a load of ~10: 0.55 s per seg iteration with one thread against 5-20 s with two)
# Idle OpenMP threads sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE unless set): with a busy
# CPU, spinning threads made every operator up to 30x slower here.
#
# task  CONFIG (configs/demo/)                                DATA (data/)       WORK_DIR
# det   mask-rcnn_fastervit-demo_fpn_synthetic-192.py         synthetic_coco     work_dirs/demo
# seg   fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-...   synthetic_ade20k   work_dirs/demo_seg
# cls   fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py  synthetic_shapes   work_dirs/demo_cls
# The metric checked: det coco/bbox_mAP_50 >= 0.7, seg mIoU >= 70, cls accuracy/top1 >= 90.
set -euo pipefail
TASK=${1:-det}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case "$TASK" in
    det)
        CONFIG=${CONFIG:-configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py}
        DATA=${DATA:-${DATA_DIR:-data/synthetic_coco}}
        WORK_DIR=${WORK_DIR:-work_dirs/demo}
        METRIC=coco/bbox_mAP_50
        MIN_METRIC=${MIN_METRIC:-0.7}
        STEPS=5 ;;
    seg)
        CONFIG=${CONFIG:-configs/demo/fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py}
        DATA=${DATA:-data/synthetic_ade20k}
        WORK_DIR=${WORK_DIR:-work_dirs/demo_seg}
        METRIC=mIoU
        MIN_METRIC=${MIN_METRIC:-${MIN_MIOU:-70}}
        export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
        STEPS=5 ;;
    cls)
        CONFIG=${CONFIG:-configs/demo/fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py}
        DATA=${DATA:-data/synthetic_shapes}
        WORK_DIR=${WORK_DIR:-work_dirs/demo_cls}
        METRIC=accuracy/top1
        MIN_METRIC=${MIN_METRIC:-${MIN_TOP1:-90}}
        export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
        STEPS=4 ;;
    *)
        echo "usage: bash tools/run_demo.sh [det|seg|cls]   (got '$TASK')" >&2
        exit 2 ;;
esac
GPUS=${GPUS:-1}
PY="${FASTERVIT_MM_VENV:-$ROOT/.venv}/bin/python"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
START=$(date +%s)

log() {
    printf '[run_demo %s %s +%4ss] %s\n' "$TASK" "$(date +%H:%M:%S)" "$(( $(date +%s) - START ))" \
        "$*"
}

if [ -n "${SKIP_SETUP:-}" ] && [ "$SKIP_SETUP" != 0 ]; then
    log "1/$STEPS environment: skipped (SKIP_SETUP=$SKIP_SETUP)"
else
    log "1/$STEPS environment (tools/setup_env.sh)"
    bash tools/setup_env.sh
fi

log "2/$STEPS synthetic $TASK dataset -> $DATA"
"$PY" tools/misc/make_demo_data.py "$TASK" --out "$DATA"
# The config's data paths pointed at DATA (and the COCO evaluators' annotation files).
OPTS=()
for loader in train_dataloader val_dataloader test_dataloader; do
    OPTS+=("$loader.dataset.data_root=$DATA")
done
if [ "$TASK" = det ]; then
    OPTS+=("val_evaluator.ann_file=$DATA/annotations/instances_val.json"
           "test_evaluator.ann_file=$DATA/annotations/instances_val.json")
fi

log "3/$STEPS training $CONFIG on $GPUS process(es) -> $WORK_DIR"
mkdir -p "$WORK_DIR"
TRAIN_START=$(date +%s)
# shellcheck disable=SC2086
if [ "$GPUS" -gt 1 ]; then
    PYTHON="$PY" bash tools/dist_train.sh "$CONFIG" "$GPUS" --work-dir "$WORK_DIR" \
        --cfg-options "${OPTS[@]}" ${EXTRA_ARGS:-}
else
    "$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --cfg-options "${OPTS[@]}" \
        ${EXTRA_ARGS:-}
fi
TRAIN_S=$(( $(date +%s) - TRAIN_START ))
CKPT=$(cat "$WORK_DIR/last_checkpoint")
MINUTES=$(awk "BEGIN { printf \"%.1f\", $TRAIN_S / 60 }")
log "training took $TRAIN_S s ($MINUTES min); checkpoint $CKPT"

log "4/$STEPS $METRIC on the validation split"
TEST_ARGS=()
if [ "$TASK" = det ]; then  # a picture of every validation image and the raw predictions
    case "$WORK_DIR" in /*) WORK_ABS=$WORK_DIR ;; *) WORK_ABS=$ROOT/$WORK_DIR ;; esac
    TEST_ARGS=(--show-dir "$WORK_ABS/test_vis" --out "$WORK_DIR/test/predictions.pkl")
fi
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" "${TEST_ARGS[@]}" \
    --cfg-options "${OPTS[@]}" 2>&1 | tee "$WORK_DIR/test.log"

if [ "$TASK" = det ]; then
    log "5/$STEPS prediction pictures -> $WORK_DIR/predictions"
    "$PY" tools/demo/image_demo.py "$DATA/val" "$CONFIG" "$CKPT" \
        --out-dir "$WORK_DIR/predictions" --limit 8 --grid "$WORK_DIR/predictions_grid.png"
elif [ "$TASK" = seg ]; then
    log "5/$STEPS prediction pictures -> $WORK_DIR/pictures"
    "$PY" tools/demo/image_demo_seg.py "$DATA/images/validation" "$CONFIG" "$CKPT" \
        --gt-dir "$DATA/annotations/validation" --limit 8 --out-dir "$WORK_DIR/pictures"
fi

# summary.json: the test metrics, the training time and the set-up; exit 1 below MIN_METRIC.
SETUP="$GPUS process(es) x ${OMP_NUM_THREADS:-default} thread(s), $(getconf _NPROCESSORS_ONLN)"
SETUP="$SETUP cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$WORK_DIR" "$TRAIN_S" "$METRIC" "$MIN_METRIC" "$SETUP" "$TASK" <<'PY'
import glob, json, os, sys
work_dir, seconds, key, minimum, setup, task = sys.argv[1:]
logs = sorted(glob.glob(os.path.join(work_dir, 'test', '*', '*.json')), key=os.path.getmtime)
metrics = json.load(open(logs[-1])) if logs else {}
summary = {k: v for k, v in metrics.items()
           if isinstance(v, (int, float)) and k not in ('data_time', 'time', 'step')}
summary.update(train_minutes=round(int(seconds) / 60, 1), setup=setup)
json.dump(summary, open(os.path.join(work_dir, 'summary.json'), 'w'), indent=2)
print(f'[run_demo {task}] results:', json.dumps(summary))
value = summary.get(key)
if value is None or value < float(minimum):
    sys.exit(f'[run_demo {task}] FAIL: {key} = {value} < MIN_METRIC={minimum}')
print(f'[run_demo {task}] PASS: {key} = {value} >= {minimum}')
PY
log "done: metrics in $WORK_DIR/summary.json"

#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# The demo, end to end on a CPU: set up (or check) the environment, write the synthetic COCO-format
# dataset, train the demo Mask R-CNN with a small FasterViT (progress is logged every 25
# iterations), evaluate it with COCO metrics on the validation split and draw its predictions.
#
#   bash tools/run_demo.sh                # everything
#   SKIP_SETUP=1 bash tools/run_demo.sh   # environment already set up
#
# Environment: CONFIG (demo config), WORK_DIR (default work_dirs/demo), DATA_DIR (default
# data/synthetic_coco, must match the config's data_root), FASTERVIT_MM_VENV, EXTRA_ARGS (passed
# to tools/train.py, e.g. "--cfg-options train_cfg.max_iters=200").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONFIG=${CONFIG:-configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py}
WORK_DIR=${WORK_DIR:-work_dirs/demo}
DATA_DIR=${DATA_DIR:-data/synthetic_coco}
PY="${FASTERVIT_MM_VENV:-$ROOT/.venv}/bin/python"
# Idle OpenMP threads sleep instead of spinning: with a busy CPU (2 cores shared with other jobs)
# spinning threads made every operator up to 30x slower here.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
say() { printf '\n[run_demo %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if [ -z "${SKIP_SETUP:-}" ]; then
    say "1/5 environment (tools/setup_env.sh)"
    bash tools/setup_env.sh
fi

say "2/5 synthetic dataset -> $DATA_DIR"
"$PY" tools/misc/make_demo_data.py --out "$DATA_DIR"

say "3/5 training $CONFIG on the CPU -> $WORK_DIR"
START=$(date +%s)
# shellcheck disable=SC2086
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" ${EXTRA_ARGS:-}
TRAIN_SECONDS=$(( $(date +%s) - START ))
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")
say "training took $(( TRAIN_SECONDS / 60 )) min $(( TRAIN_SECONDS % 60 )) s"
say "checkpoint: $CHECKPOINT"

say "4/5 COCO evaluation on the validation split (pictures of every image -> $WORK_DIR/test_vis)"
"$PY" tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR/test" \
    --show-dir "$ROOT/$WORK_DIR/test_vis" --out "$WORK_DIR/test/predictions.pkl"

say "5/5 prediction pictures -> $WORK_DIR/predictions"
"$PY" tools/demo/image_demo.py "$DATA_DIR/val" "$CONFIG" "$CHECKPOINT" \
    --out-dir "$WORK_DIR/predictions" --limit 8 --grid "$WORK_DIR/predictions_grid.png"

"$PY" - "$WORK_DIR" "$TRAIN_SECONDS" <<'PY'
import glob, json, os, sys
work_dir, seconds = sys.argv[1], int(sys.argv[2])
logs = sorted(glob.glob(os.path.join(work_dir, 'test', '*', '*.json')), key=os.path.getmtime)
metrics = json.load(open(logs[-1])) if logs else {}
keys = ['coco/bbox_mAP_50', 'coco/bbox_mAP', 'coco/segm_mAP_50', 'coco/segm_mAP']
summary = {k: metrics.get(k) for k in keys}
summary['train_minutes'] = round(seconds / 60, 1)
json.dump(summary, open(os.path.join(work_dir, 'summary.json'), 'w'), indent=2)
print('\n[run_demo] results:', json.dumps(summary))
bbox50 = summary['coco/bbox_mAP_50']
if bbox50 is None or bbox50 < 0.7:
    sys.exit(f'[run_demo] coco/bbox_mAP_50 = {bbox50}: below the 0.7 the demo should reach')
PY
say "done: metrics in $WORK_DIR/summary.json, pictures in $WORK_DIR/predictions_grid.png"

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# Steps shared by tools/run_demo_cls.sh and tools/run_demo_seg.sh; sourced, not run. Set NAME (the
# log prefix) before sourcing. Sets ROOT (and cd's there), PY, START and OMP_NUM_THREADS (default
# 1), and defines the functions below.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY="${FASTERVIT_MM_VENV:-$ROOT/.venv}/bin/python"
START=$(date +%s)

log() {
    printf '[%s %s +%4ss] %s\n' "$NAME" "$(date +%H:%M:%S)" "$(( $(date +%s) - START ))" "$*"
}

# setup_step STEP: tools/setup_env.sh unless SKIP_SETUP=1.
setup_step() {
    if [ "${SKIP_SETUP:-0}" != 1 ]; then
        log "$1 environment (tools/setup_env.sh)"
        bash tools/setup_env.sh
    fi
}

# data_options DATA: DATA_OPTS, the --cfg-options pointing the three dataloaders at DATA.
data_options() {
    DATA_OPTS=()
    for loader in train_dataloader val_dataloader test_dataloader; do
        DATA_OPTS+=("$loader.dataset.data_root=$1")
    done
}

# training_done WORK_DIR TRAIN_START: TRAIN_S, MINUTES and CKPT (the last checkpoint), logged.
training_done() {
    TRAIN_S=$(( $(date +%s) - $2 ))
    MINUTES=$(awk "BEGIN { printf \"%.1f\", $TRAIN_S / 60 }")
    CKPT=$(cat "$1/last_checkpoint")
    log "training took $TRAIN_S s ($MINUTES min); checkpoint $CKPT"
}

# evaluate CONFIG WORK_DIR KEY: tools/test.py on CKPT with DATA_OPTS; METRIC, the last "KEY: x".
evaluate() {
    "$PY" tools/test.py "$1" "$CKPT" --work-dir "$2/test" \
        --cfg-options "${DATA_OPTS[@]}" 2>&1 | tee "$2/test.log"
    METRIC=$(grep -oE "$3: [0-9.]+" "$2/test.log" | tail -n1 | awk '{ print $2 }')
    [ -n "$METRIC" ] || { echo "[$NAME] ERROR: no $3 in $2/test.log" >&2; exit 1; }
}

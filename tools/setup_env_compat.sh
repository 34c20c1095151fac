#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# Creates (or brings up to date) the venvs at the ends of the supported range, in which CI runs the
# backbone-level tests (tools/run_tests.sh --compat, docs/install.md):
#
#   py38   Python 3.8,  torch 2.1.2 (the oldest supported: mmcv 2.1.0's prebuilt wheels),
#          mmengine 0.10.7, numpy < 2
#   py312  Python 3.12, torch 2.13.0 (the pinned torch), mmengine 0.10.7
#
# No mmcv / mmdet / mmseg / mmpretrain here (their tests stay in the main .venv): an mmcv build for
# each torch would double the first set-up. Nothing is built from source. Every install is held to
# requirements/constraints-<env>.txt, the versions CI last passed with. Idempotent: a second run
# only checks what is there (seconds); pip's download cache makes a rebuilt venv quick.
#
# Usage: bash tools/setup_env_compat.sh [py38] [py312]      (default: both)
# Environment:
#   FASTERVIT_MM_COMPAT_ROOT   where the venvs live            (default: <repo>/.venv-compat)
#   FASTERVIT_MM_PYTHON38 / FASTERVIT_MM_PYTHON312   interpreters (default: python3.8 / python3.12,
#                              then pyenv's ~/.pyenv/versions/3.8.* / 3.12.*)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPAT_ROOT="${FASTERVIT_MM_COMPAT_ROOT:-$ROOT/.venv-compat}"
START=$(date +%s)

log() {
    printf '[setup_env_compat %s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - START ))" "$*"
}
die() { printf '[setup_env_compat] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- the two environments (reasons: docs/install.md) -----------------------------------------
# name: python version, torch version
declare -A PY_OF=([py38]=3.8 [py312]=3.12)
declare -A TORCH_OF=([py38]=2.1.2 [py312]=2.13.0)
MMENGINE_VERSION=0.10.7

find_python() {  # $1 = X.Y: an interpreter of that version, or nothing
    local v=$1 var="FASTERVIT_MM_PYTHON${1/./}" cand
    for cand in "${!var:-}" "python$v" "$HOME"/.pyenv/versions/"$v".*/bin/python"$v"; do
        # (a pyenv shim exists for every version but runs only the selected ones: try it)
        [ -n "$cand" ] && "$cand" -c "import sys; assert sys.version_info[:2] == (${v/./, })" \
            >/dev/null 2>&1 && { command -v "$cand"; return; }
    done
}

setup_one() {
    local name=$1 pyv=${PY_OF[$1]} torchv=${TORCH_OF[$1]}
    local venv="$COMPAT_ROOT/$name" cons="$ROOT/requirements/constraints-$name.txt"
    local pyv_tuple=${pyv/./, }
    local python; python=$(find_python "$pyv")
    [ -n "$python" ] || die "no Python $pyv found: install it (e.g. pyenv install $pyv)" \
        "or set FASTERVIT_MM_PYTHON${pyv/./}"
    [ -f "$cons" ] || die "$cons is missing"
    if [ ! -x "$venv/bin/python" ]; then
        log "$name: creating $venv ($("$python" --version 2>&1))"
        mkdir -p "$COMPAT_ROOT"
        "$python" -m venv "$venv"
    else
        log "$name: $venv exists"
    fi
    local py="$venv/bin/python"
    "$py" -c "import sys; assert sys.version_info[:2] == ($pyv_tuple), sys.version" \
        || die "$venv is not Python $pyv: remove it and run again"
    # Everything pinned present? (importlib.metadata, no resolver: fast)
    if "$py" - "$cons" <<'EOF' 2>/dev/null; then
import sys, re, importlib.metadata as md
bad = []
for line in open(sys.argv[1]):
    line = line.split('#', 1)[0].strip()
    m = re.match(r'([A-Za-z0-9_.\-]+)==([^;\s]+)', line)
    if m:
        try:
            if md.version(m.group(1)).split('+')[0] != m.group(2):
                bad.append(m.group(1))
        except md.PackageNotFoundError:
            bad.append(m.group(1))
sys.exit(1 if bad else 0)
EOF
        log "$name: torch $torchv, mmengine $MMENGINE_VERSION and the test tools present"
    else
        log "$name: installing torch $torchv (the registry's default build, with its CUDA" \
            "libraries: ~2.5-4 GB, a few minutes), mmengine $MMENGINE_VERSION, test tools"
        # The local find-links folder and pip's global constraint file hold torch builds for other
        # Pythons only; the project's constraints file is the one that applies.
        local quiet="^(Requirement already satisfied|  Using cached|  Downloading|Collecting)"
        if ! ( env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$py" -m pip \
                   --disable-pip-version-check install --progress-bar off -c "$cons" \
                   "torch==$torchv" "mmengine==$MMENGINE_VERSION" \
                   -r "$ROOT/requirements/tests-compat.txt" 2>&1 \
               | { grep -vE "$quiet" || true; }
               exit "${PIPESTATUS[0]}" ); then
            die "$name: the install failed (pip's message above)"
        fi
    fi
    # fastervit_mm from this checkout (a .pth path entry: no build, no copy, nothing to refresh)
    local site; site=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    echo "$ROOT" > "$site/fastervit_mm_checkout.pth"
    "$py" - <<'EOF' || die "$name: the environment does not import (see above)"
import sys, torch, numpy, mmengine, pytest, hypothesis, fastervit_mm
from fastervit_mm.models import FasterViT
print(f'  Python {sys.version.split()[0]}, torch {torch.__version__}, numpy {numpy.__version__}, '
      f'mmengine {mmengine.__version__}, fastervit_mm {fastervit_mm.__version__} '
      f'({fastervit_mm.__file__})')
EOF
}

ENVS=("$@")
[ ${#ENVS[@]} -gt 0 ] || ENVS=(py38 py312)
for name in "${ENVS[@]}"; do
    [ -n "${PY_OF[$name]:-}" ] || die "unknown environment $name (known: ${!PY_OF[*]})"
    setup_one "$name"
done
log "done in $(( $(date +%s) - START )) s: ${ENVS[*]} under $COMPAT_ROOT"

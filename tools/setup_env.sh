#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# Creates (or brings up to date) the project's virtual environment `.venv` with the pinned,
# tested OpenMMLab matrix and fastervit_mm installed in editable mode. Idempotent: a second run
# only checks what is there (well under 3 minutes).
#
# The only slow step is mmcv 2.1.0 (full, with ops): no wheel exists for torch 2.13, so it is built
# from source once (~20-25 min on 2 cores) into a wheel cache outside the clone and installed from
# there afterwards.
#
# Environment:
#   FASTERVIT_MM_VENV          venv location             (default: <repo>/.venv)
#   FASTERVIT_MM_WHEEL_CACHE   built-wheel cache          (default: ~/.cache/fastervit_mm/wheels)
#   FASTERVIT_MM_PYTHON        interpreter for the venv   (default: python3.11)
#   MAX_JOBS                   parallel compile jobs for mmcv (default: number of cores)
set -euo pipefail

# ---- the pinned matrix (reasons: docs/install.md) -------------------------------------------
PY_VERSION=3.11
TORCH_VERSION=2.13.0
TORCHVISION_VERSION=0.28.0
MMENGINE_VERSION=0.10.7
MMCV_VERSION=2.1.0
MMDET_VERSION=3.3.0
MMSEG_VERSION=1.2.2
MMPRETRAIN_VERSION=1.2.0
SETUPTOOLS_VERSION=69.5.1   # <82 keeps pkg_resources (mmengine, openmim, the mmcv build need it)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FASTERVIT_MM_VENV:-$ROOT/.venv}"
PYTHON="${FASTERVIT_MM_PYTHON:-python${PY_VERSION}}"
CACHE_ROOT="${FASTERVIT_MM_WHEEL_CACHE:-$HOME/.cache/fastervit_mm/wheels}"
START=$(date +%s)

log() { printf '[setup_env %s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - START ))" "$*"; }
die() { printf '[setup_env] ERROR: %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python $PY_VERSION or set FASTERVIT_MM_PYTHON"

# ---- 1. the virtual environment -----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV ($("$PYTHON" --version))"
    "$PYTHON" -m venv "$VENV"
else
    log "virtual environment $VENV exists"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
# Every install below is held to the versions CI last passed with (transitive dependencies too).
CONSTRAINTS=(-c "$ROOT/requirements/constraints.txt")
"$PY" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$PY_VERSION'.split('.'))), sys.version" \
    || die "$VENV is not Python $PY_VERSION: remove it and run again"

# Is <module> importable at exactly <version>?  (fast check, no pip resolver)
has() { "$PY" - "$1" "$2" <<'EOF' 2>/dev/null
import sys, importlib.metadata as md
sys.exit(0 if md.version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
EOF
}

# ---- 2. torch + torchvision ---------------------------------------------------------------------
# The local CPU wheel of torch has no matching torchvision (the registry's torchvision is linked to
# the CUDA build and fails to import against the CPU torch), and mmpretrain imports torchvision.
# So we take the registry's default (CUDA) builds of both, which run on a CPU-only machine too and
# are what GPU users get. The local find-links folder is switched off for this step only.
if has torch "$TORCH_VERSION" && has torchvision "$TORCHVISION_VERSION" \
        && "$PY" -c "import torchvision.ops" 2>/dev/null; then
    log "torch $TORCH_VERSION and torchvision $TORCHVISION_VERSION present"
else
    log "installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION from the registry (~5 GB, a few minutes)"
    env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "${PIP[@]}" install --progress-bar off "${CONSTRAINTS[@]}" \
        "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

# ---- 3. build tools (pinned after torch: torch declares setuptools>=77 but runs with 69) -------
if "$PY" -c "import setuptools, wheel, ninja, pkg_resources; assert setuptools.__version__ == '$SETUPTOOLS_VERSION'" 2>/dev/null; then
    log "setuptools $SETUPTOOLS_VERSION, wheel, ninja present"
else
    log "installing setuptools==$SETUPTOOLS_VERSION, wheel, ninja (pip may warn that torch asks for setuptools>=77: harmless)"
    "${PIP[@]}" install -q "${CONSTRAINTS[@]}" "setuptools==$SETUPTOOLS_VERSION" wheel ninja
fi

# ---- 4. mmcv (full, with ops) from the wheel cache, building it once ----------------------------
TORCH_TAG=$("$PY" -c "import torch; print(torch.__version__.split('+')[0])")
PY_TAG=$("$PY" -c "import sys; print(f'cp{sys.version_info[0]}{sys.version_info[1]}')")
CACHE="$CACHE_ROOT/torch${TORCH_TAG}-${PY_TAG}"
mkdir -p "$CACHE"
MMCV_WHEEL=$(ls "$CACHE"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)

if [ -z "$MMCV_WHEEL" ]; then
    log "no cached mmcv wheel in $CACHE: building mmcv $MMCV_VERSION from source (~20-25 min on 2 cores)"
    log "  full log: $CACHE/build.log; one line per compiled unit below"
    BUILD_DIR=$(mktemp -d "$CACHE/.build.XXXXXX")
    # --no-build-isolation: the build must see this venv's torch (an isolated env has none).
    if ! ( MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            "${PIP[@]}" wheel -v --no-build-isolation --no-deps "mmcv==$MMCV_VERSION" -w "$BUILD_DIR" 2>&1 \
            | tee "$CACHE/build.log" \
            | awk '/^ *\[[0-9]+\/[0-9]+\] / { src = "?"; if (match($0, /[A-Za-z0-9_]+\.(cpp|cu|cc)( |$)/)) src = substr($0, RSTART, RLENGTH);
                                                 printf "  [setup_env] mmcv compile %s %s\n", $1, src; fflush(); next }
                   /Building wheel|Created wheel|error:/ { print "  [setup_env] " $0; fflush() }' ; \
            exit "${PIPESTATUS[0]}" ); then
        rm -rf "$BUILD_DIR"
        die "the mmcv build failed: see $CACHE/build.log"
    fi
    BUILT=$(ls "$BUILD_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)
    mv "$BUILT" "$CACHE/"   # same filesystem: atomic, a killed build never leaves half a wheel
    rm -rf "$BUILD_DIR"
    MMCV_WHEEL="$CACHE/$(basename "$BUILT")"
    log "cached $MMCV_WHEEL"
else
    log "cached mmcv wheel: $MMCV_WHEEL"
fi

# ---- 5. mmcv, the OpenMMLab libraries, fvcore and test tools ------------------------------------------
REQS=("$MMCV_WHEEL" "mmengine==$MMENGINE_VERSION" "mmdet==$MMDET_VERSION" "mmsegmentation==$MMSEG_VERSION"
      "mmpretrain==$MMPRETRAIN_VERSION" fvcore ftfy regex openmim==0.3.9
      -r "$ROOT/requirements/tests.txt")
if has mmcv "$MMCV_VERSION" && "$PY" -c "import mmcv.ops" 2>/dev/null && has mmengine "$MMENGINE_VERSION" && has mmdet "$MMDET_VERSION" && has mmsegmentation "$MMSEG_VERSION" \
        && has mmpretrain "$MMPRETRAIN_VERSION" && "$PY" -c "import fvcore, ftfy, regex, mim, pytest, hypothesis, mkdocs, ruff" 2>/dev/null; then
    log "mmcv (ops), mmengine, mmdet, mmsegmentation, mmpretrain, fvcore, openmim and test tools present"
else
    log "installing mmcv $MMCV_VERSION (cached wheel), mmengine $MMENGINE_VERSION, mmdet $MMDET_VERSION, mmsegmentation $MMSEG_VERSION, mmpretrain $MMPRETRAIN_VERSION, fvcore, openmim, test tools"
    "${PIP[@]}" install --progress-bar off "${CONSTRAINTS[@]}" "${REQS[@]}" "setuptools==$SETUPTOOLS_VERSION" 2>&1 \
        | { grep -vE "^(Requirement already satisfied|  Using cached|  Downloading|Collecting)|is ignored: it is neither a file nor a directory" || true; } \
        || die "installing the OpenMMLab stack failed (pip's message above)"
fi
# Deployment runtimes (requirements/deploy.txt); mmdeploy without its declared dependencies, whose
# protobuf<=3.20.2 pin cannot coexist with onnx (see requirements/deploy.txt).
if has onnx 1.23.2 && has onnxruntime 1.32.0 && has onnxscript 0.7.2 && has openvino 2026.4.1 \
        && has mmdeploy 1.3.1 && "$PY" -c "import aenum, multiprocess, dill" 2>/dev/null; then
    log "onnx, onnxruntime, onnxscript, openvino, mmdeploy present"
else
    log "installing the deployment runtimes (onnx, onnxruntime, onnxscript, openvino, mmdeploy)"
    "${PIP[@]}" install -q --progress-bar off "${CONSTRAINTS[@]}" -r "$ROOT/requirements/deploy.txt" \
        || die "installing the deployment runtimes failed (pip's message above)"
    "${PIP[@]}" install -q --progress-bar off "${CONSTRAINTS[@]}" --no-deps mmdeploy==1.3.1 \
        || die "installing mmdeploy failed (pip's message above)"
fi

# ---- 6. fastervit_mm itself, editable ------------------------------------------------------------
if "$PY" -c "import fastervit_mm, sys, os; sys.exit(0 if os.path.dirname(os.path.dirname(fastervit_mm.__file__)) == '$ROOT' else 1)" 2>/dev/null \
        && [ -e "$ROOT/fastervit_mm/.mim/configs" ]; then
    log "fastervit_mm (editable, $ROOT) present"
else
    log "installing fastervit_mm in editable mode"
    "${PIP[@]}" install -q --no-build-isolation --no-deps -e "$ROOT"
fi
# openmim 0.3.9 looks for site-packages/fastervit_mm, which PEP 660 editable installs do not create.
"$PY" -m fastervit_mm.model_zoo --link-for-mim >/dev/null

# ---- 7. check ------------------------------------------------------------------------------------
log "checking imports"
"$PY" - <<'EOF'
import torch, torchvision, mmengine, mmcv, mmcv.ops, mmdet, mmseg, mmpretrain, fvcore, fastervit_mm
import mmpretrain.models  # needs a working torchvision
print(f'  torch {torch.__version__}, torchvision {torchvision.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__} (ops), mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, fastervit_mm {fastervit_mm.__version__}')
EOF
log "done in $(( $(date +%s) - START )) s: activate with 'source $VENV/bin/activate'"

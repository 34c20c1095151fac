#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The README's test command: set up (or check) the environment, then run the default test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh tests/test_registry.py -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
# OpenMP threads that spin while waiting make every op many times slower when other jobs share
# the cores (seen: 10 s instead of 0.34 s for a backbone step on a loaded 2-core machine).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
echo "[run_tests] pytest (default suite; opt-in benchmarks live in tools/analysis/)"
exec "${FASTERVIT_MM_VENV:-$ROOT/.venv}/bin/python" -m pytest "${@:-tests}"

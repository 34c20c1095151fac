# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The tree stays lint-clean and formatted (``ruff``, settings in ``pyproject.toml``).

The same checks run before each commit with ``pre-commit install`` (``.pre-commit-config.yaml``);
``ruff check --fix . && ruff format .`` repairs most findings.
"""

import subprocess
import sys

import pytest
from conftest import REPO_ROOT


@pytest.mark.parametrize(
    'args', [['check', '--no-fix'], ['format', '--check', '--diff']], ids=['lint', 'format']
)
def test_ruff(args):
    res = subprocess.run(
        [sys.executable, '-m', 'ruff', *args, '.'], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, (
        f'ruff {" ".join(args)} found problems (repair: '
        f'ruff check --fix . && ruff format .):\n'
        f'{res.stdout[-4000:]}{res.stderr[-2000:]}'
    )

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared test helpers: repository paths and a runner for isolated Python subprocesses."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DIR = osp.join(osp.dirname(REPO_ROOT), 'shared')


def run_python(code: str, cwd: str = REPO_ROOT, timeout: int = 600, env: dict = None):
    """Run ``code`` in a fresh interpreter of this venv (clean registries, clean safe-globals).

    Returns:
        subprocess.CompletedProcess: with ``stdout``/``stderr`` as text.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, '-c', code], cwd=cwd, env=full_env, timeout=timeout,
                          capture_output=True, text=True)


@pytest.fixture
def python_subprocess():
    return run_python

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared test helpers: repository paths, a runner for isolated Python subprocesses, the tiny
synthetic COCO/ADE20K datasets and the mmdet/mmseg registry scopes."""
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


# ---- the synthetic datasets and registry scopes of the detection, segmentation and dataset tests
@pytest.fixture(scope='session')
def det_data(tmp_path_factory) -> str:
    """A tiny synthetic COCO-format dataset (8 training, 4 validation images of 192x192)."""
    from fastervit_mm.datasets import make_synthetic_coco
    root = str(tmp_path_factory.mktemp('synthetic_coco'))
    make_synthetic_coco(root, num_train=8, num_val=4, seed=0)
    return root + '/'


@pytest.fixture(scope='session')
def mmdet_scope():
    """Make ``mmdet`` the default registry scope (as the Runner does for these configs)."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def seg_data(tmp_path_factory):
    """A tiny synthetic ADE20K-format dataset (8 training, 4 validation images of 64x64)."""
    from fastervit_mm.datasets import make_synthetic_ade20k
    root = str(tmp_path_factory.mktemp('synthetic_ade20k'))
    make_synthetic_ade20k(root, num_train=8, num_val=4, size=(64, 64), seed=0)
    return root


@pytest.fixture(scope='session')
def mmseg_scope():
    """Make ``mmseg`` the default registry scope (as the Runner does for these configs)."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')

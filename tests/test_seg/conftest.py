# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Paths of the segmentation tests and ``demo_cfg``. The synthetic dataset ``seg_data``,
``mmseg_scope``, ``build_segmentor`` and the demo config itself live in tests/conftest.py
(shared with tests/test_engine)."""

import glob
import os.path as osp

import pytest
from conftest import REPO_ROOT, SEG_DEMO_CONFIG, build_segmentor

__all__ = ['REPO_ROOT', 'SEG_CONFIGS', 'DEMO_CONFIG', 'build_segmentor', 'demo_cfg']

SEG_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'upernet', '*.py'))
    + glob.glob(osp.join(REPO_ROOT, 'configs', 'demo', '*upernet*.py'))
)
DEMO_CONFIG = SEG_DEMO_CONFIG


@pytest.fixture
def demo_cfg(seg_demo_cfg):
    """The demo config (``seg_demo_cfg`` of tests/conftest.py)."""
    return seg_demo_cfg

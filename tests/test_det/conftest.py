# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Paths of the detection tests. The helpers they use are shared with other folders and live in
tests/conftest.py: the synthetic dataset ``det_data``, ``mmdet_scope``, ``write_demo_child``,
``run_tool``, ``build_detector`` and ``run_process_group`` (imported here for the tests of this
folder)."""

import glob
import os.path as osp

from conftest import (
    DET_DEMO_CONFIG,
    REPO_ROOT,
    build_detector,
    run_process_group,
    run_tool,
    write_demo_child,
)

__all__ = [
    'REPO_ROOT',
    'DET_CONFIGS',
    'DEMO_CONFIG',
    'CASCADE_CONFIG',
    'build_detector',
    'run_process_group',
    'run_tool',
    'write_demo_child',
]

DET_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'mask_rcnn', '*.py'))
    + glob.glob(osp.join(REPO_ROOT, 'configs', 'cascade_rcnn', '*.py'))
    + glob.glob(osp.join(REPO_ROOT, 'configs', 'demo', 'mask-rcnn_*.py'))
)
DEMO_CONFIG = DET_DEMO_CONFIG
CASCADE_CONFIG = osp.join(
    REPO_ROOT,
    'configs',
    'cascade_rcnn',
    'cascade-mask-rcnn_fastervit-0_fpn_4conv1fc-giou_ms-crop-3x_coco.py',
)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared pieces of the classification tests: config paths, the published variants, the fixtures."""
import glob
import json
import os.path as osp

import pytest

from conftest import REPO_ROOT, SHARED_DIR  # tests/conftest.py

CLS_DIR = osp.join(REPO_ROOT, 'configs', 'fastervit')
CLS_CONFIGS = sorted(glob.glob(osp.join(CLS_DIR, '*.py')))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py')
FIXTURES = osp.join(SHARED_DIR, 'fixtures', 'official')

#: config stem -> (arch, published evaluation: crop size, resize size, crop mode), spec §1.1-1.2.
VARIANTS = {
    'fastervit-0_32xb128_in1k': ('faster_vit_0_224', 224, 256, 'center'),
    'fastervit-1_32xb128_in1k': ('faster_vit_1_224', 224, 224, 'center'),
    'fastervit-2_32xb128_in1k': ('faster_vit_2_224', 224, 224, 'center'),
    'fastervit-3_32xb128_in1k': ('faster_vit_3_224', 224, 224, 'center'),
    'fastervit-4_32xb128_in1k': ('faster_vit_4_224', 224, 224, 'center'),
    'fastervit-5_32xb128_in1k': ('faster_vit_5_224', 224, 224, 'center'),
    'fastervit-6_32xb128_in1k': ('faster_vit_6_224', 224, 224, 'center'),
    'fastervit-4_in21k-pre_3rdparty_in1k': ('faster_vit_4_21k_224', 224, 235, 'squash'),
    'fastervit-4_in21k-pre_3rdparty_in1k-384px': ('faster_vit_4_21k_384', 384, 384, 'squash'),
    'fastervit-4_in21k-pre_3rdparty_in1k-512px': ('faster_vit_4_21k_512', 512, 512, 'squash'),
    'fastervit-4_in21k-pre_3rdparty_in1k-768px': ('faster_vit_4_21k_768', 768, 825, 'squash'),
}


def fixtures_dir() -> str:
    """The parity fixtures, failing (never skipping) with a clear message if they are missing."""
    if not osp.isfile(osp.join(FIXTURES, 'layouts.json')):
        pytest.fail(f'parity fixtures not found at {FIXTURES} (shared/fixtures/official)')
    return FIXTURES


def official_layouts() -> dict:
    with open(osp.join(fixtures_dir(), 'layouts.json')) as f:
        return json.load(f)

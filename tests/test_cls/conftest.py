# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared pieces of the classification tests: config paths, the published variants, the fixtures."""

import glob
import json
import os.path as osp

import pytest
from conftest import REPO_ROOT, cls_config_variants, parity_dir  # tests/conftest.py

CLS_DIR = osp.join(REPO_ROOT, 'configs', 'fastervit')
CLS_CONFIGS = sorted(glob.glob(osp.join(CLS_DIR, '*.py')))
DEMO_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'demo', 'fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py'
)
FIXTURES = str(parity_dir())

#: config stem -> the published variant it evaluates (tests/conftest.py).
VARIANTS = cls_config_variants()


def fixtures_dir() -> str:
    """The parity fixtures, failing (never skipping) with a clear message if they are missing."""
    if not osp.isfile(osp.join(FIXTURES, 'layouts.json')):
        pytest.fail(f'parity fixtures not found at {FIXTURES} (shared/fixtures/official)')
    return FIXTURES


def official_layouts() -> dict:
    with open(osp.join(fixtures_dir(), 'layouts.json')) as f:
        return json.load(f)

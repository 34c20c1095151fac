# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Fixtures of the segmentation tests: config paths and small UperNet models built from the demo
config (itself a child of the real configs); the synthetic dataset ``seg_data`` and ``mmseg_scope``
are in tests/conftest.py."""
import copy
import glob
import os.path as osp

import pytest

from conftest import REPO_ROOT  # tests/conftest.py

SEG_CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'upernet', '*.py')) +
                     glob.glob(osp.join(REPO_ROOT, 'configs', 'demo', '*upernet*.py')))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py')


@pytest.fixture(scope='session')
def demo_cfg(mmseg_scope):
    """The demo config."""
    from mmengine.config import Config
    return Config.fromfile(DEMO_CONFIG)


def build_segmentor(cfg, **model_overrides):
    """Build ``cfg.model`` (deep-copied, merged with ``model_overrides``) in eval mode."""
    from mmengine.config import Config
    from mmseg.registry import MODELS
    model_cfg = Config(dict(model=copy.deepcopy(cfg.model)))
    model_cfg.merge_from_dict({f'model.{k}': v for k, v in model_overrides.items()})
    model = MODELS.build(model_cfg.model)
    model.init_weights()
    return model.eval()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What every config family shares is written once (configs/_base_/) and holds in every config:
one spelling of ``custom_imports``, one AMP setting, atomic checkpoints and RNG states in
checkpoints, flat classification configs and one small FasterViT for the CPU demos."""

import glob
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config

CONFIG_DIR = osp.join(REPO_ROOT, 'configs')
#: Every config of the families (the mmdeploy configs are not training configs).
CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(CONFIG_DIR, '*', '*.py'))
    if osp.basename(osp.dirname(p)) not in ('_base_', 'deploy')
)
#: The files of a family that set custom_imports themselves (their children inherit it).
IMPORTS_SPELLING = {
    'configs/_base_/fastervit_classification.py': "custom_imports = dict(_base_.fastervit_imports, "
    "imports=['fastervit_mm.models.classifiers'])",
}
_RESOLVED = {}


def _cfg(path: str) -> Config:
    if path not in _RESOLVED:
        _RESOLVED[path] = Config.fromfile(path)
    return _RESOLVED[path]


def _rel(path: str) -> str:
    return osp.relpath(path, REPO_ROOT)


@pytest.mark.parametrize(
    'path', glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True), ids=_rel
)
def test_custom_imports_spelled_once(path):
    """custom_imports is `{{_base_.fastervit_imports}}` (configs/_base_/fastervit_runtime.py)
    wherever a config sets it; the classification family adds its classifiers to it."""
    lines = [line for line in open(path).read().splitlines() if line.startswith('custom_imports')]
    expected = IMPORTS_SPELLING.get(_rel(path), 'custom_imports = {{_base_.fastervit_imports}}')
    assert all(line.split('  #')[0] == expected for line in lines), lines


@pytest.mark.parametrize('path', CONFIGS, ids=_rel)
def test_family_settings(path):
    cfg = _cfg(path)
    assert cfg.custom_imports.allow_failed_imports is False
    assert all(m.startswith('fastervit_mm') for m in cfg.custom_imports.imports)
    assert cfg.default_hooks.checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    assert 'fastervit_mm.RNGStateHook' in [h.type for h in cfg.custom_hooks]
    if cfg.optim_wrapper is not None and cfg.optim_wrapper.get('type') == 'AmpOptimWrapper':
        assert 'loss_scale' not in cfg.optim_wrapper  # AmpOptimWrapper's default: dynamic


@pytest.mark.parametrize(
    'path', glob.glob(osp.join(CONFIG_DIR, 'fastervit', '*_32xb128_in1k.py')), ids=osp.basename
)
def test_classification_configs_are_flat(path):
    """Each FasterViT-k ImageNet config inherits the family base alone (mmpretrain's layout)."""
    assert Config._get_base_files(path) == ['../_base_/fastervit_classification.py']


@pytest.mark.parametrize('path', glob.glob(osp.join(CONFIG_DIR, 'demo', '*.py')), ids=osp.basename)
def test_demos_share_one_small_fastervit(path):
    """Every demo reads the small FasterViT of configs/_base_/fastervit_demo.py (changing only
    what its image size needs) and trains it from scratch without drop path."""
    assert '../_base_/fastervit_demo.py' in Config._get_base_files(path)
    demo = Config.fromfile(osp.join(CONFIG_DIR, '_base_', 'fastervit_demo.py')).fastervit_demo_arch
    backbone = _cfg(path).model.backbone
    assert backbone.arch.hat == demo.hat and backbone.arch.dim in (demo.dim, demo.dim // 2)
    assert backbone.drop_path_rate == 0.0 and backbone.get('init_cfg') is None

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Every DINO config parses, says what its name says, agrees with the variant table and builds
(init_cfg removed)."""

import glob
import os.path as osp
import re

import pytest
import torch
from conftest import REPO_ROOT  # tests/conftest.py
from mmengine.config import Config

from fastervit_mm.engine import check_channels
from fastervit_mm.models.backbones.variants import VARIANTS

from .conftest import build_detector

DINO_CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'dino', 'dino-*.py')))
DINO_DEMO_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'demo', 'dino-4scale_fastervit-demo_synthetic-192.py'
)
# config name part -> published variant (the DINO recipe's backbones)
ARCHS = {
    '0': 'faster_vit_0_224',
    '1': 'faster_vit_1_224',
    '2': 'faster_vit_2_224',
    '3': 'faster_vit_3_224',
    '4': 'faster_vit_4_224',
    '4-21k-224': 'faster_vit_4_21k_224',
    '4-21k-384': 'faster_vit_4_21k_384',
    '4-21k-512': 'faster_vit_4_21k_512',
}
_BUILT = set()  # model config texts built already (12e and 36e share models)


def test_configs_found():
    names = {osp.basename(p) for p in DINO_CONFIGS}
    expected = {
        f'dino-{s}scale_fastervit-{k}_8xb2-{e}e_coco.py'
        for s in (4, 5)
        for k in ARCHS
        for e in (12, 36)
    }
    assert names == expected


@pytest.mark.parametrize('path', DINO_CONFIGS, ids=osp.basename)
def test_config_recipe(path, mmdet_scope):
    name = osp.basename(path)
    scales, k, epochs = re.fullmatch(
        r'dino-(\d)scale_fastervit-([\w-]+)_8xb2-(\d+)e_coco\.py', name
    ).groups()
    scales, epochs, variant = int(scales), int(epochs), VARIANTS[ARCHS[k]]
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmdet' and cfg.custom_imports.imports == ['fastervit_mm']
    assert cfg.default_hooks.checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    backbone = cfg.model.backbone
    assert backbone.type == 'fastervit_mm.FasterViT' and backbone.arch == variant.name
    # the variant table's facts: drop path of the ImageNet recipe, official checkpoint, channels
    assert backbone.drop_path_rate == variant.drop_path_rate
    assert backbone.init_cfg == dict(type='Pretrained', checkpoint=variant.url)
    assert backbone.norm_cfg.type == 'SyncBN' and backbone.frozen_stages == -1
    levels = list(range(4 - (scales - 1), 4))  # 4 scales: stages 1-3, 5 scales: 0-3
    assert list(backbone.out_indices) == levels
    assert cfg.model.neck.type == 'ChannelMapper'
    assert cfg.model.neck.in_channels == [variant.channels[i] for i in levels]
    assert cfg.model.neck.num_outs == scales
    assert cfg.model.get('num_feature_levels', 4) == scales
    assert cfg.model.encoder.layer_cfg.self_attn_cfg.num_levels == scales
    assert cfg.model.decoder.layer_cfg.cross_attn_cfg.num_levels == scales
    # the published FasterViT DINO optimiser (spec 3.3), which is mmdet's DINO one
    optim = cfg.optim_wrapper
    assert optim.type == 'OptimWrapper' and optim.optimizer.type == 'AdamW'
    assert optim.optimizer.lr == 1e-4 and optim.optimizer.weight_decay == 1e-4
    assert optim.paramwise_cfg.custom_keys == {'backbone': dict(lr_mult=0.1)}
    assert optim.clip_grad.max_norm == 0.1
    assert cfg.train_cfg.max_epochs == epochs and cfg.train_dataloader.batch_size == 2
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.model.num_queries == 900 and cfg.model.bbox_head.num_classes == 80
    key = repr(cfg.model)
    if key in _BUILT:
        return
    with torch.device('meta'):  # every module constructed and checked, no memory filled
        model = build_detector(cfg)
    check_channels(model)
    assert model.backbone.out_channels == cfg.model.neck.in_channels
    _BUILT.add(key)


def test_demo_config(mmdet_scope):
    cfg = Config.fromfile(DINO_DEMO_CONFIG)
    real = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'dino', 'dino-4scale_fastervit-0_8xb2-12e_coco.py')
    )
    assert cfg.model.type == real.model.type == 'DINO'
    assert cfg.model.backbone.init_cfg is None and cfg.model.backbone.norm_cfg.type == 'BN'
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.model.bbox_head.num_classes == len(cfg.metainfo['classes'])
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    model = build_detector(cfg)
    check_channels(model)


def test_demo_trains_with_tools_train(tmp_path, det_data):
    """The demo config runs under tools/train.py: two iterations, a validation, a checkpoint."""
    from .conftest import run_tool, write_demo_child

    child = write_demo_child(tmp_path / 'dino_demo_child.py', det_data, base=DINO_DEMO_CONFIG)
    work_dir = tmp_path / 'work'
    run_tool('train.py', [child, '--work-dir', work_dir])
    assert (work_dir / 'iter_2.pth').is_file()

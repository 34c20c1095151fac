# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Every segmentation config parses, builds (model, pipelines) and is consistent with itself."""

import os.path as osp

import pytest
import torch

from .conftest import DEMO_CONFIG, SEG_CONFIGS

#: FasterViT stage channels of the paper variants.
CHANNELS = {str(i): [d * 2**k for k in range(4)] for i, d in enumerate((64, 80, 96, 128, 196))}


def test_configs_found():
    names = [osp.basename(p) for p in SEG_CONFIGS]
    assert len(names) == 11, names  # FasterViT-0..4, their AMP children, the demo
    for i in range(5):
        assert f'fastervit-{i}_upernet_8xb2-160k_ade20k-512x512.py' in names
        assert f'fastervit-{i}_upernet_8xb2-amp-160k_ade20k-512x512.py' in names
    assert DEMO_CONFIG in SEG_CONFIGS


def _strip_init_cfg(cfg):
    """No checkpoint downloads in tests."""
    cfg.model.backbone.init_cfg = None
    cfg.model.pop('pretrained', None)


@pytest.mark.parametrize('path', SEG_CONFIGS, ids=osp.basename)
def test_config_builds(path, mmseg_scope):
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from mmseg.registry import MODELS

    from fastervit_mm.engine import check_channels

    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg'
    assert cfg.model.type == 'EncoderDecoder'
    assert cfg.model.backbone.type == 'fastervit_mm.FasterViT'
    assert cfg.model.decode_head.type == 'UPerHead'
    assert cfg.model.auxiliary_head.type == 'FCNHead' and cfg.model.auxiliary_head.in_index == 2
    assert cfg.optim_wrapper.constructor == 'fastervit_mm.LayerDecayOptimWrapperConstructor'
    assert 0 < cfg.optim_wrapper.paramwise_cfg.layer_decay_rate < 1
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'fastervit_mm.SegNumClassCheckHook' in hooks
    assert 'fastervit_mm.RNGStateHook' in hooks  # resumed runs continue bit-identically
    # checkpoints written atomically, the parent's interval kept (the demo's: its own)
    assert cfg.default_hooks.checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    assert cfg.default_hooks.checkpoint.interval == (500 if path == DEMO_CONFIG else 16000)
    assert ('amp' in osp.basename(path)) == (cfg.optim_wrapper.type == 'AmpOptimWrapper')

    if path == DEMO_CONFIG:
        assert cfg.model.decode_head.norm_cfg.type == 'BN'
        assert cfg.model.backbone.norm_cfg.type == 'BN'
        assert cfg.model.backbone.init_cfg is None
        assert cfg.train_dataloader.dataset.type == 'fastervit_mm.SyntheticADE20KDataset'
    else:
        variant = osp.basename(path).split('_')[0].split('-')[1]
        assert cfg.model.backbone.arch == f'faster_vit_{variant}_224'
        assert cfg.model.backbone.init_cfg.type == 'Pretrained'
        assert cfg.model.backbone.init_cfg.checkpoint.endswith(
            f'/fastervit_{variant}_224_1k.pth.tar'
        )
        assert cfg.model.decode_head.in_channels == CHANNELS[variant]
        assert cfg.model.auxiliary_head.in_channels == CHANNELS[variant][2]
        assert cfg.model.decode_head.num_classes == cfg.model.auxiliary_head.num_classes == 150
        assert cfg.model.decode_head.norm_cfg.type == 'SyncBN'
        assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
        assert cfg.crop_size == (512, 512) and cfg.model.data_preprocessor.size == (512, 512)
        assert cfg.train_cfg.max_iters == 160000
        assert cfg.train_dataloader.batch_size == 2
        assert cfg.optim_wrapper.optimizer.type == 'AdamW'

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[key].dataset.pipeline)

    _strip_init_cfg(cfg)
    with torch.device('meta'):  # structure only: no memory for FasterViT-4's weights
        model = MODELS.build(cfg.model)
    check_channels(model)  # backbone out_channels == head in_channels
    assert model.backbone.out_channels == list(cfg.model.decode_head.in_channels)

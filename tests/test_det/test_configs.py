# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Every shipped detection config parses, says what its name says, and builds (init_cfg
removed)."""

import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from fastervit_mm.engine import check_channels

from .conftest import DEMO_CONFIG, DET_CONFIGS, build_detector

CHANNELS = {
    0: [64, 128, 256, 512],
    1: [80, 160, 320, 640],
    2: [96, 192, 384, 768],
    3: [128, 256, 512, 1024],
    4: [196, 392, 784, 1568],
}
_BUILT = {}  # model config text -> checked already (AMP children and 1x/3x share models)


def test_configs_found():
    names = [osp.basename(p) for p in DET_CONFIGS]
    assert len(names) == 26, names  # 5 variants x (1x, 3x, 3x AMP, cascade 3x, cascade AMP) + demo
    for k in range(5):
        for name in (
            f'mask-rcnn_fastervit-{k}_fpn_1x_coco.py',
            f'mask-rcnn_fastervit-{k}_fpn_ms-crop-3x_coco.py',
            f'mask-rcnn_fastervit-{k}_fpn_amp-ms-crop-3x_coco.py',
            f'cascade-mask-rcnn_fastervit-{k}_fpn_4conv1fc-giou_ms-crop-3x_coco.py',
            f'cascade-mask-rcnn_fastervit-{k}_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py',
        ):
            assert name in names


def _check_recipe(cfg, name: str) -> None:
    """What the file name promises, and what every FasterViT COCO config shares."""
    k = int(re.search(r'fastervit-(\d)', name).group(1))
    backbone = cfg.model.backbone
    assert backbone.type == 'fastervit_mm.FasterViT' and backbone.arch == f'faster_vit_{k}_224'
    assert backbone.norm_cfg.type == 'SyncBN'
    assert backbone.init_cfg == dict(
        type='Pretrained',
        checkpoint=f'https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
        f'fastervit_{k}_224_1k.pth.tar',
    )
    assert cfg.model.neck.in_channels == CHANNELS[k]
    assert cfg.custom_imports.imports == ['fastervit_mm']
    assert cfg.optim_wrapper.type == ('AmpOptimWrapper' if '_amp-' in name else 'OptimWrapper')
    assert cfg.optim_wrapper.constructor == 'fastervit_mm.LayerDecayOptimWrapperConstructor'
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert 0 < cfg.optim_wrapper.paramwise_cfg.layer_decay_rate < 1
    assert cfg.train_dataloader.batch_size == 2 and cfg.auto_scale_lr.base_batch_size == 16
    multistep = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR'][0]
    if '3x' in name:
        assert cfg.train_cfg.max_epochs == 36 and multistep.milestones == [27, 33]
        assert 'RandomChoice' in [t.type for t in cfg.train_pipeline]  # DETR-style ms crop
    else:
        assert cfg.train_cfg.max_epochs == 12 and multistep.milestones == [8, 11]
    if name.startswith('cascade'):
        for head in cfg.model.roi_head.bbox_head:
            assert head.type == 'ConvFCBBoxHead' and head.num_shared_convs == 4
            assert head.num_shared_fcs == 1 and head.loss_bbox.type == 'GIoULoss'


@pytest.mark.parametrize('path', DET_CONFIGS, ids=osp.basename)
def test_config_parses_and_builds(path, mmdet_scope):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    assert cfg.default_scope == 'mmdet'
    assert cfg.default_hooks.checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    if path == DEMO_CONFIG:
        assert cfg.model.backbone.init_cfg is None and cfg.model.backbone.norm_cfg.type == 'BN'
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.model.roi_head.bbox_head.num_classes == len(cfg.metainfo['classes'])
    else:
        _check_recipe(cfg, name)
    key = repr(cfg.model)
    if key in _BUILT:
        return
    # the big variants are built on the meta device: every module is constructed and checked,
    # no memory is filled (twice as fast; the demo model also runs in the other tests)
    with torch.device('cpu' if path == DEMO_CONFIG else 'meta'):
        model = build_detector(cfg)
    check_channels(model)
    assert type(model.backbone).__name__ == 'FasterViT'
    assert model.backbone.out_channels == cfg.model.neck.in_channels
    _BUILT[key] = True

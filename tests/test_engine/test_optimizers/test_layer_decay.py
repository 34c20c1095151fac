# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``fastervit_mm.LayerDecayOptimWrapperConstructor``: the lr of the stem, of every block of every
stage, of the output norms and of the heads; weight decay rules still apply; clear errors."""

import pytest
import torch.nn as nn
from conftest import DET_DEMO_CONFIG, build_detector
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from fastervit_mm.models import FasterViT

ARCH = dict(
    dim=16,
    in_dim=16,
    depths=[1, 2, 3, 1],
    num_heads=[1, 2, 2, 4],
    window_size=7,
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, False],
)
LR, WD, RATE = 1e-3, 0.05, 0.5


class ToyDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = FasterViT(arch=ARCH)
        self.neck = nn.Conv2d(128, 8, 1)
        self.head = nn.Linear(8, 2)


def _optim_cfg(**paramwise):
    return dict(
        type='OptimWrapper',
        constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
        optimizer=dict(type='AdamW', lr=LR, weight_decay=WD),
        paramwise_cfg=dict(paramwise),
    )


def _groups(model, **paramwise):
    optim_wrapper = build_optim_wrapper(model, _optim_cfg(**paramwise))
    names = {id(p): n for n, p in model.named_parameters()}
    groups = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            groups[names[id(p)]] = group
    assert len(groups) == len(names), 'every parameter in exactly one group'
    return groups


def test_expected_lr_per_layer():
    model = ToyDetector()
    groups = _groups(model, layer_decay_rate=RATE, custom_keys={'norm': dict(decay_mult=0.0)})
    depths = ARCH['depths']
    num_layers = sum(depths) + 2  # stem, every block, then the last id (norms, heads)

    def expected(layer_id):
        return LR * RATE ** (num_layers - 1 - layer_id)

    for name, group in groups.items():
        if name.startswith('backbone.patch_embed.'):
            assert group['lr'] == pytest.approx(expected(0)), name
        elif name.startswith('backbone.levels.') and '.blocks.' in name:
            i, j = int(name.split('.')[2]), int(name.split('.')[4])
            assert group['lr'] == pytest.approx(expected(sum(depths[:i]) + j + 1)), name
        elif '.global_tokenizer.' in name:  # with the first block of its stage
            i = int(name.split('.')[2])
            assert group['lr'] == pytest.approx(expected(sum(depths[:i]) + 1)), name
        elif '.downsample.' in name:  # with the last block of its stage
            i = int(name.split('.')[2])
            assert group['lr'] == pytest.approx(expected(sum(depths[: i + 1]))), name
        elif name.startswith(('backbone.norm', 'neck.', 'head.')):  # output norms and heads
            assert group['lr'] == pytest.approx(LR), name
        assert group['weight_decay'] == (0.0 if 'norm' in name else WD), name
    # one lr per stage block is really distinct, the stem gets the smallest
    assert groups['backbone.patch_embed.conv_down.0.weight']['lr'] == pytest.approx(
        LR * RATE ** (num_layers - 1)
    )
    assert groups['backbone.levels.3.blocks.0.mlp.fc1.weight']['lr'] == pytest.approx(LR * RATE)
    assert groups['head.weight']['lr'] == LR and groups['head.weight']['lr_scale'] == 1


def test_detector_from_the_demo_config(mmdet_scope):
    cfg = Config.fromfile(DET_DEMO_CONFIG)
    model = build_detector(cfg)
    rate = cfg.optim_wrapper.paramwise_cfg.layer_decay_rate
    lr = cfg.optim_wrapper.optimizer.lr
    num_layers = sum(model.backbone.depths) + 2
    groups = {}
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optim_wrapper.optimizer.param_groups:
        groups.update({names[id(p)]: group for p in group['params']})
    assert groups['backbone.patch_embed.conv_down.0.weight']['lr'] == pytest.approx(
        lr * rate ** (num_layers - 1)
    )
    for head in (
        'rpn_head.rpn_conv.weight',
        'roi_head.bbox_head.fc_cls.weight',
        'roi_head.mask_head.conv_logits.weight',
        'neck.fpn_convs.0.conv.weight',
    ):
        assert groups[head]['lr'] == pytest.approx(lr), head


def test_mmdet_names_and_errors():
    model = ToyDetector()
    groups = _groups(model, decay_rate=RATE, decay_type='layer_wise', num_layers=6)
    assert groups['backbone.levels.3.blocks.0.mlp.fc1.weight']['lr'] == pytest.approx(LR * RATE)
    with pytest.raises(ValueError, match='stage_wise'):
        _groups(model, layer_decay_rate=RATE, decay_type='stage_wise')
    with pytest.raises(ValueError, match=r'\(0, 1\]'):
        _groups(model, layer_decay_rate=1.5)
    model.backbone = nn.Conv2d(3, 3, 1)
    with pytest.raises(TypeError, match='Conv2d'):
        _groups(model, layer_decay_rate=RATE)

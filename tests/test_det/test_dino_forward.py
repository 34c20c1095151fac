# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""DINO with a small FasterViT on the CPU: one loss and one predict step at an odd image size
(4 and 5 scales), and a training step with ``frozen_stages=2`` and ``with_cp=True``."""

import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT  # tests/conftest.py
from mmengine.config import Config

from .conftest import build_detector

# The real layout (conv stages 0-1, HAT stage 2, window attention stage 3), narrow and shallow.
SMALL_ARCH = dict(
    dim=16,
    in_dim=16,
    depths=[1, 1, 2, 1],
    num_heads=[1, 1, 2, 4],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, False],
)
CHANNELS = [16, 32, 64, 128]
# a small transformer (mmdet's DINO decoder needs embed_dims 256)
SMALL_DINO = {
    'backbone.arch': dict(SMALL_ARCH, _delete_=True),
    'backbone.norm_cfg': dict(type='BN'),
    'backbone.drop_path_rate': 0.0,
    'num_queries': 20,
    'encoder.num_layers': 1,
    'encoder.layer_cfg.ffn_cfg.feedforward_channels': 64,
    'decoder.num_layers': 2,
    'decoder.layer_cfg.ffn_cfg.feedforward_channels': 64,
    'dn_cfg.group_cfg.num_dn_queries': 10,
    'bbox_head.num_classes': 4,
    'test_cfg.max_per_img': 10,
}
ODD_SHAPES = [(3, 161, 227), (3, 199, 149)]  # neither a multiple of a window nor of 32


def _dino(scales: int, **overrides):
    path = osp.join(
        REPO_ROOT, 'configs', 'dino', f'dino-{scales}scale_fastervit-0_8xb2-12e_coco.py'
    )
    levels = list(range(5 - scales, 4))
    torch.manual_seed(0)
    return build_detector(
        Config.fromfile(path),
        **SMALL_DINO,
        **{'neck.in_channels': [CHANNELS[i] for i in levels]},
        **overrides,
    )


def _batch(model, training: bool):
    from mmdet.testing import demo_mm_inputs

    packed = demo_mm_inputs(len(ODD_SHAPES), ODD_SHAPES, num_items=[3, 2], num_classes=4)
    data = model.data_preprocessor(packed, training)
    return dict(batch_inputs=data['inputs'], batch_data_samples=data['data_samples'])


def _total(losses: dict) -> torch.Tensor:
    return sum(v for k, v in losses.items() if 'loss' in k)


@pytest.mark.parametrize('scales', [4, 5])
def test_loss_and_predict(scales, mmdet_scope):
    model = _dino(scales)
    assert model.backbone.out_indices == tuple(range(5 - scales, 4))
    model.train()
    losses = model.loss(**_batch(model, True))
    loss = _total(losses)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    grads = [p.grad for p in model.backbone.parameters() if p.requires_grad]
    assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)
    model.eval()
    with torch.no_grad():
        results = model.predict(**_batch(model, False))
    for result, shape in zip(results, ODD_SHAPES):
        bboxes = result.pred_instances.bboxes
        assert bboxes.shape == (10, 4) and torch.isfinite(bboxes).all()
        assert result.ori_shape == shape[1:]


def test_frozen_stages_and_with_cp(mmdet_scope):
    model = _dino(4, **{'backbone.frozen_stages': 2, 'backbone.with_cp': True})
    model.train()
    backbone = model.backbone
    frozen = [backbone.patch_embed, backbone.levels[0], backbone.levels[1]]
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    loss = _total(model.loss(**_batch(model, True)))
    loss.backward()
    assert all(p.grad is None for m in frozen for p in m.parameters())
    trainable = [p for p in backbone.levels[2].parameters()]
    assert trainable and all(p.grad is not None for p in trainable)
    # the checkpointed step computes what the plain one does
    plain = _dino(4, **{'backbone.frozen_stages': 2})
    plain.load_state_dict(model.state_dict())
    plain.train()
    torch.manual_seed(1)
    a = _total(plain.loss(**_batch(plain, True)))
    torch.manual_seed(1)
    b = _total(model.loss(**_batch(model, True)))
    torch.testing.assert_close(a, b)

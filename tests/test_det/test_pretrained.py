# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The configs' ``init_cfg=dict(type='Pretrained', checkpoint=<official file>)`` path, on a locally
made checkpoint in the official format (timm ``CheckpointSaver`` dict: ``state_dict`` with the
published names, final ``norm`` and classification ``head``, plus ``args``/``epoch``/...)."""

import argparse

import torch
from mmengine.config import Config

from fastervit_mm.models import FasterViT

from .conftest import DEMO_CONFIG, build_detector


def _official_checkpoint(arch: dict, path: str) -> dict:
    """Save a checkpoint laid out like ``fastervit_*_224_1k.pth.tar``; return its state dict."""
    torch.manual_seed(1)
    source = FasterViT(arch=arch, out_indices=(3,))
    state = {}
    for key, value in source.state_dict().items():
        value = value + torch.randn_like(value) * 0.1 if value.is_floating_point() else value
        state[key.replace('norm3.', 'norm.', 1) if key.startswith('norm3.') else key] = value
    state['head.weight'] = torch.randn(1000, source.channels[-1])
    state['head.bias'] = torch.randn(1000)
    torch.save(
        dict(
            epoch=309,
            arch='faster_vit_custom',
            state_dict=state,
            optimizer={},
            version=2,
            args=argparse.Namespace(model='faster_vit_custom', lr=1e-3),
            metric=80.0,
        ),
        path,
    )
    return state


def test_backbone_init_cfg_loads_official_checkpoint(tmp_path, mmdet_scope):
    import fastervit_mm  # noqa: F401  (weights_only loading of the official files' `args`)

    cfg = Config.fromfile(DEMO_CONFIG)
    path = str(tmp_path / 'fastervit_demo_224_1k.pth.tar')
    state = _official_checkpoint(cfg.model.backbone.arch.to_dict(), path)
    model = build_detector(cfg)
    model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    model.init_weights()
    loaded = model.backbone.state_dict()
    compared = 0
    for key, value in state.items():
        if key.startswith('head.') or not value.is_floating_point():
            continue
        target = 'norm3.' + key[5:] if key.startswith('norm.') else key
        if target in loaded and 'relative' not in key:  # position-bias caches are recomputed
            assert torch.equal(loaded[target], value), key
            compared += 1
    assert compared > 50
    assert torch.equal(loaded['norm3.weight'], state['norm.weight'])
    assert torch.equal(
        loaded['patch_embed.conv_down.0.weight'], state['patch_embed.conv_down.0.weight']
    )

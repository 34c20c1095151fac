# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""An ImageClassifier built from the shipped config and loaded from a checkpoint in the published
layout reproduces the published model's logits (every fixture case, eval and train mode)."""

import copy
import glob
import os.path as osp

import pytest
import torch
from conftest import anyres_compat_stages, rel_err
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import load_checkpoint

from .conftest import CLS_DIR, fixtures_dir

TOLERANCE = 1e-5
ARCH_KEYS = (
    'dim',
    'in_dim',
    'depths',
    'num_heads',
    'window_size',
    'ct_size',
    'mlp_ratio',
    'hat',
    'layer_scale',
    'layer_scale_conv',
    'layer_norm_last',
    'do_propagation',
)
CASES = sorted(glob.glob(osp.join(fixtures_dir(), 'case_*.pt')))


def build_classifier(case: dict):
    """The FasterViT-0 ImageNet config's model, with the fixture's architecture and classes."""
    cfg = Config.fromfile(osp.join(CLS_DIR, 'fastervit-0_32xb128_in1k.py'))
    init_default_scope(cfg.default_scope)
    kwargs = case['kwargs']
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.arch = {k: v for k, v in kwargs.items() if k in ARCH_KEYS}
    model_cfg.backbone.drop_path_rate = kwargs['drop_path_rate']
    if case['builder'] == 'FasterViTAnyRes':
        model_cfg.backbone.compat_anyres = anyres_compat_stages(kwargs)
    model_cfg.head.in_channels = kwargs['dim'] * 8
    model_cfg.head.num_classes = kwargs['num_classes']
    model_cfg.train_cfg = None  # no mixup / cutmix in the comparison
    return MODELS.build(model_cfg)


@pytest.mark.parametrize('path', CASES, ids=[osp.basename(p)[5:-3] for p in CASES])
def test_classifier_matches_published_logits(path):
    case = torch.load(path, map_location='cpu', weights_only=False)
    model = build_classifier(case)
    # the fixture file holds the published state dict under 'state_dict', as the released files do
    load_checkpoint(model, path, map_location='cpu', strict=True)
    assert model.head.fc.weight.shape == case['state_dict']['head.weight'].shape
    with torch.no_grad():
        model.eval()
        logits = model(case['input'], mode='tensor')
        assert rel_err(logits, case['logits']) < TOLERANCE
        scores = model(case['input'], mode='predict')
        ref = case['logits'].softmax(-1)
        assert rel_err(torch.stack([s.pred_score for s in scores]), ref) < TOLERANCE
        model.train()
        assert rel_err(model(case['input'], mode='tensor'), case['logits_train']) < TOLERANCE


def test_mmpretrain_checkpoints_load_unchanged(tmp_path):
    """A state dict saved by the classifier itself (backbone.* / head.fc.*) is not re-mapped."""
    case = torch.load(CASES[0], map_location='cpu', weights_only=False)
    model = build_classifier(case)
    load_checkpoint(model, CASES[0], map_location='cpu', strict=True)
    path = str(tmp_path / 'mm.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    again = build_classifier(case)
    load_checkpoint(again, path, map_location='cpu', strict=True)
    for key, value in model.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key

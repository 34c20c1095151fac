# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Parity with the published FasterViT implementation on every ``case_*.pt`` fixture.

Each case holds the official constructor kwargs, an official state dict (final ``norm`` and
classifier ``head`` included), an input and the official outputs: raw stage maps (eval), eval
logits and train-mode logits. Each must match with relative error < 1e-5 in float32.
"""

import pytest
import torch
import torch.nn as nn
from conftest import anyres_compat_stages

from fastervit_mm.models import FasterViT

from .conftest import parity_dir, rel_err, require_parity_dir

TOLERANCE = 1e-5
_KWARG_TO_BACKBONE = dict(
    in_chans='in_channels',
    drop_rate='drop_rate',
    attn_drop_rate='attn_drop_rate',
    drop_path_rate='drop_path_rate',
)
_CONSTRUCTION_ONLY = ('resolution', 'num_classes')


def _case_paths():
    path = parity_dir()
    cases = sorted(path.glob('case_*.pt')) if path.is_dir() else []
    return cases or [pytest.param(None, id='no-cases')]


class OfficialClassifier(nn.Module):
    """The published classification model's head on this backbone: head(avgpool(norm3(stage4)))."""

    def __init__(self, backbone: FasterViT, head: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        return self.head(self.backbone(x)[-1].mean((2, 3)))


def build_case(case: dict, published_anyres: bool = True):
    """The case's model; ``published_anyres=False`` ignores the compatibility switch."""
    kwargs = dict(case['kwargs'])
    arch_keys = set(FasterViT.arch_required_keys) | set(FasterViT.arch_optional_keys)
    arch = {k: v for k, v in kwargs.items() if k in arch_keys}
    extra = {_KWARG_TO_BACKBONE[k]: v for k, v in kwargs.items() if k in _KWARG_TO_BACKBONE}
    unknown = set(kwargs) - arch_keys - set(_KWARG_TO_BACKBONE) - set(_CONSTRUCTION_ONLY)
    assert not unknown, f'parity case has kwargs this test does not know: {sorted(unknown)}'
    assert case['builder'] in ('FasterViT', 'FasterViTAnyRes'), case['builder']
    if case['builder'] == 'FasterViTAnyRes' and published_anyres:
        extra['compat_anyres'] = anyres_compat_stages(kwargs)
    backbone = FasterViT(arch=arch, out_indices=(3,), **extra)
    state_dict = dict(case['state_dict'])
    if 'head.weight' in state_dict:
        head = nn.Linear(state_dict['head.weight'].shape[1], state_dict['head.weight'].shape[0])
        head.load_state_dict({'weight': state_dict['head.weight'], 'bias': state_dict['head.bias']})
    else:
        head = nn.Identity()
    result = backbone.load_state_dict(state_dict, strict=False)
    if not published_anyres:  # the default path has carrier position embeddings: make them 0
        for key in result.missing_keys:
            assert 'hat_pos_embed' in key, key
            nn.init.zeros_(backbone.get_parameter(key))
        return OfficialClassifier(backbone, head)
    assert result.missing_keys == [], result.missing_keys
    assert result.unexpected_keys == [], result.unexpected_keys
    return OfficialClassifier(backbone, head)


@pytest.mark.parametrize('path', _case_paths(), ids=lambda p: getattr(p, 'stem', str(p)))
def test_parity_with_published_model(path):
    directory = require_parity_dir()
    if path is None:
        pytest.fail(f'no case_*.pt parity fixtures in {directory}')
    case = torch.load(path, map_location='cpu', weights_only=False)
    model = build_case(case)
    x = case['input']
    errors = {}
    model.eval()
    with torch.no_grad():
        features = model.backbone.forward_raw(x)
        for i, (out, ref) in enumerate(zip(features, case['features'])):
            assert out.shape == ref.shape, (i, out.shape, ref.shape)
            errors[f'features[{i}]'] = rel_err(out, ref)
        errors['logits'] = rel_err(model(x), case['logits'])
        model.train()
        errors['logits_train'] = rel_err(model(x), case['logits_train'])
    assert len(features) == len(case['features']) == 4
    bad = {k: v for k, v in errors.items() if not v < TOLERANCE}
    assert not bad, f'{path.name}: relative errors above {TOLERANCE}: {bad} (all: {errors})'


def test_compat_switch_is_needed_and_detected():
    """The non-square any-res case needs the switch; the square ones do not."""
    assert anyres_compat_stages(
        dict(resolution=[384, 640], window_size=[7] * 4, hat=[False, False, True, True])
    ) == [False, False, True, True]
    assert (
        anyres_compat_stages(
            dict(resolution=[400, 400], window_size=[7] * 4, hat=[False, False, True, False])
        )
        == [False] * 4
    )
    path = require_parity_dir() / 'case_anyres_384x640.pt'
    if not path.exists():
        pytest.fail(f'{path} is missing')
    case = torch.load(path, map_location='cpu', weights_only=False)
    model = build_case(case, published_anyres=False).eval()
    with torch.no_grad():
        features = model.backbone.forward_raw(case['input'])
    assert rel_err(features[2], case['features'][2]) > 1e-3

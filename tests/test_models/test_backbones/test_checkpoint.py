# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Published checkpoints: file format, every published layout, the converter, load pre-hooks."""

import argparse
import importlib.util
import json

import pytest
import torch
import torch.nn as nn

from fastervit_mm.checkpoint import (
    STALE_CACHE_KEYS,
    convert_official_state_dict,
    is_published_layout,
    published_to_classifier,
    to_published_layout,
)
from fastervit_mm.models import FasterViT

from .conftest import REPO_ROOT, TINY_ARCH, rel_err, require_parity_dir

CASE = 'case_hat_s3_224.pt'


def _official_case():
    path = require_parity_dir() / CASE
    if not path.exists():
        pytest.fail(f'{path} is missing (needed as an official-layout state dict)')
    return torch.load(path, map_location='cpu', weights_only=False)


def _case_arch(case):
    keys = set(FasterViT.arch_required_keys) | set(FasterViT.arch_optional_keys)
    return {k: v for k, v in case['kwargs'].items() if k in keys}


def _save_timm_checkpoint(state_dict, path):
    """A file with the top-level layout of timm's CheckpointSaver (the published .pth.tar)."""
    params = [p for k, p in state_dict.items() if p.is_floating_point()]
    torch.save(
        dict(
            epoch=309,
            arch='faster_vit_0_224',
            state_dict=state_dict,
            optimizer=dict(
                state={0: dict(step=torch.tensor(10.0), exp_avg=params[0] * 0)},
                param_groups=[dict(lr=5e-6, weight_decay=0.05, params=[0])],
            ),
            version=2,
            args=argparse.Namespace(
                model='faster_vit_0_224',
                lr=5e-3,
                epochs=310,
                amp=True,
                mesa=0.1,
                input_size=None,
                mean=None,
            ),
            amp_scaler=dict(
                scale=65536.0,
                growth_factor=2.0,
                backoff_factor=0.5,
                growth_interval=2000,
                _growth_tracker=1200,
            ),
            metric=82.1,
        ),
        path,
    )


def test_official_checkpoint_loads_through_pretrained_init_cfg(tmp_path):
    case = _official_case()
    path = tmp_path / 'fastervit_tiny_224_1k.pth.tar'
    _save_timm_checkpoint(case['state_dict'], path)
    # torch's default weights_only=True must accept the file (argparse.Namespace is allow-listed)
    assert isinstance(torch.load(path)['args'], argparse.Namespace)

    model = FasterViT(
        arch=_case_arch(case),
        out_indices=(3,),
        init_cfg=dict(type='Pretrained', checkpoint=str(path)),
    )
    model.init_weights()
    model.eval()
    with torch.no_grad():
        features = model.forward_raw(case['input'])
        out = model(case['input'])[0]
    for i, (f, ref) in enumerate(zip(features, case['features'])):
        assert rel_err(f, ref) < 1e-5, i
    sd = case['state_dict']
    assert torch.equal(model.norm3.running_var, sd['norm.running_var'])
    ref_logits = case['logits']
    logits = out.mean((2, 3)) @ sd['head.weight'].t() + sd['head.bias']
    assert rel_err(logits, ref_logits) < 1e-5


def test_every_published_layout_loads():
    layouts = json.loads((require_parity_dir() / 'layouts.json').read_text())
    expected = {
        'faster_vit_0_224',
        'faster_vit_1_224',
        'faster_vit_2_224',
        'faster_vit_3_224',
        'faster_vit_4_224',
        'faster_vit_5_224',
        'faster_vit_6_224',
        'faster_vit_4_21k_224',
        'faster_vit_4_21k_384',
        'faster_vit_4_21k_512',
        'faster_vit_4_21k_768',
        'faster_vit_0_any_res',
        'faster_vit_2_any_res',
    }
    assert expected <= set(layouts)
    for name, layout in layouts.items():
        any_res = name.endswith('_any_res')
        arch = name.replace('_any_res', '_224') if any_res else name
        with torch.device('meta'):
            model = FasterViT(arch=arch, out_indices=(3,), compat_anyres=any_res)
        c4 = model.channels[3]
        n_params = sum(p.numel() for p in model.parameters())
        assert n_params == layout['params'] - (c4 * 1000 + 1000), name
        state_dict = {k: torch.empty(v, device='meta') for k, v in layout['keys'].items()}
        result = model.load_state_dict(state_dict, strict=False, assign=True)
        assert result.missing_keys == [], (name, result.missing_keys[:5])
        assert result.unexpected_keys == [], (name, result.unexpected_keys[:5])


def test_state_dict_has_no_geometry_buffers_and_round_trips():
    model = FasterViT(arch=TINY_ARCH)
    state_dict = model.state_dict()
    assert not [k for k in state_dict if 'relative' in k or 'to_global_feature' in k]
    other = FasterViT(arch=TINY_ARCH)
    other.load_state_dict(state_dict, strict=True)
    x = torch.randn(1, 3, 96, 128)
    model.eval(), other.eval()
    assert torch.equal(model(x)[3], other(x)[3])


def test_load_hooks_map_official_names():
    """norm -> norm3 (dropped without output 3), head dropped, caches dropped, alias taken."""
    case = _official_case()
    arch = _case_arch(case)
    sd = dict(case['state_dict'])
    # stale caches of another geometry must not matter
    sd['levels.2.blocks.0.attn.pos_emb_funct.relative_bias'] = torch.zeros(1, 8, 70, 70)
    sd['levels.2.blocks.0.hat_attn.pos_emb_funct.relative_position_index'] = torch.zeros(5, 5)
    # only the alias of the carrier initialiser's conv is given
    pos = 'levels.2.global_tokenizer.pos_embed.weight'
    alias = sd.pop(pos) * 0 + 0.5
    sd['levels.2.global_tokenizer.to_global_feature.pos.weight'] = alias
    model = FasterViT(arch=arch, out_indices=(1, 3))
    result = model.load_state_dict(sd, strict=False)
    assert result.unexpected_keys == []
    assert {k.split('.')[0] for k in result.missing_keys} == {'norm1'}  # the new output norm
    assert torch.equal(model.get_parameter(pos), alias)
    assert torch.equal(model.norm3.weight, sd['norm.weight'])

    without_norm3 = FasterViT(arch=arch, out_indices=(0, 2))
    result = without_norm3.load_state_dict(case['state_dict'], strict=False)
    assert result.unexpected_keys == []


def test_pretrained_with_backbone_prefix_in_a_detector_like_wrapper():
    case = _official_case()
    wrapper = nn.Module()
    wrapper.backbone = FasterViT(arch=_case_arch(case), out_indices=(0, 1, 2, 3))
    sd = {f'backbone.{k}': v for k, v in case['state_dict'].items()}
    result = wrapper.load_state_dict(sd, strict=False)
    assert result.unexpected_keys == []
    assert {k.rsplit('.', 1)[0] for k in result.missing_keys} == {
        f'backbone.norm{i}' for i in range(3)
    }  # new output norms only
    assert torch.equal(wrapper.backbone.norm3.weight, case['state_dict']['norm.weight'])


def _converter():
    path = REPO_ROOT / 'tools' / 'model_converters' / 'fastervit_official_to_mm.py'
    spec = importlib.util.spec_from_file_location('fastervit_official_to_mm', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converter_tool(tmp_path):
    case = _official_case()
    src = tmp_path / 'official.pth.tar'
    _save_timm_checkpoint({f'module.{k}': v for k, v in case['state_dict'].items()}, src)
    converter = _converter()

    converter.main([str(src), str(tmp_path / 'backbone.pth'), '--backbone-only'])
    backbone_sd = torch.load(tmp_path / 'backbone.pth')
    assert not [k for k in backbone_sd if k.startswith(('head.', 'norm.', 'module.'))]
    model = FasterViT(arch=_case_arch(case), out_indices=(3,))
    model.load_state_dict(backbone_sd, strict=True)

    converter.main([str(src), str(tmp_path / 'classifier.pth')])
    full = torch.load(tmp_path / 'classifier.pth')
    assert set(full) == {f'backbone.{k}' for k in backbone_sd} | {'head.fc.weight', 'head.fc.bias'}
    assert torch.equal(full['head.fc.weight'], case['state_dict']['head.weight'])
    assert full.keys() == convert_official_state_dict(case['state_dict']).keys()


def test_backbone_hook_alone_maps_the_published_layout():
    """The backbone's one pre-hook handles every published difference (caches, alias, norm, head):
    with every other module's pre-hooks removed, the published state dict loads strictly and
    reproduces the published features."""
    case = _official_case()
    model = FasterViT(arch=_case_arch(case), out_indices=(3,))
    for name, module in model.named_modules():
        if name:
            module._load_state_dict_pre_hooks.clear()
    sd = dict(case['state_dict'])
    pos = 'levels.2.global_tokenizer.pos_embed.weight'
    assert 'levels.2.global_tokenizer.to_global_feature.pos.weight' in sd
    assert any(k.endswith(STALE_CACHE_KEYS) for k in sd)
    sd.pop(pos)  # only the alias is given
    model.load_state_dict(sd, strict=True)
    assert torch.equal(
        model.get_parameter(pos),
        case['state_dict']['levels.2.global_tokenizer.to_global_feature.pos.weight'],
    )
    model.eval()
    with torch.no_grad():
        features = model.forward_raw(case['input'])
    for i, (f, ref) in enumerate(zip(features, case['features'])):
        assert rel_err(f, ref) < 1e-5, i


def test_to_published_layout_is_the_reverse():
    """ours -> published gives exactly the published keys (less caches and head) with the same
    tensors, and maps back to ours."""
    case = _official_case()
    model = FasterViT(arch=_case_arch(case), out_indices=(3,))
    model.load_state_dict(case['state_dict'], strict=False)
    published = to_published_layout(model.state_dict())
    expected = {
        k
        for k in case['state_dict']
        if not k.endswith(STALE_CACHE_KEYS) and not k.startswith('head.')
    }
    assert set(published) == expected
    assert all(torch.equal(published[k], case['state_dict'][k]) for k in expected)
    classifier_keys = to_published_layout(convert_official_state_dict(case['state_dict']))
    assert set(classifier_keys) == expected | {'head.weight', 'head.bias'}
    other = FasterViT(arch=_case_arch(case), out_indices=(3,))
    other.load_state_dict(published, strict=True)
    assert all(
        torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values())
    )


def test_classifier_layout_mapping():
    """published -> backbone.* / head.fc.*, idempotent; other layouts pass unchanged."""
    case = _official_case()
    sd = published_to_classifier(dict(case['state_dict']))
    assert sd.keys() == convert_official_state_dict(case['state_dict']).keys()
    assert {k.split('.')[0] for k in sd} == {'backbone', 'head'}
    assert torch.equal(sd['head.fc.weight'], case['state_dict']['head.weight'])
    assert torch.equal(sd['backbone.norm3.weight'], case['state_dict']['norm.weight'])
    again = published_to_classifier(dict(sd))
    assert again.keys() == sd.keys()
    prefixed = published_to_classifier(
        {f'model.{k}': v for k, v in case['state_dict'].items()}, 'model.'
    )
    assert set(prefixed) == {f'model.{k}' for k in sd}
    assert not is_published_layout(sd) and is_published_layout(case['state_dict'])

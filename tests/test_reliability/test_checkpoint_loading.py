# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Checkpoint loading: broken files, checkpoints that do not fit, and the wrappers official and
third-party files come in.

Every failure must raise an error that names the file and, for weights that do not fit, the
first mismatched keys and shapes - through ``init_cfg=dict(type='Pretrained')`` (where mmengine
alone would only log a warning and train from random weights) as well as through mmengine's
own loader (``load_from``, ``--resume``).
"""

import re

import pytest
import torch
import torch.nn as nn

from fastervit_mm.checkpoint import (
    CheckpointLoadError,
    extract_state_dict,
    load_pretrained,
    read_checkpoint,
)
from fastervit_mm.models import FasterViT

from .conftest import DEMO_CONFIG, TINY_ARCH, parity_case

OTHER_ARCH = dict(TINY_ARCH, dim=24, depths=[1, 2, 2, 1])  # "another variant"


def _backbone(arch=TINY_ARCH, **kwargs) -> FasterViT:
    torch.manual_seed(0)
    return FasterViT(arch=arch, **kwargs)


def _perturbed_state(model: nn.Module) -> dict:
    """The model's state dict with every float tensor moved off its initial value."""
    return {
        k: v + 0.5 if v.is_floating_point() else v.clone() for k, v in model.state_dict().items()
    }


def _assert_loaded(model: nn.Module, state: dict) -> None:
    own = model.state_dict()
    assert all(torch.equal(own[k], v) for k, v in state.items()), 'weights not loaded'


# --------------------------------------------------------------------------- broken files
def test_truncated_file_names_the_file_and_the_cause(tmp_path):
    path = tmp_path / 'fastervit_truncated.pth'
    torch.save({'state_dict': _backbone().state_dict()}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    model = _backbone(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    with pytest.raises(CheckpointLoadError, match=re.escape(str(path)) + '.*truncated') as info:
        model.init_weights()
    assert info.value.filename == str(path)


@pytest.mark.parametrize(
    'content, cause',
    [
        (b'', 'empty'),
        (b'<!DOCTYPE html><html>Access denied</html>', 'not a PyTorch checkpoint'),
    ],
)
def test_empty_and_non_checkpoint_files(tmp_path, content, cause):
    path = tmp_path / 'weights.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointLoadError, match=re.escape(str(path)) + '.*' + cause):
        read_checkpoint(str(path))


def test_missing_file_is_named(tmp_path):
    path = tmp_path / 'nowhere.pth'
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        _backbone(init_cfg=dict(type='Pretrained', checkpoint=str(path))).init_weights()


def test_mmengine_loader_names_a_truncated_file(tmp_path):
    """``load_from`` / ``--resume`` read through mmengine's CheckpointLoader, which importing
    fastervit_mm routes through the diagnostics; the error lists the other checkpoints of the
    work directory to resume from."""
    from mmengine.runner.checkpoint import _load_checkpoint

    import fastervit_mm  # noqa: F401  (registers the local loader; imported above already)

    good = tmp_path / 'iter_2.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, good)
    bad = tmp_path / 'iter_4.pth'
    bad.write_bytes(good.read_bytes()[:100])
    with pytest.raises(
        CheckpointLoadError, match=re.escape(str(bad)) + r'(.|\n)*truncated(.|\n)*iter_2\.pth'
    ):
        _load_checkpoint(str(bad), map_location='cpu')
    assert torch.equal(
        _load_checkpoint(str(good), map_location='cpu')['state_dict']['w'], torch.ones(3)
    )


# --------------------------------------------------------------------------- weights not fitting
def test_another_variants_checkpoint_lists_first_mismatches(tmp_path):
    path = tmp_path / 'other_variant.pth'
    torch.save({'state_dict': _backbone(OTHER_ARCH).state_dict()}, path)
    model = _backbone(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointLoadError) as info:
        model.init_weights()
    message = str(info.value)
    assert str(path) in message
    assert re.search(
        r'shape mismatches, first: patch_embed\.conv_down\.3\.weight: checkpoint '
        r'\[24, 8, 3, 3\] vs model \[16, 8, 3, 3\]',
        message,
    ), message
    assert 'levels.1.blocks.1.' in message  # the extra block of the other variant
    assert 'dim=24, in_dim=8, depths=[1, 2, 2, 1]' in message
    assert info.value.report.shape_mismatches[0][0] == 'patch_embed.conv_down.3.weight'
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), 'nothing may be loaded'


def test_published_variant_mixup_is_identified(tmp_path):
    """faster_vit_1 weights into a faster_vit_0 backbone (meta tensors: no memory, no time)."""
    with torch.device('meta'):
        source = FasterViT(arch='faster_vit_1_224', out_indices=(3,))
        model = FasterViT(arch='faster_vit_0_224')
    state = {
        ('norm.' + k[6:] if k.startswith('norm3.') else k): v
        for k, v in source.state_dict().items()
    }
    path = tmp_path / 'fastervit_1_224_1k.pth.tar'
    torch.save({'state_dict': state, 'arch': 'faster_vit_1_224'}, path)
    with pytest.raises(CheckpointLoadError) as info:
        load_pretrained(model, str(path))
    message = str(info.value)
    assert "arch='faster_vit_1_224'" in message and '(faster_vit_1_224)' in message
    assert 'conv_down.0.weight: checkpoint [32, 3, 3, 3] vs model [64, 3, 3, 3]' in message


def test_non_fastervit_state_dict(tmp_path):
    path = tmp_path / 'resnet18.pth'
    resnet_like = nn.Module()  # torchvision ResNet names
    resnet_like.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
    resnet_like.bn1 = nn.BatchNorm2d(8)
    resnet_like.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1))
    resnet_like.fc = nn.Linear(8, 10)
    torch.save(resnet_like.state_dict(), path)
    with pytest.raises(CheckpointLoadError) as info:
        load_pretrained(_backbone(), str(path))
    message = str(info.value)
    assert str(path) in message and 'No key matches' in message
    assert 'conv1.weight' in message and 'patch_embed.conv_down.0.weight' in message


def test_strict_false_tolerates_missing_keys_but_not_shapes(tmp_path):
    model = _backbone()
    state = _perturbed_state(model)
    partial = {k: v for k, v in state.items() if not k.startswith('levels.3.')}
    path = tmp_path / 'partial.pth'
    torch.save(partial, path)
    with pytest.raises(CheckpointLoadError, match='model keys missing.*levels\\.3\\.'):
        load_pretrained(_backbone(), str(path))
    report = load_pretrained(model, str(path), strict=False)
    assert report.missing and all(k.startswith('levels.3.') for k in report.missing)
    _assert_loaded(model, partial)
    torch.save({'state_dict': _backbone(OTHER_ARCH).state_dict()}, path)
    with pytest.raises(CheckpointLoadError, match='shape mismatches'):
        load_pretrained(model, str(path), strict=False)


def test_detector_init_fails_before_training(tmp_path):
    """The demo detector with another variant's backbone weights stops at init_weights."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = Config.fromfile(DEMO_CONFIG)
    arch = cfg.model.backbone.arch.to_dict()
    path = tmp_path / 'fastervit_other_224_1k.pth.tar'
    torch.save({'state_dict': _backbone(dict(arch, dim=48)).state_dict()}, path)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(path))
    detector = MODELS.build(cfg.model)
    with pytest.raises(CheckpointLoadError, match=re.escape(str(path)) + '(.|\n)*shape'):
        detector.init_weights()


# --------------------------------------------------------------------------- wrappers that load
def _wrapped(state: dict, wrapper: str):
    module = {'module.' + k: v for k, v in state.items()}
    noise = {k: v - 1 if v.is_floating_point() else v for k, v in state.items()}
    return {
        'plain': state,
        'state_dict': {'state_dict': state, 'epoch': 3},
        'model': {'model': state, 'optimizer': {}},
        'module_prefix': {'state_dict': module},
        'ddp_in_model': {'model': module},
        'compiled': {'state_dict': {'_orig_mod.' + k: v for k, v in state.items()}},
        'timm_ema_only': {'state_dict_ema': module, 'epoch': 300},
        'model_ema_only': {'model_ema': state},
        'mmengine_ema': {'ema_state_dict': {**module, 'steps': torch.tensor(10)}},
        'nested': {'model': {'state_dict': module}},
        'whole_detector': {
            'state_dict': {
                **{'backbone.' + k: v for k, v in state.items()},
                'neck.lateral_convs.0.conv.weight': torch.ones(1),
            }
        },
        'both_prefers_plain': {'state_dict': state, 'state_dict_ema': noise},
    }[wrapper]


@pytest.mark.parametrize(
    'wrapper',
    [
        'plain',
        'state_dict',
        'model',
        'module_prefix',
        'ddp_in_model',
        'compiled',
        'timm_ema_only',
        'model_ema_only',
        'mmengine_ema',
        'nested',
        'whole_detector',
        'both_prefers_plain',
    ],
)
def test_wrapped_checkpoints_load(tmp_path, wrapper):
    model = _backbone(init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'w.pth')))
    state = _perturbed_state(model)
    torch.save(_wrapped(state, wrapper), tmp_path / 'w.pth')
    model.init_weights()
    _assert_loaded(model, state)


def test_prefer_ema(tmp_path):
    model = _backbone()
    state = _perturbed_state(model)
    ema = {k: v * 2 for k, v in state.items()}
    torch.save(
        {'state_dict': state, 'state_dict_ema': {'module.' + k: v for k, v in ema.items()}},
        tmp_path / 'w.pth',
    )
    load_pretrained(model, str(tmp_path / 'w.pth'), prefer_ema=True)
    _assert_loaded(model, ema)
    assert extract_state_dict(torch.load(tmp_path / 'w.pth'))[1] == 'state_dict'


def test_official_file_with_module_prefix_and_ema_matches_the_official_outputs(tmp_path):
    """A published-layout checkpoint (``norm``/``head`` names, stale position caches) saved by a
    DDP training with timm's EMA - ``module.`` prefixes, weights only in ``state_dict_ema`` -
    loads through init_cfg and reproduces the official features."""
    case = parity_case()
    official = {'module.' + k: v for k, v in case['state_dict'].items()}
    path = tmp_path / 'fastervit_ema.pth.tar'
    torch.save({'state_dict_ema': official, 'epoch': 309, 'metric': 80.0}, path)
    keys = set(FasterViT.arch_required_keys) | set(FasterViT.arch_optional_keys)
    arch = {k: v for k, v in case['kwargs'].items() if k in keys}
    model = FasterViT(
        arch=arch, out_indices=(3,), init_cfg=dict(type='Pretrained', checkpoint=str(path))
    )
    model.init_weights()
    model.eval()
    with torch.no_grad():
        features = model.forward_raw(case['input'])
    for out, ref in zip(features, case['features']):
        assert ((out - ref).norm() / ref.norm()).item() < 1e-5

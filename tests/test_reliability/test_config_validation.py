# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Config validation at build time: impossible backbone settings fail when the model is built -
before any data is read or any forward runs - with an error naming the key and the value."""

import pytest

from fastervit_mm.registry import MODELS

from .conftest import DEMO_CONFIG, TINY_ARCH


def _build(**kwargs):
    return MODELS.build(dict(type='fastervit_mm.FasterViT', **kwargs))  # any default scope


@pytest.mark.parametrize(
    'kwargs, error, match',
    [
        # unknown keys
        (dict(frozen_stage=1), TypeError, "unexpected keyword argument 'frozen_stage'"),
        (
            dict(arch=dict(TINY_ARCH, heads=[1, 2, 4, 8])),
            ValueError,
            r"Unknown arch keys \['heads'\]",
        ),
        (dict(arch=dict(TINY_ARCH, hat=[True] * 3)), ValueError, r"arch\['hat'\] must have 4"),
        (dict(arch='faster_vit_9_224'), ValueError, "Unknown FasterViT arch 'faster_vit_9_224'"),
        # out_indices and frozen_stages
        (
            dict(out_indices=(0, 1, 2, 4)),
            ValueError,
            r'out_indices entries must be in \[-4, 3\], '
            'got 4',
        ),
        (dict(out_indices=(-5,)), ValueError, 'got -5'),
        (dict(out_indices=(2, 1)), ValueError, 'distinct and increasing'),
        (dict(out_indices=()), ValueError, 'non-empty'),
        (dict(frozen_stages=5), ValueError, r'frozen_stages must be in \[-1, 4\], got 5'),
        (dict(frozen_stages=-2), ValueError, 'got -2'),
        # window and carrier-token sizes
        (
            dict(arch=dict(TINY_ARCH, window_size=[7, 7, 0, 7])),
            ValueError,
            r"arch\['window_size'\] must hold positive ints.*stage 2",
        ),
        (dict(arch=dict(TINY_ARCH, window_size=7.5)), ValueError, 'window_size'),
        (
            dict(arch=dict(TINY_ARCH, ct_size=8)),
            ValueError,
            r'ct_size=8 exceeds window_size\[2\]=7',
        ),
        (
            dict(arch=dict(TINY_ARCH, ct_size=0)),
            ValueError,
            r"arch\['ct_size'\] must be a positive",
        ),
        (
            dict(arch=dict(TINY_ARCH, window_size=[7, 7, 2, 7], ct_size=3)),
            ValueError,
            r'ct_size=3 exceeds window_size\[2\]=2',
        ),
        (
            dict(arch=dict(TINY_ARCH, num_heads=[1, 2, 3, 8])),
            ValueError,
            r'stage 2 has 64 channels .* num_heads\[2\]=3',
        ),
        # other values
        (dict(arch=dict(TINY_ARCH, depths=[1, 1, 0, 1])), ValueError, r"arch\['depths'\]"),
        (dict(arch=dict(TINY_ARCH, mlp_ratio=0)), ValueError, r"arch\['mlp_ratio'\]"),
        (dict(arch=TINY_ARCH, in_channels=0), ValueError, 'in_channels must be a positive int'),
        (
            dict(arch=TINY_ARCH, drop_path_rate=1.0),
            ValueError,
            r'drop_path_rate must be in \[0, 1\)',
        ),
        (
            dict(arch=TINY_ARCH, norm_cfg=dict(type='BatchNorm9d')),
            ValueError,
            "Unknown norm type 'BatchNorm9d'",
        ),
    ],
)
def test_impossible_backbone_settings(kwargs, error, match):
    kwargs.setdefault('arch', TINY_ARCH)
    with pytest.raises(error, match=match):
        _build(**kwargs)


def test_possible_edge_settings_build_and_run():
    """ct_size equal to the window, a window of 1 and HAT off everywhere are valid."""
    import torch

    for arch in (
        dict(TINY_ARCH, ct_size=7),
        dict(TINY_ARCH, window_size=1, ct_size=1),
        dict(TINY_ARCH, hat=False, ct_size=9),
    ):
        model = _build(arch=arch).eval()
        with torch.no_grad():
            assert model(torch.randn(1, 3, 70, 45))[3].shape == (1, 128, 3, 2)


@pytest.mark.parametrize(
    'override, error, match',
    [
        ({'model.backbone.frozen_stage': 1}, TypeError, 'frozen_stage'),
        ({'model.backbone.out_indices': (0, 1, 2, 4)}, ValueError, 'out_indices'),
        ({'model.backbone.arch.ct_size': 9}, ValueError, 'ct_size=9 exceeds window_size'),
    ],
)
def test_detector_config_errors_at_build(override, error, match):
    """The demo detection config with one bad backbone key: building the detector fails."""
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(override)
    with pytest.raises(error, match=match):
        DET_MODELS.build(cfg.model)

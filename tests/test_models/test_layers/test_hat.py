# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The published any-resolution block is a subclass; HAT itself has no compatibility branch."""

import inspect

import torch

from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers import HAT, PublishedAnyResHAT, WindowGrid

from ..conftest import TINY_ARCH


def test_backbone_picks_the_block_class_per_stage():
    model = FasterViT(arch=dict(TINY_ARCH), compat_anyres=[False, False, True, False])
    assert all(type(b) is PublishedAnyResHAT for b in model.levels[2].blocks)
    assert all(type(b) is HAT for b in model.levels[3].blocks)
    source = inspect.getsource(HAT)
    assert 'carrier_shuffle' not in source and 'published_anyres' not in source


def test_published_block_equals_hat_on_square_grids():
    torch.manual_seed(0)
    ref = HAT(32, 2, window_size=4, ct_size=2, carrier_pos_embed=False).eval()
    pub = PublishedAnyResHAT(32, 2, window_size=4, ct_size=2).eval()
    pub.load_state_dict(ref.state_dict())
    x, ct = torch.randn(2 * 9, 16, 32), torch.randn(2, 36, 32)
    grid = WindowGrid.from_size(12, 12, 4, 2, True)  # 3x3 windows: square carrier grid
    with torch.no_grad():
        a = ref(x, ct, ref.position_terms(grid))
        b = pub(x, ct, pub.position_terms(grid))
    for u, v in zip(a, b):
        assert torch.allclose(u, v, atol=1e-6)
    grid = WindowGrid.from_size(8, 12, 4, 2, True)  # 2x3 windows: the published bugs show
    x = torch.randn(2 * 6, 16, 32)
    with torch.no_grad():
        a = ref(x, ct[:, :24], ref.position_terms(grid))
        b = pub(x, ct[:, :24], pub.position_terms(grid))
    assert not torch.allclose(a[1], b[1], atol=1e-3)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""SwinHAT (Swin layout + carrier tokens) and the HAT block used on its own."""

import pytest
import torch

from fastervit_mm.models import HAT, SwinHAT
from fastervit_mm.models.layers import WindowGrid, window_partition
from fastervit_mm.models.layers.hat import TokenInitializer
from fastervit_mm.registry import MODELS

SMALL = dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8])


def test_arch_and_registry():
    assert SwinHAT.parse_arch('t') == SwinHAT.arch_zoo['tiny']
    with pytest.raises(ValueError, match='tiny'):
        SwinHAT(arch='huge')
    with pytest.raises(ValueError, match='embed_dims'):
        SwinHAT(arch=dict(embed_dims=16, depths=[2, 2, 2, 2]))
    model = MODELS.build(dict(type='fastervit_mm.SwinHAT', arch=SMALL, out_indices=(0, 3)))
    assert model.out_channels == [16, 128]


@pytest.mark.parametrize('size', [(224, 224), (33, 47), (200, 333)])
def test_shapes(size):
    model = SwinHAT(arch=SMALL, drop_path_rate=0.0).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, *size))
    h, w = size
    for i, out in enumerate(outs):
        h, w = -(-h // (4 if i == 0 else 2)), -(-w // (4 if i == 0 else 2))
        assert out.shape == (2, 16 * 2**i, h, w)


def test_swin_t_layout():
    model = SwinHAT('tiny')
    assert model.channels == [96, 192, 384, 768] and model.depths == [2, 2, 6, 2]
    stage = model.levels[0]
    assert stage.shift_size == 3 and stage.global_tokenizer is not None
    assert model.levels[3].global_tokenizer is None  # hat off where 224 gives one window
    assert len(model.levels[2].blocks) == 6


def test_gradient_flow_through_carrier_tokens_and_shifted_windows():
    model = SwinHAT(arch=SMALL, hat=True, drop_path_rate=0.0, with_cp=True).train()
    x = torch.randn(1, 3, 232, 264, requires_grad=True)  # every stage has several windows
    outs = model(x)
    sum(o.pow(2).mean() for o in outs).backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert not no_grad
    assert x.grad is not None and x.grad.abs().sum() > 0
    carrier = [n for n, _ in model.named_parameters() if '.hat_' in n or 'global_tokenizer' in n]
    assert carrier


def test_shift_changes_the_output_and_carrier_tokens_connect_windows():
    shifted = SwinHAT(arch=SMALL, drop_path_rate=0.0).eval()
    plain = SwinHAT(arch=SMALL, drop_path_rate=0.0, shift=False).eval()
    plain.load_state_dict(shifted.state_dict())
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert not torch.allclose(shifted(x)[0], plain(x)[0], atol=1e-4)

    def corner_gradient(model):
        """How the first stage's bottom-right window depends on the top-left window's pixels."""
        inp = x.clone().requires_grad_()
        model(inp)[0][..., -7:, -7:].sum().backward()
        return inp.grad[..., :28, :28].abs().sum()

    # without shift, carrier tokens are the only path between windows of stage 1
    assert corner_gradient(plain) > 0
    no_hat = SwinHAT(arch=SMALL, drop_path_rate=0.0, shift=False, hat=False).eval()
    assert corner_gradient(no_hat) == 0


def test_hat_block_on_its_own():
    """The registered HAT block works on any windowed map given its position terms."""
    block = MODELS.build(
        dict(type='fastervit_mm.HAT', dim=32, num_heads=2, window_size=7, ct_size=2)
    )
    assert isinstance(block, HAT)
    init = TokenInitializer(32)
    x = torch.randn(2, 32, 28, 35)
    grid = WindowGrid.from_size(28, 35, 7, 2, hat=True)
    ct = init(x, grid)
    windows = window_partition(x.permute(0, 2, 3, 1), 7)
    out, ct_out = block(windows, ct, block.position_terms(grid))
    assert out.shape == windows.shape == (2 * 4 * 5, 49, 32)
    assert ct_out.shape == ct.shape == (2, 4 * 4 * 5, 32)
    plain = HAT(32, 2, 7, hat=False)
    grid = WindowGrid.from_size(28, 35, 7, 2, hat=False)
    out, none = plain(windows, None, plain.position_terms(grid))
    assert out.shape == windows.shape and none is None

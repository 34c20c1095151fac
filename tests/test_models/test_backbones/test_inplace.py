# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""In-place element-wise steps: used only on temporaries, only when autograd records nothing."""

import copy

import torch
import torch.nn.functional as F

from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers import HAT, WindowGrid, inplace
from fastervit_mm.models.layers.inplace import add_residual, gelu_

from .conftest import TINY_ARCH


def test_gelu_in_place_only_without_autograd():
    x = torch.randn(4, 5)
    expected = F.gelu(x)
    with torch.no_grad():
        y = x.clone()
        assert gelu_(y) is y
        assert torch.equal(y, expected)
    leaf = x.clone().requires_grad_()
    h = leaf * 1
    out = gelu_(h)
    assert out is not h and torch.equal(h, x)  # the autograd input is not overwritten
    out.sum().backward()
    leaf2 = x.clone().requires_grad_()
    F.gelu(leaf2 * 1).sum().backward()
    assert torch.equal(leaf.grad, leaf2.grad)


def test_add_residual_writes_into_the_branch_only_when_exact():
    x, b = torch.randn(3, 4), torch.randn(3, 4)
    expected = x + b
    with torch.no_grad():
        branch = b.clone()
        assert add_residual(x, branch) is branch
        assert torch.equal(branch, expected)
        low = b.to(torch.bfloat16)  # autocast-style low-precision branch: promote like x + b
        out = add_residual(x, low)
        assert out.dtype == torch.float32 and torch.equal(out, x + low)
        row = b[:1].clone()  # broadcasting branch: not written
        out = add_residual(x, row)
        assert torch.equal(out, x + b[:1]) and torch.equal(row, b[:1])
    x_g = x.clone().requires_grad_()
    out = add_residual(x_g, b.clone())
    assert out.requires_grad and out.grad_fn is not None


def test_inference_leaves_inputs_and_equals_the_out_of_place_forward(monkeypatch):
    torch.manual_seed(0)
    model = FasterViT(arch=copy.deepcopy(TINY_ARCH), out_indices=(0, 1, 2, 3)).eval()
    x = torch.randn(2, 3, 64, 96)
    x_copy = x.clone()
    with torch.inference_mode():
        fast = model(x)
    assert torch.equal(x, x_copy)
    monkeypatch.setattr(inplace, '_no_graph', lambda *tensors: False)  # force out-of-place
    with torch.inference_mode():
        plain = model(x)
    for a, b in zip(fast, plain):
        assert torch.equal(a, b)


def test_hat_block_does_not_write_its_inputs():
    torch.manual_seed(0)
    blk = HAT(32, 2, window_size=4, ct_size=2).eval()
    grid = WindowGrid.from_size(8, 8, 4, 2, True)
    pos = blk.position_terms(grid)
    x, ct = torch.randn(2 * 4, 16, 32), torch.randn(2, 16, 32)
    x0, ct0 = x.clone(), ct.clone()
    with torch.no_grad():
        blk(x, ct, pos)
    assert torch.equal(x, x0) and torch.equal(ct, ct0)


def test_inference_mode_first_then_training_with_deploy_cache():
    model = FasterViT(arch=copy.deepcopy(TINY_ARCH), out_indices=(3,))
    model.switch_to_deploy()
    with torch.inference_mode():
        model.eval()(torch.randn(1, 3, 64, 64))
    model.train()
    out = model(torch.randn(2, 3, 64, 64))  # cached geometry terms are normal tensors
    out[0].sum().backward()

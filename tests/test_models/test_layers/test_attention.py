# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""WindowAttention: the reference math, SDPA, and the per-instance kernel choice (fused_attn)."""

import pytest
import torch

from fastervit_mm.models.layers import attention
from fastervit_mm.models.layers.attention import WindowAttention


@pytest.fixture
def sdpa_calls(monkeypatch):
    calls = []
    original = attention.F.scaled_dot_product_attention

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(attention.F, 'scaled_dot_product_attention', counted)
    return calls


def _attn_and_input(tokens, batch=6, dim=64, heads=4, **kwargs):
    torch.manual_seed(0)
    return (
        WindowAttention(dim, heads, **kwargs).eval(),
        torch.randn(batch, tokens, dim),
        torch.randn(heads, tokens, tokens),
    )


def _rel(a, b):
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize('bias_kind', ['shared', 'per_window', 'none'])
def test_reference_math_equals_sdpa_forward_and_backward(bias_kind):
    attn, x, bias = _attn_and_input(53)
    if bias_kind == 'per_window':
        bias = torch.randn(3, *bias.shape)  # 6 sequences = 2 images x 3 windows
    elif bias_kind == 'none':
        bias = None
    outs, grads = [], []
    for fused in (True, False):
        attn.fused_attn = fused
        inp = x.clone().requires_grad_()
        out = attn(inp, bias)
        out.square().sum().backward()
        outs.append(out.detach())
        grads.append(inp.grad)
    assert _rel(outs[1], outs[0]) < 1e-6
    assert _rel(grads[1], grads[0]) < 1e-5


@pytest.mark.parametrize('tokens', [16, 53, WindowAttention.short_cpu_tokens])
def test_default_runs_short_cpu_inference_with_the_math(tokens, sdpa_calls):
    attn, x, bias = _attn_and_input(tokens)
    with torch.no_grad():
        got = attn(x, bias)
        assert sdpa_calls == [], 'short CPU inference should not go through SDPA'
        attn.fused_attn = True
        expected = attn(x, bias)
    assert len(sdpa_calls) == 1
    assert _rel(got, expected) < 1e-6


def test_default_uses_sdpa_elsewhere(sdpa_calls):
    attn, x, bias = _attn_and_input(WindowAttention.short_cpu_tokens + 1)
    with torch.no_grad():
        attn(x, bias)  # long
    attn, x, bias = _attn_and_input(53)
    out = attn(x.requires_grad_(), bias)  # autograd records
    out.sum().backward()
    with torch.no_grad():
        attn(x, bias.expand(2, -1, -1, -1).contiguous())  # (nW, heads, N, N): shifted windows
        attn(x)  # no bias

    class WithBias(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = attn

        def forward(self, t):
            return self.attn(t, bias)

    with torch.no_grad():
        torch.jit.trace(WithBias(), (x.detach(),), check_trace=False)  # traced graphs hold SDPA
    assert len(sdpa_calls) == 5
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_fused_attn_is_per_instance(sdpa_calls):
    fused, x, bias = _attn_and_input(16, fused_attn=True)
    math, _, _ = _attn_and_input(16, fused_attn=False)
    with torch.no_grad():
        a = fused(x, bias)
        assert len(sdpa_calls) == 1
    math.train()
    b = math(x, bias)  # training with the reference math: no SDPA
    assert len(sdpa_calls) == 1
    assert _rel(b.detach(), a) < 1e-6

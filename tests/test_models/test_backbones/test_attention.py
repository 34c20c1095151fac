# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""WindowAttention: SDPA everywhere except CPU inference on short sequences (batched matmuls)."""
import pytest
import torch

from fastervit_mm.models.layers import attention
from fastervit_mm.models.layers.attention import WindowAttention, always_sdpa


@pytest.fixture
def sdpa_calls(monkeypatch):
    calls = []
    original = attention.F.scaled_dot_product_attention

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(attention.F, 'scaled_dot_product_attention', counted)
    return calls


def _attn_and_input(tokens, batch=6, dim=64, heads=4):
    torch.manual_seed(0)
    return (WindowAttention(dim, heads).eval(), torch.randn(batch, tokens, dim),
            torch.randn(heads, tokens, tokens))


@pytest.mark.parametrize('tokens', [16, 53, attention.CPU_MATMUL_MAX_TOKENS])
def test_short_cpu_inference_matches_sdpa(tokens, sdpa_calls):
    attn, x, bias = _attn_and_input(tokens)
    with torch.no_grad():
        got = attn(x, bias)
        assert sdpa_calls == [], 'short CPU inference should not go through SDPA'
        with always_sdpa():
            expected = attn(x, bias)
    assert len(sdpa_calls) == 1
    assert ((got - expected).norm() / expected.norm()).item() < 1e-6


def test_sdpa_for_long_sequences_training_and_per_window_masks(sdpa_calls):
    attn, x, bias = _attn_and_input(attention.CPU_MATMUL_MAX_TOKENS + 1)
    with torch.no_grad():
        attn(x, bias)  # long
    attn, x, bias = _attn_and_input(53)
    out = attn(x.requires_grad_(), bias)  # autograd records
    out.sum().backward()
    with torch.no_grad():
        attn(x, bias.expand(2, -1, -1, -1).contiguous())  # (nW, heads, N, N): shifted windows
        attn(x)  # no bias
    assert len(sdpa_calls) == 4
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_always_sdpa_restores_the_threshold():
    before = attention.CPU_MATMUL_MAX_TOKENS
    with pytest.raises(RuntimeError):
        with always_sdpa():
            assert attention.CPU_MATMUL_MAX_TOKENS == 0
            raise RuntimeError
    assert attention.CPU_MATMUL_MAX_TOKENS == before

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Position terms are reused between inference calls only while the MLP weights are equal."""
import copy

import pytest
import torch

from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers.pos_embed import ContinuousPositionBias, _GeometryTerm
from .conftest import TINY_ARCH


@pytest.fixture
def counted(monkeypatch):
    """Count evaluations of the position MLPs (ContinuousPositionBias and the embeddings)."""
    calls = []
    for cls in _GeometryTerm.__subclasses__():
        compute = cls._compute

        def wrapped(self, *args, _compute=compute):
            calls.append(type(self).__name__)
            return _compute(self, *args)

        monkeypatch.setattr(cls, '_compute', wrapped)
    return calls


def _model():
    torch.manual_seed(0)
    return FasterViT(arch=TINY_ARCH, out_indices=(0, 1, 2, 3)).eval()


def test_second_inference_call_evaluates_no_mlp(counted):
    model = _model()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        first = model(x)
        n = len(counted)
        second = model(x)
    assert n > 0 and len(counted) == n, 'the second call re-evaluated position MLPs'
    _assert_equal(first, second)
    with torch.no_grad():
        model(torch.randn(1, 3, 128, 96))  # a new geometry is computed, the old one kept
    assert len(counted) > n
    m = len(counted)
    with torch.no_grad():
        model(x)
    assert len(counted) == m


def _assert_equal(outputs, expected):
    assert len(outputs) == len(expected)
    for a, b in zip(outputs, expected):
        assert torch.equal(a, b)


def _clear(model):
    for m in model.modules():
        if isinstance(m, _GeometryTerm):
            m._inference_cache.clear()


def test_cached_outputs_equal_uncached_ones():
    model = _model()
    x = torch.randn(2, 3, 100, 84)
    with torch.no_grad():
        model(x)
        cached = model(x)
        _clear(model)
        uncached = model(x)
    _assert_equal(cached, uncached)


def test_weights_written_through_data_are_seen():
    # mmengine's EMA hook swaps weights with ``p.data.copy_``, which bumps no version counter.
    model = _model()
    x = torch.randn(1, 3, 96, 96)
    with torch.inference_mode():
        model(x)
    for name, p in model.named_parameters():
        if 'cpb_mlp' in name:
            p.data.mul_(0.5)
    fresh = copy.deepcopy(model)
    _clear(fresh)
    with torch.inference_mode():
        _assert_equal(model(x), fresh(x))


def test_loaded_weights_replace_cached_terms():
    model, other = _model(), FasterViT(arch=TINY_ARCH, out_indices=(0, 1, 2, 3)).eval()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        model(x)
        model.load_state_dict(other.state_dict())
        _assert_equal(model(x), other(x))


def test_cached_terms_serve_a_later_training_forward():
    model = _model()
    x = torch.randn(2, 3, 96, 96)
    with torch.inference_mode():
        model(x)
    model.train()
    sum(o.sum() for o in model(x)).backward()
    bias = model.levels[2].blocks[0].attn.pos_emb_funct
    assert isinstance(bias, ContinuousPositionBias)
    assert bias.cpb_mlp[0].weight.grad is not None  # training still goes through the MLP


def test_no_value_check_off_cpu(counted, monkeypatch):
    # On a GPU ``torch.equal`` would synchronise with the device: the terms are recomputed. The
    # meta device stands in for it here.
    term = ContinuousPositionBias(4).to('meta')
    monkeypatch.setattr(torch, 'equal', lambda *a: pytest.fail('value check off the CPU'))
    with torch.no_grad():
        assert term(7, 7).shape == (4, 49, 49)
        term(7, 7)
    assert counted == ['ContinuousPositionBias'] * 2
    assert term._inference_cache == {}

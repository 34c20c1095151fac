# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Values derived from weights (position terms, folded BatchNorms) are reused only in inference
and dropped whenever the weights may change; reused values equal the reference computation."""

import copy

import pytest
import torch
import torch.nn as nn

from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers import ContinuousPositionBias, ConvBlock, Stem
from fastervit_mm.models.layers import conv as conv_module
from fastervit_mm.models.layers.inference_cache import InferenceCache
from fastervit_mm.models.layers.pos_embed import _GeometryTerm

from ..conftest import TINY_ARCH


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
    model = FasterViT(arch=copy.deepcopy(TINY_ARCH), out_indices=(0, 1, 2, 3))
    for m in model.modules():  # non-trivial BatchNorm statistics, so folding is visible
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            nn.init.uniform_(m.weight, 0.5, 1.5)
    return model.eval()


def _reference(model, x):
    """The model's output with every cache off (training-mode rules, eval-mode BatchNorm)."""
    ref = copy.deepcopy(model)
    for m in ref.modules():
        if isinstance(m, InferenceCache):
            m.cache_applies = lambda: False
    with torch.no_grad():
        return ref(x)


def _assert_close(outputs, expected, tol=1e-6):
    assert len(outputs) == len(expected)
    for a, b in zip(outputs, expected):
        assert ((a - b).norm() / b.norm()).item() < tol


def test_second_inference_call_evaluates_no_mlp(counted):
    model = _model()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        first = model(x)
        n = len(counted)
        second = model(x)
    assert n > 0 and len(counted) == n, 'the second call re-evaluated position MLPs'
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    with torch.no_grad():
        model(torch.randn(1, 3, 128, 96))  # a new geometry is computed, the old one kept
    assert len(counted) > n
    m = len(counted)
    with torch.no_grad():
        model(x)
    assert len(counted) == m


def test_cached_outputs_equal_the_reference():
    model = _model()
    x = torch.randn(2, 3, 100, 84)
    with torch.no_grad():
        model(x)
        cached = model(x)
    _assert_close(cached, _reference(model, x))


def test_folded_batchnorm_equals_conv_then_norm():
    torch.manual_seed(0)
    for module, x in (
        (Stem(3, 8, 16), torch.randn(2, 3, 33, 40)),
        (ConvBlock(16), torch.randn(2, 16, 17, 20)),
    ):
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
        module.eval()
        with torch.no_grad():
            folded = module(x)
            assert module._inference_cache, 'inference did not fold'
            plain = x
            for layer in module.layers():
                plain = layer(plain)
        if isinstance(module, ConvBlock):
            plain = plain + x
        assert ((folded - plain).norm() / plain.norm()).item() < 1e-6


def test_folding_happens_once_and_only_in_inference(monkeypatch):
    folds = []
    original = conv_module.fold_batchnorm
    monkeypatch.setattr(conv_module, 'fold_batchnorm', lambda *a: folds.append(1) or original(*a))
    block = ConvBlock(8).eval()
    x = torch.randn(1, 8, 9, 9)
    with torch.no_grad():
        block(x)
        block(x)
    assert len(folds) == 2  # two conv/BN pairs, folded once
    block(x)  # autograd records: the reference path
    block.train()
    with torch.no_grad():
        block(x)  # training BatchNorm: never folded
    assert len(folds) == 2 and not block._inference_cache
    block.eval()
    block.norm1.train()  # a BatchNorm in training mode inside an eval module is not folded
    with torch.no_grad():
        block(x)
    assert len(folds) == 2


def test_weights_written_in_eval_mode_are_seen_after_eval():
    # mmengine's EMA hook swaps weights with ``p.data.copy_`` (no version counter bump) in
    # before_val_epoch; the loop calls ``model.eval()`` after that.
    model = _model()
    x = torch.randn(1, 3, 96, 96)
    with torch.inference_mode():
        model(x)
    for name, p in model.named_parameters():
        if 'cpb_mlp' in name or 'conv' in name:
            p.data.mul_(0.5)
    model.eval()
    with torch.inference_mode():
        _assert_close(model(x), _reference(model, x))


def test_loaded_weights_and_moves_replace_cached_values():
    model, other = _model(), FasterViT(arch=copy.deepcopy(TINY_ARCH), out_indices=(0, 1, 2, 3))
    other.eval()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        model(x)
        model.load_state_dict(other.state_dict())
        _assert_close(model(x), other(x))
        model.double()
        out = model(x.double())
    assert all(o.dtype == torch.float64 for o in out)


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


def test_deploy_mode_keeps_position_terms_in_training(counted):
    model = _model()
    model.switch_to_deploy()
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        model(x)
    n = len(counted)
    model.train()
    model(x)  # (updates the BatchNorm statistics)
    assert len(counted) == n  # no MLP in training
    model.eval()
    with torch.no_grad():
        out = model(x)
    assert len(counted) == n
    _assert_close(out, _reference(model, x))


def test_no_value_checks(counted, monkeypatch):
    # reuse needs no comparison of weights (on a GPU one would synchronise with the device)
    term = ContinuousPositionBias(4).to('meta').eval()
    monkeypatch.setattr(torch, 'equal', lambda *a: pytest.fail('value check'))
    with torch.no_grad():
        assert term(7, 7).shape == (4, 49, 49)
        term(7, 7)
    assert counted == ['ContinuousPositionBias']


def test_fold_batchnorms_for_good_keeps_the_outputs():
    model = _model()
    x = torch.randn(2, 3, 64, 80)
    expected = _reference(model, x)
    for m in model.modules():
        if isinstance(m, conv_module.ConvNormChain):
            m.fold_batchnorms_()
    assert isinstance(model.patch_embed.conv_down[1], nn.Identity)
    assert isinstance(model.levels[0].blocks[0].norm2, nn.Identity)
    _assert_close(_reference(model, x), expected)

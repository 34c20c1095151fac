# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Input fuzzing through the FasterViT backbone (hypothesis, derandomized).

Batch 1-3, channels 1-5, heights and widths 1-1100 (primes favoured), every floating dtype and
integer/bool dtypes, NaN/Inf values, contiguous / channels-last / strided / transposed /
broadcast tensors, eval and training mode. Each input either gives the documented output
(one map per stage, ``ceil(H / stride)`` x ``ceil(W / stride)``, the input's dtype) or a
``ValueError`` / ``TypeError`` whose message names the problem; anything else (a shape error
from inside a layer, a dtype RuntimeError from a convolution) fails the test.

``FASTERVIT_MM_FUZZ_EXAMPLES`` raises the number of examples (default 200).
"""

import math
import os
import re
from typing import List, Tuple

import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fastervit_mm.compat import cpu_supports_float16_conv
from fastervit_mm.models import FasterViT

#: dim 8 and one block per stage: fast at 1100 x 1100, still with carrier tokens in stage 3
#: and windowed attention (several windows above 224 px) in stages 3 and 4.
FUZZ_ARCH = dict(
    dim=8,
    in_dim=8,
    depths=[1, 1, 1, 1],
    num_heads=[1, 1, 2, 2],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=1,
    hat=[False, False, True, True],
)
STRIDES = (4, 8, 16, 32)
EXAMPLES = int(os.environ.get('FASTERVIT_MM_FUZZ_EXAMPLES', 200))

PRIMES = [p for p in range(2, 1101) if all(p % d for d in range(2, int(p**0.5) + 1))]
FLOAT_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
OTHER_DTYPES = [torch.uint8, torch.int32, torch.int64, torch.bool]
LAYOUTS = ['contiguous', 'channels_last', 'strided', 'transposed', 'broadcast']
VALUES = ['normal', 'nan', 'inf', 'mixed', 'huge']

sizes = st.one_of(st.integers(1, 1100), st.sampled_from(PRIMES), st.integers(1, 40))

_models = {}


def _model(in_channels: int, dtype: torch.dtype, training: bool) -> FasterViT:
    """One cached model per (channels, dtype, mode); training-mode models never run in eval, so
    NaN inputs cannot reach eval-mode running statistics."""
    key = (in_channels, dtype, training)
    if key not in _models:
        torch.manual_seed(0)
        model = FasterViT(arch=FUZZ_ARCH, in_channels=in_channels).to(dtype)
        _models[key] = model.train(training)
    return _models[key]


def _make_input(batch, channels, height, width, dtype, values, layout, gen) -> torch.Tensor:
    shape = [batch, channels, height, width]
    if layout == 'strided':
        shape[3] = 2 * width
    elif layout == 'transposed':
        shape[2], shape[3] = width, height
    elif layout == 'broadcast':
        shape[0] = 1
    if dtype.is_floating_point:
        x = torch.randn(shape, generator=gen).to(dtype)
        if values == 'nan':
            x.fill_(float('nan'))
        elif values == 'inf':
            x[..., ::3] = float('inf')
            x[..., 1::3] = -float('inf')
        elif values == 'mixed':
            mask = torch.rand(shape, generator=gen)
            x[mask < 0.05] = float('nan')
            x[(mask >= 0.05) & (mask < 0.1)] = float('inf')
        elif values == 'huge':
            x = x * (6e4 if dtype == torch.float16 else 1e30)
    elif dtype == torch.bool:
        x = torch.rand(shape, generator=gen) > 0.5
    else:
        x = torch.randint(0, 255, shape, generator=gen).to(dtype)
    if layout == 'strided':
        x = x[..., ::2]
    elif layout == 'transposed':
        x = x.transpose(2, 3)
    elif layout == 'broadcast':
        x = x.expand(batch, -1, -1, -1)
    elif layout == 'channels_last':
        x = x.contiguous(memory_format=torch.channels_last)
    assert tuple(x.shape) == (batch, channels, height, width)
    return x


def _expected_errors(x: torch.Tensor, model: FasterViT) -> List[Tuple[type, str]]:
    """The documented errors this input may raise: (exception type, regex on the message)."""
    errors = []
    if not x.is_floating_point():
        errors.append((TypeError, 'floating-point'))
    elif x.dtype != model.patch_embed.conv_down[0].weight.dtype:
        errors.append((TypeError, r'dtype.*float'))
    if x.dtype == torch.float16 and not cpu_supports_float16_conv():  # torch 2.1
        errors.append((TypeError, 'float16 on the CPU'))
    if x.shape[1] != model.in_channels:
        errors.append((ValueError, f'expected {model.in_channels} input channels'))
    if model.training and x.shape[0] == 1:
        # BatchNorm in training mode needs more than one value per channel: the output norms
        # are BatchNorms, the deepest one sees a ceil(H/32) x ceil(W/32) map
        h, w = math.ceil(x.shape[2] / 32), math.ceil(x.shape[3] / 32)
        if h * w == 1:
            errors.append((ValueError, r'BatchNorm.*more than one value'))
    return errors


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # faster for these small tensors, and kind to a loaded machine
    yield
    torch.set_num_threads(threads)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    batch=st.integers(1, 3),
    channels=st.integers(1, 5),
    height=sizes,
    width=sizes,
    dtype=st.sampled_from(FLOAT_DTYPES * 4 + OTHER_DTYPES),
    same_dtype=st.sampled_from([True] * 5 + [False]),
    same_channels=st.sampled_from([True] * 5 + [False]),
    values=st.sampled_from(VALUES),
    layout=st.sampled_from(LAYOUTS),
    training=st.sampled_from([False, False, True]),
    seed=st.integers(0, 2**16),
)
def test_backbone_input_fuzzing(
    batch, channels, height, width, dtype, same_dtype, same_channels, values, layout, training, seed
):
    model_dtype = dtype if dtype.is_floating_point and same_dtype else torch.float32
    if dtype == torch.float32 and not same_dtype:
        model_dtype = torch.float64
    model = _model(channels if same_channels else 3, model_dtype, training)
    x = _make_input(
        batch, channels, height, width, dtype, values, layout, torch.Generator().manual_seed(seed)
    )
    expected = _expected_errors(x, model)
    described = (
        f'input {tuple(x.shape)} {x.dtype} {layout} {values}, model in_channels='
        f'{model.in_channels} {model_dtype} training={training}'
    )
    try:
        with torch.no_grad():
            outs = model(x)
    except (ValueError, TypeError) as err:
        event(f'{type(err).__name__}: {str(err)[:30]}')
        assert expected, f'{described}: unexpected {type(err).__name__}: {err}'
        assert any(isinstance(err, t) and re.search(p, str(err)) for t, p in expected), (
            f'{described}: raised {type(err).__name__}: {err}; expected one of {expected}'
        )
        return
    assert not expected, f'{described}: no error, expected one of {expected}'
    event(f'output ({"large" if max(height, width) > 224 else "small"})')
    assert len(outs) == 4
    for out, stride, channels_out in zip(outs, STRIDES, model.channels):
        assert tuple(out.shape) == (
            batch,
            channels_out,
            math.ceil(height / stride),
            math.ceil(width / stride),
        ), described
        assert out.dtype == x.dtype, described
    if values == 'normal' and not training:
        assert all(torch.isfinite(o).all() for o in outs), described

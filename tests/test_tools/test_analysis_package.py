# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""fastervit_mm.analysis: the timing loop, the alternating-pairs driver, the size parser and the
classifier wrapper the analysis scripts share (tiny models and commands; no timing assertions)."""

import argparse
import sys

import pytest
import torch
import torch.nn as nn

from fastervit_mm.analysis.classifier import Classifier
from fastervit_mm.analysis.pairs import CommandError, alternate, by_side, run_json, summarise
from fastervit_mm.analysis.sizes import as_hw, parse_size, published_size
from fastervit_mm.analysis.timing import time_steps


def test_time_steps_runs_warmup_then_timed_steps_and_keeps_the_last_output():
    calls = []
    timing = time_steps(lambda: calls.append(len(calls)) or len(calls), iters=3, warmup=2)
    assert len(calls) == 5 and len(timing.times) == 3 and timing.output == 5
    assert all(t >= 0 for t in timing.times) and min(timing.times) <= timing.median


@pytest.mark.parametrize('iters,warmup', [(0, 0), (1, -1)])
def test_time_steps_rejects_bad_counts(iters, warmup):
    with pytest.raises(ValueError, match='iters|warmup'):
        time_steps(lambda: None, iters, warmup)


def test_parse_size_forms_and_errors():
    assert parse_size('224') == (224, 224) and parse_size('800x1344') == (800, 1344)
    assert parse_size('40X72') == (40, 72)
    for bad in ('', 'x', '0', 'axb', '-3x4'):
        with pytest.raises(argparse.ArgumentTypeError, match='HxW'):
            parse_size(bad)


def test_as_hw_and_published_size():
    assert as_hw(None) is None and as_hw(None, (800, 1280)) == (800, 1280)
    assert as_hw(64) == as_hw([64]) == as_hw('64') == (64, 64) and as_hw([40, 72]) == (40, 72)
    with pytest.raises(ValueError, match='one positive int'):
        as_hw([1, 2, 3])
    assert (
        published_size('faster_vit_0_224') == 224
        and published_size('faster_vit_4_21k_512') == 512
        and published_size('faster_vit_4_21k') == 224
    )


def test_classifier_pools_the_last_map():

    class TwoMaps(nn.Module):
        out_channels = (2, 4)

        def forward(self, x):
            return x[:, :2], x[:, :4] * 2

    model = Classifier(TwoMaps(), num_classes=3)
    x = torch.randn(2, 4, 5, 6)
    expected = model.head((x * 2).mean((2, 3)))
    assert torch.allclose(model(x), expected, atol=1e-6) and model(x).shape == (2, 3)


def _printer(median_ms):
    return [sys.executable, '-c', f'print(\'{{"median_ms": {median_ms}, "img_per_s": 2}}\')']


def test_alternate_order_sides_and_summary():
    runs = list(alternate([_printer(10), _printer(30)], pairs=3))
    assert [(r.pair, r.slot, r.side) for r in runs] == [
        (0, 0, 0),
        (0, 1, 1),
        (1, 0, 1),
        (1, 1, 0),
        (2, 0, 0),
        (2, 1, 1),
    ]
    assert by_side(runs) == [[10, 10, 10], [30, 30, 30]]
    summary = summarise(['a', 'b'], by_side(runs))
    assert summary['median_ratio'] == 3.0 and summary['pairs'] == 3
    same = list(alternate([_printer(1), _printer(2)], pairs=2, same_order=True))
    assert [r.side for r in same] == [0, 1, 0, 1]


def test_alternate_names_the_failing_side_and_pair():
    failing = [sys.executable, '-c', 'import sys; sys.stderr.write("kaboom"); sys.exit(3)']
    with pytest.raises(CommandError, match='exit status 3') as info:
        list(alternate([_printer(1), failing], pairs=2))
    assert info.value.side == 1 and info.value.pair == 0 and 'kaboom' in info.value.args[1]
    with pytest.raises(ValueError, match='pairs'):
        list(alternate([_printer(1), _printer(1)], pairs=0))


def test_run_json_needs_the_key():
    assert run_json(_printer(5))['median_ms'] == 5
    with pytest.raises(CommandError, match='no numeric speed'):
        run_json(_printer(5), key='speed')


def test_matmul_peak_and_count_macs():
    from fastervit_mm.analysis.flops import count_macs
    from fastervit_mm.analysis.timing import matmul_gflop_s

    assert matmul_gflop_s(128, iters=2, warmup=1) > 0
    assert matmul_gflop_s(128, torch.bfloat16, iters=1) > 0
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))
    expected = 8 * 4 * 4 * 3 * 9 + 8 * 4 * 4 * 5  # conv outputs x (C_in k k) + linear
    assert count_macs(model, torch.zeros(1, 3, 6, 6)) == expected
    assert count_macs(model, torch.zeros(3, 3, 6, 6)) == 3 * expected


def test_synthetic_classes_and_fit_head():
    from fastervit_mm.analysis.precision import batches, fit_head, synthetic_classes

    x, y = synthetic_classes(12, 3, (8, 10), seed=1)
    x2, _ = synthetic_classes(12, 3, (8, 10), seed=2)
    assert x.shape == (12, 3, 8, 10) and y.tolist() == [0, 1, 2] * 4
    assert not torch.equal(x, x2)  # other noise
    mean = (x - x2).view(12, -1).mean(1)  # the same class patterns cancel: noise only
    assert mean.abs().max() < 0.5
    assert [len(b) for b in batches(x, 5)] == [5, 5, 2]

    class Maps(nn.Module):
        out_channels = (3,)

        def forward(self, x):
            return (x,)

    model = Classifier(Maps(), num_classes=3)
    x, y = synthetic_classes(60, 3, (8, 8), amplitude=3.0)
    assert fit_head(model, x, y, steps=100, lr=0.1) > 0.9  # learnable: pooled class colours

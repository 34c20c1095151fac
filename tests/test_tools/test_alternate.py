# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/alternate.py with tiny commands that print fixed JSON medians."""

import json
import os.path as osp
import subprocess
import sys

import pytest

from .conftest import ANALYSIS_DIR, analysis_module

alternate = analysis_module('alternate')
SCRIPT = osp.join(ANALYSIS_DIR, 'alternate.py')


def _printer(median_ms, log=''):
    """A command printing a log line (stdout) and then its JSON result."""
    return [
        sys.executable,
        '-c',
        f'print({log!r}); print(\'{{"median_ms": {median_ms}, "img_per_s": 1}}\')',
    ]


def _run(*argv):
    return subprocess.run(
        [sys.executable, SCRIPT, *argv], capture_output=True, text=True, timeout=120
    )


def test_ratio_runs_and_alternating_order():
    r = _run(
        '--pairs',
        '3',
        '--name',
        'fast',
        '--name',
        'slow',
        '--',
        *_printer(10.0, 'log'),
        '--',
        *_printer(25.0),
    )
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.strip().splitlines()]
    runs, summary = lines[:-1], lines[-1]
    assert [(x['pair'], x['slot'], x['name']) for x in runs] == [
        (0, 0, 'fast'),
        (0, 1, 'slow'),
        (1, 0, 'slow'),
        (1, 1, 'fast'),
        (2, 0, 'fast'),
        (2, 1, 'slow'),
    ]
    assert {x['name']: x['result']['median_ms'] for x in runs} == {'fast': 10.0, 'slow': 25.0}
    assert summary['summary'] is True and summary['names'] == ['fast', 'slow']
    assert summary['pairs'] == 3 and summary['ratios'] == [2.5] * 3
    assert summary['median_ratio'] == summary['min_ratio'] == summary['max_ratio'] == 2.5
    assert summary['a_median_ms'] == 10.0 and summary['b_median_ms'] == 25.0


def test_same_order_and_default_names():
    r = _run('--pairs', '2', '--same-order', '--', *_printer(4), '--', *_printer(2))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [x['name'] for x in lines[:-1]] == ['A', 'B', 'A', 'B']
    assert lines[-1]['median_ratio'] == 0.5  # B is twice as fast as A


def test_summary_is_the_median_of_pairwise_ratios():
    s = alternate.summarise(['a', 'b'], [[10, 20, 10], [30, 20, 25]])
    assert s['ratios'] == [3.0, 1.0, 2.5] and s['median_ratio'] == 2.5
    assert s['min_ratio'] == 1.0 and s['max_ratio'] == 3.0
    assert s['a_median_ms'] == 10 and s['b_median_ms'] == 25


def test_failing_command_exits_non_zero_with_its_stderr():
    failing = [sys.executable, '-c', 'import sys; sys.stderr.write("kaboom\\n"); sys.exit(3)']
    r = _run('--pairs', '2', '--name', 'ok', '--name', 'bad', '--', *_printer(1), '--', *failing)
    assert r.returncode == 1
    assert 'command bad failed in pair 0' in r.stderr and 'exit status 3' in r.stderr
    assert 'kaboom' in r.stderr
    assert 'summary' not in r.stdout


def test_output_without_median_is_an_error():
    r = _run('--pairs', '1', '--', *_printer(1), '--', sys.executable, '-c', 'print("done")')
    assert r.returncode == 1 and 'not JSON' in r.stderr


@pytest.mark.parametrize(
    'argv',
    [
        ['--pairs', '1', '--', 'true'],  # one command only
        ['--pairs', '1', '--name', 'x', '--', 'true', '--', 'true'],  # one name only
        ['--pairs', '0', '--', 'true', '--', 'true'],
    ],
)
def test_bad_command_lines(argv):
    r = _run(*argv)
    assert r.returncode == 2 and 'error' in r.stderr


def test_split_commands_keeps_options_of_the_commands():
    opts, a, b = alternate.split_commands(
        ['--pairs', '2', '--', 'x', '--iters', '3', '--', 'y', '--part', 'neck']
    )
    assert opts == ['--pairs', '2'] and a == ['x', '--iters', '3'] and b == ['y', '--part', 'neck']

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Run two benchmark commands alternately and compare them pair by pair.

    python tools/analysis/alternate.py --pairs 5 --name fastervit --name swin \
        -- python tools/analysis/benchmark_detector.py \
               configs/mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py --part backbone \
        -- python tools/analysis/benchmark_detector.py \
               mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py --part backbone

Command line: the options, then ``--`` and command A, then ``--`` and command B. Everything
after the first bare ``--`` up to the second is A, the rest is B; so the commands themselves must
not contain a bare ``--`` (options such as ``--iters 3`` are fine). Each command is run as it is
(no shell) and must print a JSON object with ``median_ms`` as its last line of stdout (the
benchmark tools of this folder do).

Options: ``--pairs N`` (default 5); ``--name`` twice, the names of A and B (default ``A``,
``B``); ``--same-order`` to run A first in every pair (by default pair 0 runs A then B, pair 1
B then A, ..., so that neither command always gets the cooler/warmer slot); ``--timeout S``
seconds per run (default: none).

Output, one JSON line per run: ``{"name", "pair", "slot" (0: ran first in its pair), "result"
(the command's JSON)}``; then a summary line: ``summary``: true, ``names`` [A, B], ``pairs``,
``median_ratio`` = the median over pairs of (B's median_ms / A's median_ms), i.e. how many times
faster A is than B (> 1: A is faster), ``ratios`` (one a pair), ``min_ratio``, ``max_ratio``, and
``a_median_ms`` / ``b_median_ms``, each side's median of its runs' median_ms. The ratio of runs
made a few seconds apart is robust to a machine whose load drifts over minutes.

A command that exits non-zero, times out or prints no JSON with ``median_ms`` stops the script
with exit status 1 and a message on stderr naming it, with the tail of its stderr.
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

STDERR_TAIL = 25  # lines of a failed command's stderr to show


class CommandError(RuntimeError):
    """A command failed or printed no usable JSON line."""


def split_commands(argv: Sequence[str]) -> Tuple[List[str], List[str], List[str]]:
    """``[opts..., '--', A..., '--', B...]`` -> (opts, A, B)."""
    argv = list(argv)
    if argv.count('--') < 2:
        raise ValueError('expected: [options] -- COMMAND_A ... -- COMMAND_B ...')
    first = argv.index('--')
    second = argv.index('--', first + 1)
    opts, cmd_a, cmd_b = argv[:first], argv[first + 1:second], argv[second + 1:]
    if not cmd_a or not cmd_b:
        raise ValueError('both commands must be non-empty')
    if '--' in cmd_b:
        raise ValueError('more than two commands: a bare -- may appear only twice')
    return opts, cmd_a, cmd_b


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        usage='%(prog)s [--pairs N] [--name A --name B] [--same-order] [--timeout S] '
        '-- COMMAND_A ... -- COMMAND_B ...')
    p.add_argument('--pairs', type=int, default=5)
    p.add_argument('--name', action='append', default=None,
                   help='name of A, then of B (give it twice)')
    p.add_argument('--same-order', action='store_true',
                   help='run A first in every pair (default: alternate A,B / B,A)')
    p.add_argument('--timeout', type=float, default=None, help='seconds per run')
    try:
        opts, cmd_a, cmd_b = split_commands(argv)
    except ValueError as e:
        if {'-h', '--help'} & set(argv):
            p.parse_args(['--help'])
        p.error(str(e))
    args = p.parse_args(opts)
    if args.pairs < 1:
        p.error('--pairs must be at least 1')
    args.name = args.name or ['A', 'B']
    if len(args.name) != 2:
        p.error('give --name twice (A, then B) or not at all')
    args.commands = [cmd_a, cmd_b]
    return args


def run_json(cmd: List[str], timeout: Optional[float] = None) -> Dict[str, Any]:
    """Run ``cmd``; its last stdout line parsed as JSON (must hold ``median_ms``)."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise CommandError(f'timed out after {timeout} s', _text(e.stderr))
    except OSError as e:
        raise CommandError(f'could not start: {e}', '')
    if proc.returncode != 0:
        raise CommandError(f'exit status {proc.returncode}', proc.stderr)
    lines = proc.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise CommandError('its last stdout line is not JSON: '
                           f'{lines[-1][:200] if lines else "(no output)"!r}', proc.stderr)
    if not isinstance(result, dict) or not isinstance(result.get('median_ms'), (int, float)):
        raise CommandError(f'its JSON has no numeric median_ms: {lines[-1][:200]}', proc.stderr)
    return result


def _text(data) -> str:
    return data.decode(errors='replace') if isinstance(data, bytes) else (data or '')


def summarise(names: Sequence[str], medians: Sequence[Sequence[float]]) -> Dict[str, Any]:
    """The summary line from ``medians[side][pair]`` (median_ms of each run)."""
    ratios = [b / a for a, b in zip(*medians)]
    return dict(
        summary=True, names=list(names), pairs=len(ratios),
        median_ratio=round(statistics.median(ratios), 4),
        ratios=[round(r, 4) for r in ratios],
        min_ratio=round(min(ratios), 4), max_ratio=round(max(ratios), 4),
        a_median_ms=round(statistics.median(medians[0]), 3),
        b_median_ms=round(statistics.median(medians[1]), 3))


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    medians: List[List[float]] = [[], []]
    for pair in range(args.pairs):
        order = (0, 1) if args.same_order or pair % 2 == 0 else (1, 0)
        for slot, side in enumerate(order):
            name, cmd = args.name[side], args.commands[side]
            try:
                result = run_json(cmd, args.timeout)
            except CommandError as e:
                message, stderr = e.args
                tail = '\n'.join(stderr.rstrip().splitlines()[-STDERR_TAIL:])
                sys.stderr.write(f'alternate.py: command {name} failed in pair {pair}: '
                                 f'{message}\n  command: {shlex.join(cmd)}\n'
                                 f'  stderr (last {STDERR_TAIL} lines):\n{tail}\n')
                raise SystemExit(1)
            medians[side].append(float(result['median_ms']))
            print(json.dumps(dict(name=name, pair=pair, slot=slot, result=result)), flush=True)
    summary = summarise(args.name, medians)
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == '__main__':
    main()

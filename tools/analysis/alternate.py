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
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from fastervit_mm.analysis.pairs import CommandError, alternate, by_side, summarise

__all__ = ['split_commands', 'parse_args', 'summarise', 'main']

STDERR_TAIL = 25  # lines of a failed command's stderr to show


def split_commands(argv: Sequence[str]) -> Tuple[List[str], List[str], List[str]]:
    """``[opts..., '--', A..., '--', B...]`` -> (opts, A, B)."""
    argv = list(argv)
    if argv.count('--') < 2:
        raise ValueError('expected: [options] -- COMMAND_A ... -- COMMAND_B ...')
    first = argv.index('--')
    second = argv.index('--', first + 1)
    opts, cmd_a, cmd_b = argv[:first], argv[first + 1 : second], argv[second + 1 :]
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
        '-- COMMAND_A ... -- COMMAND_B ...',
    )
    p.add_argument('--pairs', type=int, default=5)
    p.add_argument(
        '--name', action='append', default=None, help='name of A, then of B (give it twice)'
    )
    p.add_argument(
        '--same-order',
        action='store_true',
        help='run A first in every pair (default: alternate A,B / B,A)',
    )
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


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    runs = []
    try:
        for run in alternate(args.commands, args.pairs, args.same_order, args.timeout):
            runs.append(run)
            print(
                json.dumps(
                    dict(name=args.name[run.side], pair=run.pair, slot=run.slot, result=run.result)
                ),
                flush=True,
            )
    except CommandError as e:
        message, stderr = e.args
        tail = '\n'.join(stderr.rstrip().splitlines()[-STDERR_TAIL:])
        sys.stderr.write(
            f'alternate.py: command {args.name[e.side]} failed in pair {e.pair}: '
            f'{message}\n  command: {shlex.join(args.commands[e.side])}\n'
            f'  stderr (last {STDERR_TAIL} lines):\n{tail}\n'
        )
        raise SystemExit(1)
    summary = summarise(args.name, by_side(runs))
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == '__main__':
    main()

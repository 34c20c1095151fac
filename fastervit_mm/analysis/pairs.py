# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The alternating-pairs driver: two benchmark commands run one after the other, A,B then B,A,
..., and compared pair by pair. The ratio of runs made a few seconds apart is robust to a machine
whose load drifts over minutes; alternating the order keeps either command from always getting
the cooler or the warmer slot."""

import json
import statistics
import subprocess
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence


class CommandError(RuntimeError):
    """A command failed or printed no usable JSON line: ``args`` are (message, its stderr)."""


class Run(NamedTuple):
    """One run of :func:`alternate`.

    Attributes:
        pair: The pair it belongs to (0-based).
        slot: 0 when it ran first in its pair, else 1.
        side: 0 for command A, 1 for command B.
        result: The JSON object the command printed last.
    """

    pair: int
    slot: int
    side: int
    result: Dict[str, Any]


def _text(data) -> str:
    return data.decode(errors='replace') if isinstance(data, bytes) else (data or '')


def run_json(
    cmd: List[str], timeout: Optional[float] = None, key: str = 'median_ms'
) -> Dict[str, Any]:
    """Run ``cmd`` (no shell); its last stdout line parsed as a JSON object.

    Args:
        cmd: The command and its arguments.
        timeout: Seconds before it is stopped; None for no limit. Defaults to None.
        key: A numeric field the object must hold. Defaults to ``'median_ms'``.

    Raises:
        CommandError: when it cannot start, times out, exits non-zero or prints no such JSON.
    """
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
        raise CommandError(
            f'its last stdout line is not JSON: {lines[-1][:200] if lines else "(no output)"!r}',
            proc.stderr,
        )
    if not isinstance(result, dict) or not isinstance(result.get(key), (int, float)):
        raise CommandError(f'its JSON has no numeric {key}: {lines[-1][:200]}', proc.stderr)
    return result


def alternate(
    commands: Sequence[List[str]],
    pairs: int,
    same_order: bool = False,
    timeout: Optional[float] = None,
) -> Iterator[Run]:
    """Run commands A and B ``pairs`` times each, yielding each run as it ends.

    Args:
        commands: Command A and command B.
        pairs: Number of pairs, at least 1.
        same_order: Run A first in every pair; by default pair 0 runs A, B, pair 1 B, A, ...
            Defaults to False.
        timeout: Seconds per run (see :func:`run_json`). Defaults to None.

    Raises:
        CommandError: from the first run that fails (see :func:`run_json`), with the failing
            side in its ``side`` attribute.
    """
    if len(commands) != 2:
        raise ValueError(f'alternate needs two commands, got {len(commands)}')
    if pairs < 1:
        raise ValueError(f'pairs must be at least 1, got {pairs}')
    for pair in range(pairs):
        order = (0, 1) if same_order or pair % 2 == 0 else (1, 0)
        for slot, side in enumerate(order):
            try:
                result = run_json(list(commands[side]), timeout)
            except CommandError as e:
                e.side, e.pair = side, pair
                raise
            yield Run(pair, slot, side, result)


def by_side(runs: Sequence[Run], key: str = 'median_ms') -> List[List[float]]:
    """``key`` of each run as ``values[side][pair]`` (side 0: A, 1: B)."""
    values: List[List[float]] = [[], []]
    for run in sorted(runs, key=lambda r: (r.side, r.pair)):
        values[run.side].append(float(run.result[key]))
    return values


def summarise(
    names: Sequence[str], medians: Sequence[Sequence[float]], digits: int = 4
) -> Dict[str, Any]:
    """The summary of two commands' runs from ``medians[side][pair]`` (median_ms of each run, e.g.
    :func:`by_side` of :func:`alternate`'s runs).

    Returns:
        dict: ``summary`` (True), ``names``, ``pairs``, ``median_ratio`` (the median over pairs of
        B's median_ms / A's: > 1 means A is faster), ``ratios`` (one a pair), ``min_ratio``,
        ``max_ratio``, ``a_median_ms`` / ``b_median_ms`` (each side's median).
    """
    values = [b / a for a, b in zip(*medians)]
    return dict(
        summary=True,
        names=list(names),
        pairs=len(values),
        median_ratio=round(statistics.median(values), digits),
        ratios=[round(r, digits) for r in values],
        min_ratio=round(min(values), digits),
        max_ratio=round(max(values), digits),
        a_median_ms=round(statistics.median(medians[0]), 3),
        b_median_ms=round(statistics.median(medians[1]), 3),
    )

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The timing loop shared by every benchmark tool: untimed warm-up steps, then timed steps, each
one synchronised with the device so that a CUDA step is timed to its end, not to its launch."""
import statistics
import time
from typing import Any, Callable, List, NamedTuple, Optional, Union

import torch


class Timing(NamedTuple):
    """The result of :func:`time_steps`.

    Attributes:
        times: Seconds of each timed step, in the order they ran.
        output: What the last step returned (e.g. detections to describe).
    """
    times: List[float]
    output: Any

    @property
    def median(self) -> float:
        """The median step time in seconds."""
        return statistics.median(self.times)


def synchronize(device: Optional[Union[str, torch.device]] = None) -> None:
    """Wait for the work queued on ``device`` (a no-op except on CUDA).

    Args:
        device: The device; None for the CPU. Defaults to None.
    """
    device = torch.device(device) if device is not None else None
    if device is not None and device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_steps(step: Callable[[], Any],
               iters: int,
               warmup: int = 0,
               device: Optional[Union[str, torch.device]] = None) -> Timing:
    """Run ``step`` ``warmup`` times untimed, then ``iters`` times timed.

    Args:
        step: The work of one iteration (forward, or forward and backward), no arguments.
        iters: Timed iterations, at least 1.
        warmup: Untimed iterations before them. Defaults to 0.
        device: The device the work runs on, synchronised before and after each timed step.
            Defaults to None (CPU).

    Returns:
        Timing: the time of each timed step and the last step's output.
    """
    if iters < 1:
        raise ValueError(f'iters must be at least 1, got {iters}')
    if warmup < 0:
        raise ValueError(f'warmup must be >= 0, got {warmup}')
    output = None
    for _ in range(warmup):
        output = step()
    synchronize(device)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        output = step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return Timing(times, output)

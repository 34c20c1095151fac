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


def time_steps(
    step: Callable[[], Any],
    iters: int,
    warmup: int = 0,
    device: Optional[Union[str, torch.device]] = None,
) -> Timing:
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


def matmul_gflop_s(
    size: int = 2048,
    dtype: torch.dtype = torch.float32,
    iters: int = 5,
    warmup: int = 2,
    device: Optional[Union[str, torch.device]] = None,
) -> float:
    """The rate of one ``size x size`` matrix product in ``dtype``, timed with :func:`time_steps`:
    the machine's practical peak for the benchmarks' achieved GFLOP/s (``2 * size**3`` floating
    point operations over the median step time, in GFLOP/s).

    Args:
        size: Side of the square matrices. Defaults to 2048.
        dtype: Their dtype (e.g. ``torch.bfloat16`` for the bf16 peak). Defaults to float32.
        iters: Timed products. Defaults to 5.
        warmup: Untimed products before them. Defaults to 2.
        device: Where they run; None for the CPU. Defaults to None.
    """
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=gen).to(device=device, dtype=dtype) for _ in range(2))
    with torch.inference_mode():
        timing = time_steps(lambda: torch.mm(a, b), iters, warmup, device)
    return 2 * size**3 / timing.median / 1e9

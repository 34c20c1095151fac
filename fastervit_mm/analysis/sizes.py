# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Input sizes of the analysis tools, always returned as ``(H, W)``."""

import argparse
import re
from typing import Optional, Sequence, Tuple, Union


def parse_size(text: str) -> Tuple[int, int]:
    """``'224'`` -> (224, 224), ``'800x1344'`` -> (800, 1344) (H x W), for ``--size`` options.

    Raises:
        argparse.ArgumentTypeError: when ``text`` is not ``N`` or ``HxW`` with positive integers
            (argparse turns it into a usage error naming the option).
    """
    h, _, w = str(text).lower().partition('x')
    try:
        size = int(h), int(w or h)
    except ValueError:
        size = None
    if size is None or min(size) < 1:
        raise argparse.ArgumentTypeError(
            f'{text!r}: give a size as N (a square) or HxW with positive integers, e.g. 224 or '
            '800x1344'
        )
    return size


def as_hw(
    shape: Optional[Union[int, str, Sequence[int]]], default: Optional[Sequence[int]] = None
) -> Optional[Tuple[int, int]]:
    """A size given as one int, ``'HxW'`` text or a sequence of one (a square) or two ints, as
    ``(H, W)``; ``default`` (the same forms) when ``shape`` is None.

    Args:
        shape: The size, e.g. ``--shape`` values.
        default: The size used when ``shape`` is None. Defaults to None.
    """
    if shape is None:
        return None if default is None else as_hw(default)
    if isinstance(shape, str):
        return parse_size(shape)
    if isinstance(shape, int):
        shape = (shape,)
    shape = [int(s) for s in shape]
    if len(shape) not in (1, 2) or min(shape) < 1:
        raise ValueError(f'size {shape}: give one positive int (a square) or two (H W)')
    return (shape[0], shape[-1])


def published_size(name: str) -> int:
    """The resolution in a published model name: 224 unless it ends in _384/_512/_768."""
    m = re.search(r'_(\d{3})$', name)
    return int(m.group(1)) if m else 224

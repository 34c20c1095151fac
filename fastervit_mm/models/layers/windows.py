# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Window geometry, window partition / reverse and carrier-token orderings.

A transformer stage decides its :class:`WindowGrid` once per forward from the run-time map size;
everything that depends on it (padding, carrier grid, position terms) is derived from that one
object. The index helpers here are plain functions of the geometry; their results are only needed
when a position term is (re)computed.

Carrier tokens live in *window-major* order: windows row-major over the window grid, and inside a
window of ``ct x ct`` tokens row-major. The published code converts them to raster order for the
carrier attention and back every block; here they stay window-major and the position terms are
generated in that order instead (attention is permutation-equivariant).
"""

from typing import NamedTuple, Optional

import torch
from torch import Tensor


class WindowGrid(NamedTuple):
    """Geometry of one transformer stage for one input size.

    Attributes:
        height (int): Map height before padding.
        width (int): Map width before padding.
        window (int): Window side.
        rows (int): Windows along the height (after padding to whole windows).
        cols (int): Windows along the width.
        ct_size (int): Carrier-token window side (each window owns ``ct_size**2`` carrier tokens).
        carrier (bool): Whether carrier tokens are active: the stage has HAT and more than one
            window (a single window already attends globally, as in the published model).
    """

    height: int
    width: int
    window: int
    rows: int
    cols: int
    ct_size: int
    carrier: bool

    @classmethod
    def from_size(
        cls, height: int, width: int, window: int, ct_size: int, hat: bool
    ) -> 'WindowGrid':
        rows, cols = -(-height // window), -(-width // window)
        return cls(height, width, window, rows, cols, ct_size, bool(hat) and rows * cols > 1)

    @property
    def padded_height(self) -> int:
        return self.rows * self.window

    @property
    def padded_width(self) -> int:
        return self.cols * self.window

    @property
    def num_windows(self) -> int:
        return self.rows * self.cols

    @property
    def ct_rows(self) -> int:
        """Rows of the carrier-token grid."""
        return self.rows * self.ct_size

    @property
    def ct_cols(self) -> int:
        """Columns of the carrier-token grid."""
        return self.cols * self.ct_size

    @property
    def num_carrier(self) -> int:
        """Carrier tokens per image (0 when inactive)."""
        return self.ct_rows * self.ct_cols if self.carrier else 0


def window_partition(x: Tensor, window: int) -> Tensor:
    """(B, H, W, C), H and W multiples of ``window`` -> (B * nW, window**2, C), row-major."""
    B, H, W, C = x.shape
    x = x.view(B, H // window, window, W // window, window, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, C)


def window_reverse(windows: Tensor, window: int, rows: int, cols: int) -> Tensor:
    """Inverse of :func:`window_partition`: (B * rows * cols, window**2, C) -> (B, H, W, C)."""
    C = windows.shape[-1]
    x = windows.view(-1, rows, cols, window, window, C)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, rows * window, cols * window, C)


def window_gather(rows: int, cols: int, window: int, device=None) -> Tensor:
    """Raster index of every window-major token of a ``rows x cols`` grid split in windows."""
    idx = torch.arange(rows * cols, device=device)
    idx = idx.view(rows // window, window, cols // window, window)
    return idx.permute(0, 2, 1, 3).reshape(-1)


def raster_gather(rows: int, cols: int, window: int, device=None) -> Tensor:
    """Window-major index of every raster token (the inverse of :func:`window_gather`)."""
    idx = torch.arange(rows * cols, device=device)
    idx = idx.view(rows // window, cols // window, window, window)
    return idx.permute(0, 2, 1, 3).reshape(-1)


def grid_positions(rows: int, cols: int, window: int = 0, device=None) -> Tensor:
    """(row, col) of every token of a ``rows x cols`` grid, (N, 2) int64.

    Tokens are in raster order when ``window`` is 0, else in window-major order.
    """
    if window:
        idx = window_gather(rows, cols, window, device)
    else:
        idx = torch.arange(rows * cols, device=device)
    return torch.stack([idx // cols, idx % cols], dim=1)


def published_carrier_shuffle(
    ct_rows: int, ct_cols: int, ct_size: int, device=None
) -> Optional[Tensor]:
    """Carrier-token permutation of the published any-resolution code, or None if it is identity.

    Its raster -> window-major conversion reads the carrier grid with rows and columns swapped,
    so on a non-square window grid the tokens of a window move to another window after every
    carrier-attention step. Returned as a gather index over the window-major axis.
    """
    if ct_rows == ct_cols:
        return None
    wrong_window = window_gather(ct_cols, ct_rows, ct_size, device)
    return raster_gather(ct_rows, ct_cols, ct_size, device)[wrong_window]


def shifted_window_mask(
    rows: int, cols: int, window: int, shift: int, num_prefix: int = 0, device=None
) -> Tensor:
    """Swin's attention mask for windows of a map rolled by ``-shift``: (nW, N, N).

    Token pairs from different regions of the rolled map get -100, others 0; ``num_prefix``
    leading tokens (carrier tokens) are not masked.
    """
    regions = torch.zeros(1, rows * window, cols * window, 1, device=device)
    label = 0
    for hs in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
        for ws in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
            regions[:, hs, ws] = label
            label += 1
    regions = window_partition(regions, window).squeeze(-1)
    mask = (regions[:, :, None] != regions[:, None, :]).float() * -100.0
    if num_prefix:
        mask = torch.nn.functional.pad(mask, (num_prefix, 0, num_prefix, 0))
    return mask

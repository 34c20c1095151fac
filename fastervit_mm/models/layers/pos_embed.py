# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Position terms computed by small MLPs from continuous coordinates.

* :class:`ContinuousPositionBias`: the SwinV2-style attention bias ``16 * sigmoid(MLP(log-spaced
  relative offset))`` (``pos_emb_funct`` in the published model).
* :class:`MLPPositionEmbedding`: an absolute embedding ``MLP(normalised (row, col))`` added to
  tokens (``pos_embed`` / ``hat_pos_embed``).

Both take the grid geometry at call time, so one module serves every input size. The published
model stored stale copies of these terms in buffers; :mod:`fastervit_mm.checkpoint` drops them on
load.

Both are :class:`~.inference_cache.InferenceCache` modules: in inference the term of each geometry
is computed once and reused until the weights may have changed (see that module).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .inference_cache import InferenceCache
from .windows import grid_positions


def _sides(rows, cols, device=None) -> Tensor:
    """``[rows, cols]`` as a float tensor; the sizes may be ints or 0-d tensors (traced graphs)."""
    return torch.stack([torch.as_tensor(rows), torch.as_tensor(cols)]).to(device, torch.float32)


def log_spaced_offsets(rows: int, cols: int, device=None) -> Tensor:
    """All relative offsets of a ``rows x cols`` grid, SwinV2 log-spaced: ((2r-1)(2c-1), 2).

    Each axis is divided by its largest offset (``side - 1``), scaled by 8 and mapped to
    ``sign(t) * log2(|t| + 1) / log2(8)``.
    """
    dr = torch.arange(-(rows - 1), rows, dtype=torch.float32, device=device)
    dc = torch.arange(-(cols - 1), cols, dtype=torch.float32, device=device)
    table = torch.stack(torch.meshgrid(dr, dc, indexing='ij'), dim=-1)
    table = table / (_sides(rows, cols, device) - 1).clamp(min=1)
    table = table * 8
    table = torch.sign(table) * torch.log2(table.abs() + 1.0) / math.log2(8)
    return table.view(-1, 2)


def relative_index(rows: int, cols: int, window: int = 0, device=None) -> Tensor:
    """(N, N) index into :func:`log_spaced_offsets` for every token pair (order as in
    :func:`grid_positions`)."""
    pos = grid_positions(rows, cols, window, device)
    rel = pos[:, None, :] - pos[None, :, :]
    return (rel[..., 0] + rows - 1) * (2 * cols - 1) + rel[..., 1] + cols - 1


def normalised_positions(rows: int, cols: int, window: int = 0, device=None) -> Tensor:
    """(row, col) of every token mapped to ``(c - g // 2) / (g // 2)`` per axis: (N, 2) float."""
    pos = grid_positions(rows, cols, window, device).float()
    half = _sides(rows, cols, device) // 2
    return (pos - half) / half.clamp(min=1)


def _cpb_mlp(out_features: int, hidden: int = 512) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, hidden, bias=True), nn.ReLU(), nn.Linear(hidden, out_features, bias=False)
    )


class _GeometryTerm(InferenceCache):
    """Base: an MLP over grid coordinates whose output is cached per geometry in inference."""


class ContinuousPositionBias(_GeometryTerm):
    """SwinV2-style continuous position bias for window attention.

    Args:
        num_heads (int): Attention heads (one bias map each).
        hidden (int): Hidden width of the MLP. Defaults to 512.
    """

    def __init__(self, num_heads: int, hidden: int = 512) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.cpb_mlp = _cpb_mlp(num_heads, hidden)

    def forward(self, rows: int, cols: int, window: int = 0, num_prefix: int = 0) -> Tensor:
        """Bias (heads, N, N) for the ``rows x cols`` grid, tokens ordered as in
        :func:`grid_positions`; ``num_prefix`` leading tokens (carrier tokens) get zero bias."""
        return self.cached(
            (rows, cols, window, num_prefix), lambda: self._compute(rows, cols, window, num_prefix)
        )

    def _compute(self, rows: int, cols: int, window: int, num_prefix: int) -> Tensor:
        weight = self.cpb_mlp[0].weight
        table = log_spaced_offsets(rows, cols, weight.device).to(weight.dtype)
        index = relative_index(rows, cols, window, weight.device)
        bias = 16 * torch.sigmoid(self.cpb_mlp(table))
        n = rows * cols
        bias = bias[index.view(-1)].view(n, n, -1).permute(2, 0, 1)
        if num_prefix:
            bias = F.pad(bias, (num_prefix, 0, num_prefix, 0))
        return bias.contiguous()


class MLPPositionEmbedding(_GeometryTerm):
    """Absolute position embedding from an MLP over normalised token coordinates.

    Args:
        dim (int): Embedding channels.
        hidden (int): Hidden width of the MLP. Defaults to 512.
    """

    def __init__(self, dim: int, hidden: int = 512) -> None:
        super().__init__()
        self.cpb_mlp = _cpb_mlp(dim, hidden)

    def forward(self, rows: int, cols: int, window: int = 0) -> Tensor:
        """Embedding (N, dim) of a ``rows x cols`` grid, tokens ordered as in
        :func:`grid_positions`."""
        return self.cached((rows, cols, window), lambda: self._compute(rows, cols, window))

    def _compute(self, rows: int, cols: int, window: int) -> Tensor:
        weight = self.cpb_mlp[0].weight
        coords = normalised_positions(rows, cols, window, weight.device).to(weight.dtype)
        return self.cpb_mlp(coords)

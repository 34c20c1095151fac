# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Hierarchical Attention (HAT): carrier-token initialiser, the HAT block and the HAT stage.

Data flow of a stage (:class:`HATStage`) for an input of any size:

1. decide the :class:`~.windows.WindowGrid` from the run-time H x W (pad to whole windows);
2. carrier tokens = AvgPool(depthwise conv(padded map)) on a ``ct*rows x ct*cols`` grid, kept in
   window-major order (:class:`TokenInitializer`);
3. every block's position terms (window embedding, window bias, carrier embedding, carrier bias)
   are evaluated once for that geometry and handed to the block;
4. the blocks run on (B * nW, w*w, C) windows plus (B, N_ct, C) carrier tokens;
5. windows are merged and the padding is cropped.
"""

import math
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmengine.model import BaseModule
from torch import Tensor

from fastervit_mm.registry import MODELS

from .attention import WindowAttention
from .drop_path import DropPath
from .inplace import add_residual
from .mlp import Mlp
from .pos_embed import MLPPositionEmbedding
from .windows import (
    WindowGrid,
    published_carrier_shuffle,
    shifted_window_mask,
    window_gather,
    window_partition,
    window_reverse,
)


def carrier_pooling(size: int, num_tokens: int) -> Tuple[int, int]:
    """(kernel, stride) of the published carrier-token pooling along one axis of ``size`` pixels.

    ``stride = floor(size / num_tokens)`` and ``kernel = size - (num_tokens - 1) * stride``, which
    yields exactly ``num_tokens`` outputs; the kernel grows with the map (overlapping pools).
    """
    stride = size // num_tokens
    return size - (num_tokens - 1) * stride, stride


class TokenInitializer(nn.Module):
    """Carrier-token initialiser: ``AvgPool(DWConv3x3(x))`` flattened window-major.

    Kernel and stride of the pooling come from the run-time grid (:func:`carrier_pooling`), so any
    input size works. The published model registered the conv twice (``pos_embed`` and
    ``to_global_feature.pos``); :mod:`fastervit_mm.checkpoint` maps the alias on load.

    Args:
        dim (int): Channels.
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: Tensor, grid: WindowGrid) -> Tensor:
        """x: padded (B, C, Hp, Wp) map -> carrier tokens (B, N_ct, C), window-major."""
        B, C = x.shape[:2]
        kh, sh = carrier_pooling(grid.padded_height, grid.ct_rows)
        kw, sw = carrier_pooling(grid.padded_width, grid.ct_cols)
        x = F.avg_pool2d(self.pos_embed(x), (kh, kw), (sh, sw))
        return window_partition(x.permute(0, 2, 3, 1), grid.ct_size).reshape(B, -1, C)


class HATPositions(NamedTuple):
    """Position terms of one HAT block for one geometry (see :meth:`HAT.position_terms`)."""

    window_embed: Tensor
    window_bias: Tensor
    carrier_embed: Optional[Tensor] = None
    carrier_bias: Optional[Tensor] = None
    propagation_index: Optional[Tensor] = None
    #: Carrier-token permutation of :class:`PublishedAnyResHAT` (None for :class:`HAT`).
    carrier_shuffle: Optional[Tensor] = None


def _scale(gamma: Optional[Tensor], x: Tensor) -> Tensor:
    return x if gamma is None else gamma * x


@MODELS.register_module()
class HAT(BaseModule):
    """Hierarchical Attention block (FasterViT, ICLR 2024).

    Window tokens ``x`` (B * nW, w*w, C) and carrier tokens ``ct`` (B, nW * ct_size**2, C, window-
    major) are processed as follows:

    0. ``x += window position embedding``;
    1. if carrier tokens are active: ``ct += carrier position embedding``; global carrier
       self-attention and MLP (pre-norm, residual, layer scale ``gamma1``/``gamma2``); each window
       gets its ``ct_size**2`` tokens prepended;
    2. window attention over ``[ct_w; x]`` with the window bias (carrier rows/columns get bias 0)
       and MLP (``gamma3``/``gamma4``);
    3. split; with ``do_propagation`` (last block of a stage) the carrier tokens are
       nearest-upsampled onto their window and added to ``x`` (scaled by ``gamma1``).

    Without carrier tokens (``ct`` None) only steps 0 and 2 run. The geometry-dependent position
    terms come from :meth:`position_terms`, computed once per geometry by the caller.

    Args:
        dim (int): Channels.
        num_heads (int): Attention heads.
        window_size (int): Window side. Defaults to 7.
        ct_size (int): Carrier-token window side. Defaults to 2.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        qkv_bias (bool): Bias in the qkv projections. Defaults to True.
        qk_scale (float, optional): Attention logit scale. Defaults to ``head_dim ** -0.5``.
        drop (float): Dropout after the MLPs and projections. Defaults to 0.
        attn_drop (float): Dropout on attention weights. Defaults to 0.
        drop_path (float): Stochastic depth rate. Defaults to 0.
        layer_scale (float, optional): Initial value of ``gamma1..4``; scalar 1 when None.
            Defaults to None.
        hat (bool): Whether the carrier-token modules exist. Defaults to True.
        carrier_pos_embed (bool): Whether carrier tokens get a position embedding
            (``hat_pos_embed``). Defaults to True.
        do_propagation (bool): Add the carrier tokens back to their windows at the end.
            Defaults to False.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window_size: int = 7,
        ct_size: int = 2,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_scale: Optional[float] = None,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        layer_scale: Optional[float] = None,
        hat: bool = True,
        carrier_pos_embed: bool = True,
        do_propagation: bool = False,
        with_cp: bool = False,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.window_size = window_size
        self.ct_size = ct_size
        self.hat = hat
        self.do_propagation = do_propagation and hat
        self.with_cp = with_cp
        hidden = int(dim * mlp_ratio)

        def gamma() -> Optional[nn.Parameter]:
            if layer_scale is None:
                return None
            return nn.Parameter(layer_scale * torch.ones(dim))

        self.pos_embed = MLPPositionEmbedding(dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = WindowAttention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, hidden, drop)
        self.gamma3, self.gamma4 = gamma(), gamma()
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        if hat:
            self.hat_norm1 = nn.LayerNorm(dim, eps=1e-5)
            self.hat_attn = WindowAttention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
            self.hat_norm2 = nn.LayerNorm(dim, eps=1e-5)
            self.hat_mlp = Mlp(dim, hidden, drop)
            self.hat_pos_embed = MLPPositionEmbedding(dim) if carrier_pos_embed else None
            self.gamma1, self.gamma2 = gamma(), gamma()

    def position_terms(self, grid: WindowGrid) -> HATPositions:
        """Evaluate every position MLP of this block once for ``grid``."""
        w, ct = grid.window, self.ct_size
        if not grid.carrier:
            return HATPositions(self.pos_embed(w, w), self.attn.pos_emb_funct(w, w))
        if not self.hat:
            raise ValueError('carrier tokens are active in the grid but this block has hat=False')
        device = self.attn.qkv.weight.device
        carrier_embed = None
        if self.hat_pos_embed is not None:
            carrier_embed = self.hat_pos_embed(grid.ct_rows, grid.ct_cols, window=ct)
        propagation = _nearest_index(ct, w, device) if self.do_propagation else None
        return HATPositions(
            self.pos_embed(w, w),
            self.attn.pos_emb_funct(w, w, num_prefix=ct * ct),
            carrier_embed,
            self.carrier_bias(grid),
            propagation_index=propagation,
        )

    def carrier_bias(self, grid: WindowGrid) -> Tensor:
        """Bias (heads, N_ct, N_ct) of the carrier attention on ``grid``'s carrier grid."""
        return self.hat_attn.pos_emb_funct(grid.ct_rows, grid.ct_cols, window=self.ct_size)

    def forward(self, x: Tensor, ct: Optional[Tensor], pos: HATPositions) -> Tuple[Tensor, Tensor]:
        """x: (B * nW, w*w, C) windows; ct: (B, N_ct, C) window-major carrier tokens or None.

        Returns:
            tuple: the updated ``x`` and ``ct``.
        """
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, ct, pos, use_reentrant=False)
        return self._forward(x, ct, pos)

    def _forward(self, x: Tensor, ct: Optional[Tensor], pos: HATPositions):
        x = x + pos.window_embed
        if ct is not None:
            B, N, C = ct.shape
            n_ct = self.ct_size**2
            ct = self._carrier_step(ct, pos)
            x = torch.cat([ct.reshape(-1, n_ct, C), x], dim=1)
        x = add_residual(
            x, self.drop_path(_scale(self.gamma3, self.attn(self.norm1(x), pos.window_bias)))
        )
        x = add_residual(x, self.drop_path(_scale(self.gamma4, self.mlp(self.norm2(x)))))
        if ct is not None:
            ct_w, x = x.split([n_ct, x.shape[1] - n_ct], dim=1)
            ct = ct_w.reshape(B, N, C)
            if pos.propagation_index is not None:
                x = self._propagate(x, ct_w, pos)
        return x, ct

    def _propagate(self, x: Tensor, ct_w: Tensor, pos: HATPositions) -> Tensor:
        """Step 3: each window's carrier tokens, nearest-upsampled onto it, added to ``x``."""
        return x + _scale(self.gamma1, ct_w[:, pos.propagation_index])

    def _carrier_step(self, ct: Tensor, pos: HATPositions) -> Tensor:
        """Step 1 on the carrier tokens: position embedding, global attention and MLP."""
        if pos.carrier_embed is not None:
            ct = ct + pos.carrier_embed
        ct = add_residual(
            ct,
            self.drop_path(
                _scale(self.gamma1, self.hat_attn(self.hat_norm1(ct), pos.carrier_bias))
            ),
        )
        return add_residual(
            ct, self.drop_path(_scale(self.gamma2, self.hat_mlp(self.hat_norm2(ct))))
        )


@MODELS.register_module()
class PublishedAnyResHAT(HAT):
    """:class:`HAT` as the published any-resolution model computes it (``compat_anyres``).

    That code has two carrier-token bugs on non-square window grids, reproduced here so that its
    weights run at their non-square training size:

    * its raster -> window-major conversion swaps the axes, so after every carrier-attention step
      the carrier tokens move to other windows (:func:`~.windows.published_carrier_shuffle`);
    * the carrier bias is built for a square grid of side ``int(sqrt(N_ct))``, with zero bias for
      the remaining leading tokens.

    Carrier tokens get no position embedding (``hat_pos_embed`` does not exist). On square grids
    the result equals :class:`HAT` without carrier position embedding. Takes the arguments of
    :class:`HAT` except ``carrier_pos_embed``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, carrier_pos_embed=False, **kwargs)

    def position_terms(self, grid: WindowGrid) -> HATPositions:
        pos = super().position_terms(grid)
        if not grid.carrier:
            return pos
        shuffle = published_carrier_shuffle(
            grid.ct_rows, grid.ct_cols, self.ct_size, self.attn.qkv.weight.device
        )
        return pos._replace(carrier_shuffle=shuffle)

    def carrier_bias(self, grid: WindowGrid) -> Tensor:
        n = grid.num_carrier
        side = math.isqrt(n)
        bias = self.hat_attn.pos_emb_funct(side, side, num_prefix=n - side * side)
        order = window_gather(grid.ct_rows, grid.ct_cols, self.ct_size, bias.device)
        return bias[:, order][:, :, order]

    def _carrier_step(self, ct: Tensor, pos: HATPositions) -> Tensor:
        ct = super()._carrier_step(ct, pos)
        return ct if pos.carrier_shuffle is None else ct[:, pos.carrier_shuffle]


def _nearest_index(ct_size: int, window: int, device=None) -> Tensor:
    """For every token of a window, the carrier token that nearest upsampling maps onto it."""
    idx = torch.arange(ct_size * ct_size, dtype=torch.float32).view(1, 1, ct_size, ct_size)
    idx = F.interpolate(idx, size=(window, window), mode='nearest')
    return idx.view(-1).long().to(device)


class HATStage(nn.Module):
    """A transformer stage of :class:`HAT` blocks for inputs of any size.

    Pads the map to whole windows (bottom/right, zeros), builds carrier tokens from the padded map
    when HAT is on and there is more than one window, runs the blocks with position terms computed
    once for the run-time geometry, and crops back. ``forward`` returns the map before
    ``downsample``; the caller applies it.

    Args:
        dim (int): Channels.
        depth (int): Number of blocks.
        num_heads (int): Attention heads.
        window_size (int): Window side.
        ct_size (int): Carrier-token window side. Defaults to 2.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        qkv_bias (bool): Bias in the qkv projections. Defaults to True.
        qk_scale (float, optional): Attention logit scale. Defaults to None.
        drop (float): Dropout rate. Defaults to 0.
        attn_drop (float): Attention dropout rate. Defaults to 0.
        drop_path (Sequence[float]): Stochastic depth rate of each block. Defaults to zeros.
        layer_scale (float, optional): Layer-scale initial value. Defaults to None.
        hat (bool): Hierarchical attention (carrier tokens). Defaults to False.
        do_propagation (bool): Propagate carrier tokens in the last block. Defaults to False.
        block_type (type): The block class, :class:`HAT` or a subclass such as
            :class:`PublishedAnyResHAT`. Defaults to :class:`HAT`.
        downsample (nn.Module, optional): Applied by the caller after the stage. Defaults to None.
        shift_size (int): Swin-style shifted windows in every second block when > 0 and the map
            has more than one window. FasterViT uses 0. Defaults to 0.
        with_cp (bool): Gradient checkpointing in every block. Defaults to False.
    """

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        window_size: int,
        ct_size: int = 2,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        qk_scale: Optional[float] = None,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: Sequence[float] = (),
        layer_scale: Optional[float] = None,
        hat: bool = False,
        do_propagation: bool = False,
        block_type: type = HAT,
        downsample: Optional[nn.Module] = None,
        shift_size: int = 0,
        with_cp: bool = False,
    ) -> None:
        super().__init__()
        if not 0 <= shift_size < window_size:
            raise ValueError(f'shift_size must be in [0, window_size), got {shift_size}')
        self.window_size = window_size
        self.shift_size = shift_size
        self.ct_size = ct_size
        self.hat = hat
        drop_path = list(drop_path) or [0.0] * depth
        self.blocks = nn.ModuleList(
            [
                block_type(
                    dim,
                    num_heads,
                    window_size,
                    ct_size,
                    mlp_ratio,
                    qkv_bias,
                    qk_scale,
                    drop,
                    attn_drop,
                    drop_path[j],
                    layer_scale,
                    hat=hat,
                    do_propagation=do_propagation and j == depth - 1,
                    with_cp=with_cp,
                )
                for j in range(depth)
            ]
        )
        self.global_tokenizer = TokenInitializer(dim) if hat else None
        self.downsample = downsample

    def grid(self, height: int, width: int) -> WindowGrid:
        """The geometry this stage uses for a ``height x width`` map."""
        return WindowGrid.from_size(height, width, self.window_size, self.ct_size, self.hat)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, C, H, W), before ``downsample``."""
        H, W = x.shape[-2:]
        grid = self.grid(H, W)
        pad_h, pad_w = grid.padded_height - H, grid.padded_width - W
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        ct = self.global_tokenizer(x, grid) if grid.carrier else None
        x = window_partition(x.permute(0, 2, 3, 1), grid.window)
        positions = [blk.position_terms(grid) for blk in self.blocks]
        shift = self.shift_size if grid.num_windows > 1 else 0
        for j, (blk, pos) in enumerate(zip(self.blocks, positions)):
            if shift and j % 2:
                x, ct = self._shifted_block(blk, x, ct, pos, grid, shift)
            else:
                x, ct = blk(x, ct, pos)
        x = window_reverse(x, grid.window, grid.rows, grid.cols)
        if pad_h or pad_w:
            x = x[:, :H, :W]
        return x.permute(0, 3, 1, 2)

    @staticmethod
    def _shifted_block(
        blk: HAT, x: Tensor, ct: Optional[Tensor], pos: HATPositions, grid: WindowGrid, shift: int
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """Run ``blk`` on windows of the map rolled by ``-shift`` (Swin), then roll back."""
        w, rows, cols = grid.window, grid.rows, grid.cols
        n_prefix = pos.window_bias.shape[-1] - w * w
        mask = shifted_window_mask(rows, cols, w, shift, n_prefix, x.device)
        pos = pos._replace(window_bias=pos.window_bias + mask[:, None])
        x = torch.roll(window_reverse(x, w, rows, cols), (-shift, -shift), (1, 2))
        x, ct = blk(window_partition(x, w), ct, pos)
        x = torch.roll(window_reverse(x, w, rows, cols), (shift, shift), (1, 2))
        return window_partition(x, w), ct

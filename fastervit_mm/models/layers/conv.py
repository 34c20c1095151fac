# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The convolutional parts of FasterViT: stem, ConvBlock, Downsample and the conv stage.

Module names follow the published model, so its checkpoints load without renaming.
"""

from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from fastervit_mm.compat import is_compiling

from .drop_path import DropPath
from .inference_cache import InferenceCache
from .inplace import GELU, add_residual
from .norm import LayerNorm2d, build_norm


def fold_batchnorm(conv: nn.Conv2d, norm: _BatchNorm) -> nn.Conv2d:
    """A new convolution computing ``norm(conv(x))`` for a BatchNorm using running statistics."""
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.weight is not None:
        scale = scale * norm.weight
    shift = -norm.running_mean if conv.bias is None else conv.bias - norm.running_mean
    shift = shift * scale
    if norm.bias is not None:
        shift = shift + norm.bias
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        conv.dilation,
        conv.groups,
        bias=True,
        device=conv.weight.device,
        dtype=conv.weight.dtype,
    )
    with torch.no_grad():
        fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        fused.bias.copy_(shift)
    return fused.requires_grad_(False)


def fold_layers(layers: Sequence[nn.Module]) -> List[nn.Module]:
    """``layers`` with every Conv2d -> eval-mode BatchNorm pair replaced by one folded Conv2d."""
    out = []
    for layer in layers:
        if (
            out
            and isinstance(layer, _BatchNorm)
            and layer.running_var is not None
            and type(out[-1]) is nn.Conv2d
            and out[-1].padding_mode == 'zeros'
        ):
            out[-1] = fold_batchnorm(out[-1], layer)
        else:
            out.append(layer)
    return out


class ConvNormChain(InferenceCache):
    """Base of modules computing a chain of layers with conv -> BatchNorm pairs (:meth:`layers`).

    :meth:`run_layers` is the reference ``for layer in layers: x = layer(x)``. In inference it
    runs the chain with each BatchNorm folded into its convolution (:func:`fold_layers`), which
    saves a pass over the map; the folded convs are computed once and dropped whenever the weights
    may change (:class:`~.inference_cache.InferenceCache`; here also in deploy mode).
    """

    def layers(self) -> Sequence[nn.Module]:
        raise NotImplementedError

    def cache_applies(self) -> bool:
        return not (
            self.training or torch.is_grad_enabled() or is_compiling() or torch.jit.is_tracing()
        )

    def run_layers(self, x: Tensor) -> Tensor:
        layers = self.layers()
        if self.cache_applies() and not any(m.training for m in layers):
            layers = self.cached('folded', lambda: fold_layers(layers))
        for layer in layers:
            x = layer(x)
        return x

    def fold_batchnorms_(self) -> None:
        """Replace, for good, each conv -> eval-mode BatchNorm pair by the folded conv and an
        ``nn.Identity`` (for export: the graph then holds one conv per pair)."""
        if any(m.training for m in self.layers() if isinstance(m, _BatchNorm)):
            raise RuntimeError('fold_batchnorms_ folds running statistics: call eval() first')
        folded = iter(fold_layers(self.layers()))
        names = {id(m): name for name, m in self.named_modules()}
        current = next(folded)
        for layer in self.layers():
            parent, _, attr = names[id(layer)].rpartition('.')
            owner = self.get_submodule(parent) if parent else self
            if current is layer:
                current = next(folded, None)
            elif isinstance(layer, _BatchNorm):
                setattr(owner, attr, nn.Identity())
            else:  # the conv that ``current`` folds
                setattr(owner, attr, current)
                current = next(folded, None)
        self.clear_inference_cache()

    def train(self, mode: bool = True) -> 'ConvNormChain':
        self.clear_inference_cache()  # also in deploy mode: training changes the convs
        return super().train(mode)


class Stem(ConvNormChain):
    """Conv3x3/2 -> BN -> ReLU -> Conv3x3/2 -> BN -> ReLU (output stride 4; ``patch_embed``).

    Args:
        in_channels (int): Image channels. Defaults to 3.
        mid_channels (int): Channels after the first conv (``in_dim``). Defaults to 64.
        out_channels (int): Channels of the stride-4 map (``dim``). Defaults to 96.
        norm_cfg (dict): Norm layer config. The published BatchNorm eps here is 1e-4.
            Defaults to ``dict(type='BN')``.
    """

    def __init__(
        self,
        in_channels: int = 3,
        mid_channels: int = 64,
        out_channels: int = 96,
        norm_cfg: dict = dict(type='BN'),
    ) -> None:
        super().__init__()
        self.conv_down = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, 3, 2, 1, bias=False),
            build_norm(norm_cfg, mid_channels, eps=1e-4),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, 3, 2, 1, bias=False),
            build_norm(norm_cfg, out_channels, eps=1e-4),
            nn.ReLU(inplace=True),
        )

    def layers(self) -> Sequence[nn.Module]:
        return tuple(self.conv_down)

    def forward(self, x: Tensor) -> Tensor:
        return self.run_layers(x)


class ConvBlock(ConvNormChain):
    """Residual ``x + DropPath(gamma * BN(Conv(GELU(BN(Conv(x))))))`` with 3x3 convs.

    Args:
        dim (int): Channels.
        drop_path (float): Stochastic depth rate. Defaults to 0.
        layer_scale (float, optional): Initial value of the per-channel ``gamma``; no ``gamma``
            exists when None (every published variant). Defaults to None.
        norm_cfg (dict): Norm layer config (BatchNorm eps 1e-5). Defaults to ``dict(type='BN')``.
        with_cp (bool): Gradient checkpointing. Defaults to False.
    """

    def __init__(
        self,
        dim: int,
        drop_path: float = 0.0,
        layer_scale: Optional[float] = None,
        norm_cfg: dict = dict(type='BN'),
        with_cp: bool = False,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(dim, dim, 3, 1, 1)
        self.norm1 = build_norm(norm_cfg, dim, eps=1e-5)
        self.act1 = GELU(inplace=True)
        self.conv2 = nn.Conv2d(dim, dim, 3, 1, 1)
        self.norm2 = build_norm(norm_cfg, dim, eps=1e-5)
        if layer_scale is not None:
            self.gamma = nn.Parameter(layer_scale * torch.ones(dim))
        else:
            self.gamma = None
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.with_cp = with_cp

    def layers(self) -> Sequence[nn.Module]:
        return self.conv1, self.norm1, self.act1, self.conv2, self.norm2

    def _forward(self, x: Tensor) -> Tensor:
        y = self.run_layers(x)
        if self.gamma is not None:
            y = y * self.gamma.view(1, -1, 1, 1)
        return add_residual(x, self.drop_path(y))

    def forward(self, x: Tensor) -> Tensor:
        if self.with_cp and x.requires_grad:
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)


class Downsample(nn.Module):
    """Channel LayerNorm (eps 1e-6) then Conv3x3/2 doubling the channels (pre-norm).

    Args:
        dim (int): Input channels.
        out_dim (int, optional): Output channels. Defaults to ``2 * dim``.
    """

    def __init__(self, dim: int, out_dim: Optional[int] = None) -> None:
        super().__init__()
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.reduction = nn.Sequential(nn.Conv2d(dim, out_dim or 2 * dim, 3, 2, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        return self.reduction(self.norm(x))


class ConvStage(nn.Module):
    """A stage of :class:`ConvBlock` s followed by an optional :class:`Downsample`.

    ``forward`` returns the map before the downsample; the caller applies ``downsample``.

    Args:
        dim (int): Channels.
        depth (int): Number of blocks.
        drop_path (Sequence[float]): Stochastic depth rate of each block.
        layer_scale (float, optional): See :class:`ConvBlock`. Defaults to None.
        downsample (nn.Module, optional): Applied by the caller after the stage. Defaults to None.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        with_cp (bool): Gradient checkpointing in every block. Defaults to False.
    """

    def __init__(
        self,
        dim: int,
        depth: int,
        drop_path: Sequence[float] = (),
        layer_scale: Optional[float] = None,
        downsample: Optional[nn.Module] = None,
        norm_cfg: dict = dict(type='BN'),
        with_cp: bool = False,
    ) -> None:
        super().__init__()
        drop_path = list(drop_path) or [0.0] * depth
        self.blocks = nn.ModuleList(
            [ConvBlock(dim, drop_path[j], layer_scale, norm_cfg, with_cp) for j in range(depth)]
        )
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        for blk in self.blocks:
            x = blk(x)
        return x

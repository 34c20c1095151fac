# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""SwinHAT: a Swin Transformer layout with FasterViT's Hierarchical Attention plugged in.

The paper shows HAT as a plug-and-play module by adding carrier tokens to Swin-T's window
attention. This backbone keeps Swin's layout (4x4 patch embedding, four transformer stages with
shifted windows in every second block, patch merging, one LayerNorm per output) and uses
:class:`~..layers.hat.HAT` blocks, so every window also attends to its carrier tokens, which in
turn attend to each other across the whole image. Window attention uses the continuous position
bias of FasterViT, so any input size works. No published weights exist for it.
"""

import copy
from typing import Dict, List, Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from fastervit_mm.registry import MODELS

from ..layers.hat import HATStage
from ..layers.norm import LayerNorm2d
from .base import HierarchicalBackbone


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch x patch`` conv embedding + LayerNorm; pads to whole patches."""

    def __init__(self, in_channels: int, dim: int, patch: int = 4) -> None:
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_channels, dim, patch, patch)
        self.norm = LayerNorm2d(dim, eps=1e-5)

    def forward(self, x: Tensor) -> Tensor:
        H, W = x.shape[-2:]
        x = F.pad(x, (0, -W % self.patch, 0, -H % self.patch))
        return self.norm(self.proj(x))


class PatchMerging(nn.Module):
    """Swin patch merging: 2x2 neighbours concatenated, LayerNorm(4C), Linear(4C -> 2C)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        H, W = x.shape[-2:]
        x = F.pixel_unshuffle(F.pad(x, (0, W % 2, 0, H % 2)), 2)
        return self.reduction(self.norm(x.permute(0, 2, 3, 1))).permute(0, 3, 1, 2)


@MODELS.register_module()
class SwinHAT(HierarchicalBackbone):
    """Swin Transformer with Hierarchical Attention (carrier tokens) in its window attention.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'``, ``'large'`` (or their initials), or
            a dict with ``embed_dims``, ``depths`` and ``num_heads``. Defaults to ``'tiny'``.
        in_channels (int): Image channels. Defaults to 3.
        window_size (int): Window side. Defaults to 7.
        ct_size (int): Carrier-token window side. Defaults to 2.
        hat (bool | Sequence[bool]): Carrier tokens per stage. A stage whose map is a single
            window skips them (its HAT parameters then get no gradient: DDP needs
            ``find_unused_parameters`` for such inputs). Defaults to (True, True, True, False), as
            FasterViT, since at 224 the last map is one window.
        shift (bool): Swin's shifted windows in every second block. Defaults to True.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        qkv_bias (bool): Bias in the qkv projections. Defaults to True.
        drop_rate (float): Dropout rate. Defaults to 0.
        attn_drop_rate (float): Attention dropout rate. Defaults to 0.
        drop_path_rate (float): Stochastic depth, linear over all blocks. Defaults to 0.1.
        layer_scale (float, optional): Layer-scale initial value. Defaults to None.
        do_propagation (bool): Add carrier tokens back to their windows at the end of each stage.
            Defaults to False.
        out_indices (Sequence[int] | int): Output stages (strides 4/8/16/32).
            Defaults to (0, 1, 2, 3).
        frozen_stages (int): -1 nothing, 0 the patch embedding, k the embedding and stages
            0..k-1 (as mmdet's Swin). Defaults to -1.
        norm_eval (bool): Keep BatchNorms in eval mode (there are none unless added).
            Defaults to False.
        with_cp (bool): Gradient checkpointing in every block. Defaults to False.
        deploy (bool): Start in deploy mode (cached position terms). Defaults to False.
        init_cfg (dict | list[dict], optional): Initialisation config. Defaults to None.
    """

    arch_zoo: Dict[str, dict] = {
        'tiny': dict(embed_dims=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24]),
        'small': dict(embed_dims=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24]),
        'base': dict(embed_dims=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32]),
        'large': dict(embed_dims=192, depths=[2, 2, 18, 2], num_heads=[6, 12, 24, 48]),
    }
    arch_required_keys = ('embed_dims', 'depths', 'num_heads')

    def __init__(
        self,
        arch: Union[str, dict] = 'tiny',
        in_channels: int = 3,
        window_size: int = 7,
        ct_size: int = 2,
        hat: Union[bool, Sequence[bool]] = (True, True, True, False),
        shift: bool = True,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.1,
        layer_scale: Optional[float] = None,
        do_propagation: bool = False,
        out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
        frozen_stages: int = -1,
        norm_eval: bool = False,
        with_cp: bool = False,
        deploy: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        s = self.arch_settings = self.parse_arch(arch)
        self._set_common(
            in_channels,
            s['depths'],
            [s['embed_dims'] * 2**i for i in range(4)],
            out_indices,
            frozen_stages,
            norm_eval,
        )
        if isinstance(hat, bool):
            hat = [hat] * self.num_stages
        if len(hat) != self.num_stages:
            raise ValueError(f'hat must be a bool or {self.num_stages} bools, got {hat!r}')

        self.patch_embed = PatchEmbed(in_channels, self.channels[0])
        self.levels = nn.ModuleList()
        for i, (depth, rates) in enumerate(zip(self.depths, self._drop_path_rates(drop_path_rate))):
            last = i == self.num_stages - 1
            self.levels.append(
                HATStage(
                    self.channels[i],
                    depth,
                    s['num_heads'][i],
                    window_size,
                    ct_size=ct_size,
                    mlp_ratio=mlp_ratio,
                    qkv_bias=qkv_bias,
                    drop=drop_rate,
                    attn_drop=attn_drop_rate,
                    drop_path=rates,
                    layer_scale=layer_scale,
                    hat=hat[i],
                    do_propagation=do_propagation,
                    downsample=None if last else PatchMerging(self.channels[i]),
                    shift_size=window_size // 2 if shift else 0,
                    with_cp=with_cp,
                )
            )
        for i in self.out_indices:
            self.add_module(f'norm{i}', LayerNorm2d(self.channels[i], eps=1e-5))
        self._finish_init(deploy)

    @classmethod
    def parse_arch(cls, arch: Union[str, dict]) -> dict:
        """Resolve ``arch`` (a name, its initial, or a dict) into a validated settings dict."""
        if isinstance(arch, str):
            names = {**{k: k for k in cls.arch_zoo}, **{k[0]: k for k in cls.arch_zoo}}
            if arch.lower() not in names:
                raise ValueError(f'Unknown SwinHAT arch {arch!r}; valid: {sorted(names)}')
            return copy.deepcopy(cls.arch_zoo[names[arch.lower()]])
        if not isinstance(arch, dict):
            raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')
        if set(arch) != set(cls.arch_required_keys):
            raise ValueError(
                f'A custom SwinHAT arch needs exactly the keys '
                f'{list(cls.arch_required_keys)}, got {sorted(arch)}'
            )
        if len(arch['depths']) != cls.num_stages or len(arch['num_heads']) != cls.num_stages:
            raise ValueError(f'depths and num_heads need {cls.num_stages} entries each')
        return copy.deepcopy(arch)

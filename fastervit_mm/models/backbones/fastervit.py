# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""FasterViT backbone (Hatamizadeh et al., "FasterViT: Fast Vision Transformers with Hierarchical
Attention", ICLR 2024), written from the paper and a behavioural specification of the published
model, for mmdet / mmseg / mmpretrain.

Layout: conv stem (stride 4) -> two stages of :class:`~..layers.conv.ConvBlock` -> two stages of
:class:`~..layers.hat.HAT` blocks; a ``Downsample`` ends stages 1-3. Module names are those of the
published model, so its checkpoints (``fastervit_*.pth.tar``) load through
``init_cfg=dict(type='Pretrained', checkpoint=...)`` without conversion.
"""

import copy
import numbers
from typing import Dict, List, Optional, Sequence, Union

import torch.nn as nn

from fastervit_mm.checkpoint.published import published_to_backbone
from fastervit_mm.compat import register_load_state_dict_pre_hook
from fastervit_mm.registry import MODELS

from ..layers.conv import ConvStage, Downsample, Stem
from ..layers.hat import HAT, HATStage, PublishedAnyResHAT
from ..layers.norm import LayerNorm2d, build_norm
from .base import HierarchicalBackbone
from .variants import ALIASES, VARIANTS


@MODELS.register_module()
class FasterViT(HierarchicalBackbone):
    """FasterViT backbone with Hierarchical Attention, for any input size.

    Args:
        arch (str | dict): A name of :attr:`arch_zoo` (official factory names such as
            ``'faster_vit_0_224'`` or short aliases ``'0'`` ... ``'6'``, ``'4-21k-384'``, see
            :attr:`arch_aliases`), or a dict with the published constructor's keywords: required
            ``dim, in_dim, depths, num_heads, window_size, ct_size, mlp_ratio, hat``; optional
            ``layer_scale`` (None), ``layer_scale_conv`` (None), ``layer_norm_last`` (False),
            ``do_propagation`` (False), ``qkv_bias`` (True). ``window_size`` and ``hat`` may be a
            single value or one per stage. Defaults to ``'faster_vit_0_224'``.
        in_channels (int): Image channels. Defaults to 3.
        out_indices (Sequence[int] | int): Stages whose outputs are returned (0-3, negative
            allowed). Stage ``i`` has stride ``2 ** (i + 2)`` and ``dim * 2 ** i`` channels; its map
            is taken before the downsample and passed through its own norm ``norm{i}``.
            Defaults to (0, 1, 2, 3).
        frozen_stages (int): mmdet ResNet semantics: -1 freezes nothing, 0 the stem, k >= 1 the
            stem and stages 0..k-1 (with their downsample and output norms). Applied at
            construction and in :meth:`train`. Defaults to -1.
        norm_eval (bool): Keep every BatchNorm in eval mode during training. Defaults to False.
        norm_cfg (dict): Norm of the convolutional parts (stem, ConvBlocks): ``'BN'`` or
            ``'SyncBN'``; the published eps (1e-4 stem, 1e-5 blocks) apply unless ``eps`` is given.
            Defaults to ``dict(type='BN')``.
        out_norm_cfg (dict, optional): Norm of the outputs. None picks the published final norm's
            type for every output: ``norm_cfg`` (eps 1e-5), or a channel LayerNorm (eps 1e-6) when
            the arch has ``layer_norm_last``. The published final ``norm`` loads into ``norm3``.
            Defaults to None.
        drop_path_rate (float): Stochastic depth, linear from 0 over all blocks (conv blocks
            included). The published ImageNet runs used 0.2-0.5. Defaults to 0.
        drop_rate (float): Dropout in the transformer MLPs and projections. Defaults to 0.
        attn_drop_rate (float): Attention dropout. Defaults to 0.
        with_cp (bool): Gradient checkpointing in every block. Defaults to False.
        compat_anyres (bool | Sequence[bool]): Compatibility switch reproducing the published
            any-resolution model (``faster_vit_*_any_res``) on non-square window grids, per stage
            or for all: carrier tokens are handed to the wrong windows after every carrier
            attention (its window/de-window helpers swap the axes), the carrier attention bias is
            built for a square grid of side ``int(sqrt(N_ct))`` and zero elsewhere, and carrier
            tokens get no position embedding (``hat_pos_embed`` does not exist). Use it only to
            run weights trained with that code at their non-square size. Defaults to False.
        deploy (bool): Start in deploy mode (:meth:`switch_to_deploy`). Defaults to False.
        init_cfg (dict | list[dict], optional): Initialisation config, e.g.
            ``dict(type='Pretrained', checkpoint='fastervit_0_224_1k.pth.tar')``. Defaults to None.
    """

    #: The published variants' constructor keywords, from the variant table
    #: (:mod:`~fastervit_mm.models.backbones.variants`).
    arch_zoo: Dict[str, dict] = {name: v.arch for name, v in VARIANTS.items()}
    #: Short names: '0'...'6', 'faster_vit_0'..., '4-21k-224'/'4-21k-384'/'4-21k-512'/'4-21k-768'.
    arch_aliases: Dict[str, str] = {a: n for a, n in ALIASES.items() if n in VARIANTS}
    arch_required_keys = (
        'dim',
        'in_dim',
        'depths',
        'num_heads',
        'window_size',
        'ct_size',
        'mlp_ratio',
        'hat',
    )
    arch_optional_keys = dict(
        layer_scale=None,
        layer_scale_conv=None,
        layer_norm_last=False,
        do_propagation=False,
        qkv_bias=True,
    )

    def __init__(
        self,
        arch: Union[str, dict] = 'faster_vit_0_224',
        in_channels: int = 3,
        out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
        frozen_stages: int = -1,
        norm_eval: bool = False,
        norm_cfg: dict = dict(type='BN'),
        out_norm_cfg: Optional[dict] = None,
        drop_path_rate: float = 0.0,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        with_cp: bool = False,
        compat_anyres: Union[bool, Sequence[bool]] = False,
        deploy: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, rate in (
            ('drop_path_rate', drop_path_rate),
            ('drop_rate', drop_rate),
            ('attn_drop_rate', attn_drop_rate),
        ):
            if not 0 <= rate < 1:
                raise ValueError(f'{name} must be in [0, 1), got {rate}')
        s = self.arch_settings = self.parse_arch(arch)
        self._set_common(
            in_channels,
            s['depths'],
            [s['dim'] * 2**i for i in range(4)],
            out_indices,
            frozen_stages,
            norm_eval,
        )
        if isinstance(compat_anyres, bool):
            compat_anyres = [compat_anyres] * self.num_stages
        if len(compat_anyres) != self.num_stages:
            raise ValueError(
                f'compat_anyres must be a bool or {self.num_stages} bools, got {compat_anyres!r}'
            )
        self.compat_anyres = [bool(c) for c in compat_anyres]

        self.patch_embed = Stem(in_channels, s['in_dim'], s['dim'], norm_cfg)
        self.levels = nn.ModuleList()
        for i, (depth, rates) in enumerate(zip(self.depths, self._drop_path_rates(drop_path_rate))):
            downsample = Downsample(self.channels[i]) if i < self.num_stages - 1 else None
            if i < 2:
                stage = ConvStage(
                    self.channels[i],
                    depth,
                    rates,
                    s['layer_scale_conv'],
                    downsample,
                    norm_cfg,
                    with_cp,
                )
            else:
                stage = HATStage(
                    self.channels[i],
                    depth,
                    s['num_heads'][i],
                    s['window_size'][i],
                    ct_size=s['ct_size'],
                    mlp_ratio=s['mlp_ratio'],
                    qkv_bias=s['qkv_bias'],
                    drop=drop_rate,
                    attn_drop=attn_drop_rate,
                    drop_path=rates,
                    layer_scale=s['layer_scale'],
                    hat=s['hat'][i],
                    do_propagation=s['do_propagation'],
                    block_type=PublishedAnyResHAT if self.compat_anyres[i] else HAT,
                    downsample=downsample,
                    with_cp=with_cp,
                )
            self.levels.append(stage)

        for i in self.out_indices:
            self.add_module(f'norm{i}', self._build_out_norm(out_norm_cfg, norm_cfg, i))

        register_load_state_dict_pre_hook(self, self._load_official_names)
        self._finish_init(deploy)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def parse_arch(cls, arch: Union[str, dict]) -> dict:
        """Resolve ``arch`` into a validated dict of the published constructor's keywords."""
        if isinstance(arch, str):
            name = cls.arch_aliases.get(arch.lower(), arch.lower())
            if name not in cls.arch_zoo:
                raise ValueError(
                    f'Unknown FasterViT arch {arch!r}; valid names: '
                    f'{sorted(cls.arch_zoo)}, aliases: {sorted(cls.arch_aliases)}'
                )
            return {**cls.arch_optional_keys, **copy.deepcopy(cls.arch_zoo[name])}
        if not isinstance(arch, dict):
            raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')
        unknown = set(arch) - set(cls.arch_required_keys) - set(cls.arch_optional_keys)
        if unknown:
            raise ValueError(
                f'Unknown arch keys {sorted(unknown)}; required keys: '
                f'{list(cls.arch_required_keys)}, optional keys with defaults: '
                f'{cls.arch_optional_keys}'
            )
        missing = [k for k in cls.arch_required_keys if k not in arch]
        if missing:
            raise ValueError(
                f'Custom arch misses required keys {missing}; required keys: '
                f'{list(cls.arch_required_keys)}'
            )
        s = {**cls.arch_optional_keys, **copy.deepcopy(arch)}
        for key in ('window_size', 'hat'):
            if not isinstance(s[key], (list, tuple)):
                s[key] = [s[key]] * cls.num_stages
        for key in ('depths', 'num_heads', 'window_size', 'hat'):
            s[key] = list(s[key])
            if len(s[key]) != cls.num_stages:
                raise ValueError(f'arch[{key!r}] must have {cls.num_stages} entries, got {s[key]}')
        cls._validate_arch(s)
        return s

    @classmethod
    def _validate_arch(cls, s: dict) -> None:
        """Reject settings that cannot build or cannot run, naming the key and the stage."""

        def positive_int(value) -> bool:
            return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0

        for key in ('dim', 'in_dim', 'ct_size'):
            if not positive_int(s[key]):
                raise ValueError(f'arch[{key!r}] must be a positive int, got {s[key]!r}')
        for key in ('depths', 'num_heads', 'window_size'):
            bad = [i for i, v in enumerate(s[key]) if not positive_int(v)]
            if bad:
                raise ValueError(
                    f'arch[{key!r}] must hold positive ints, got {s[key]} (stage {bad[0]})'
                )
        if not (isinstance(s['mlp_ratio'], numbers.Real) and s['mlp_ratio'] > 0):
            raise ValueError(f"arch['mlp_ratio'] must be a positive number, got {s['mlp_ratio']!r}")
        for key in ('layer_scale', 'layer_scale_conv'):
            if s[key] is not None and not isinstance(s[key], numbers.Real):
                raise ValueError(f'arch[{key!r}] must be None or a number, got {s[key]!r}')
        for i in range(2, cls.num_stages):  # the transformer stages
            channels, heads = s['dim'] * 2**i, s['num_heads'][i]
            if channels % heads:
                raise ValueError(
                    f'stage {i} has {channels} channels (dim * 2**{i}), not '
                    f'divisible by num_heads[{i}]={heads}'
                )
            if s['hat'][i] and s['ct_size'] > s['window_size'][i]:
                raise ValueError(
                    f"ct_size={s['ct_size']} exceeds window_size[{i}]={s['window_size'][i]}: a "
                    f'stage with hat=True pools ct_size x ct_size carrier tokens out of every '
                    f'window, so ct_size must be at most the window size'
                )

    def _build_out_norm(self, out_norm_cfg: Optional[dict], norm_cfg: dict, i: int) -> nn.Module:
        if out_norm_cfg is not None:
            return build_norm(out_norm_cfg, self.channels[i])
        if self.arch_settings['layer_norm_last']:
            return LayerNorm2d(self.channels[i], eps=1e-6)
        return build_norm(norm_cfg, self.channels[i], eps=1e-5)

    # ------------------------------------------------------------------ checkpoints
    def _load_official_names(self, module, state_dict, prefix, *args) -> None:
        """Load-state-dict pre-hook: the published names under ``prefix`` become this backbone's
        (:func:`fastervit_mm.checkpoint.published_to_backbone`: caches and ``head`` dropped, the
        carrier initialiser's alias taken, ``norm`` -> ``norm3``)."""
        published_to_backbone(state_dict, prefix, keep_norm=3 in self.out_indices)


def fastervit(arch: Union[str, dict] = 'faster_vit_0_224', **kwargs) -> FasterViT:
    """Factory: ``fastervit('faster_vit_2_224', out_indices=(3,))``; see :class:`FasterViT`."""
    return FasterViT(arch=arch, **kwargs)

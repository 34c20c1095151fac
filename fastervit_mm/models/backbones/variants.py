# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The published FasterViT variants: one table, one entry per variant.

Every fact about a published variant lives here once: the architecture keywords of the published
constructor, its native resolution, the ImageNet evaluation crop, the drop-path rate of its
ImageNet recipe, its official checkpoint and the published results. :attr:`FasterViT.arch_zoo`,
the configs (``configs/_base_/fastervit_variants.py``), the metafiles, ``docs/model_zoo.md`` and
the analysis tools read it or are tested against it (``tests/test_models/test_backbones/
test_variants.py``). Adding a variant is adding one :class:`Variant` to :data:`VARIANTS`.

The published README figures (``params_m``, ``flops_g``) are kept as published. For FasterViT-4
they disagree with the published code (424.6M / 36.6G published, 365.6M / 43.2 GMACs counted),
and FasterViT-5's 975.5M looks like a transposed-digit typo of the counted 957.5M; ``params`` and
``macs`` hold the counts of the model itself (``tools/analysis/get_flops.py`` at the native
resolution; multiply-accumulates of convolutions and matrix products, attention included), which
the metafiles report. The ImageNet results are the published README's, not re-measured here.
"""

import dataclasses
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

__all__ = [
    'Variant',
    'VARIANTS',
    'ANY_RES_VARIANTS',
    'ALIASES',
    'CHECKPOINT_URL',
    'get_variant',
    'list_variants',
]

#: Where every official checkpoint is hosted (the older Google Drive links broke).
CHECKPOINT_URL = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/'

_HEADS_2 = (2, 4, 8, 16)
_HEADS_4 = (4, 8, 16, 32)
_HAT_S3 = (False, False, True, False)
_NO_HAT = (False,) * 4


@dataclass(frozen=True)
class Variant:
    """One published FasterViT variant.

    Args:
        name (str): The published factory name, e.g. ``'faster_vit_0_224'``.
        alias (str): Short name accepted by ``FasterViT(arch=...)``, e.g. ``'0'``, ``'4-21k-384'``.
        dim (int): Channels of stage 0; stage ``i`` has ``dim * 2 ** i``.
        in_dim (int): Channels in the middle of the stem.
        depths (tuple[int]): Blocks per stage.
        num_heads (tuple[int]): Attention heads per stage (stages 2-3 attend).
        window_size (tuple[int]): Attention window per stage.
        hat (tuple[bool]): Hierarchical attention (carrier tokens) per stage.
        layer_scale (float, optional): Layer scale of the transformer blocks. None disables it.
        do_propagation (bool): Carrier tokens propagated back to their windows after a stage.
        resolution (tuple[int, int]): Native (training) resolution, (H, W).
        crop_pct (float): ImageNet evaluation: the resize is ``crop / crop_pct``.
        crop_mode (str): ``'center'`` (resize the short side, centre crop) or ``'squash'``
            (resize both sides, centre crop).
        interpolation (str): Resize interpolation of the evaluation.
        drop_path_rate (float): Stochastic depth of the published ImageNet recipe.
        checkpoint (str): File name of the official checkpoint (under :data:`CHECKPOINT_URL`).
        top1 (float, optional): Published ImageNet-1K top-1 (%). None where none is published.
        top5 (float, optional): Published ImageNet-1K top-5 (%).
        params_m (float, optional): Published parameter count (millions), as published.
        flops_g (float, optional): Published FLOPs (G), as published.
        params (int, optional): Parameter count of the model itself (head included).
        macs (int, optional): Multiply-accumulates of one image at ``resolution``.
        any_res (bool): A published ``*_any_res`` model: the same weights, run at a non-square
            resolution with ``compat_anyres=True``. Not part of ``FasterViT.arch_zoo``.
        ct_size (int): Carrier-token window. Defaults to 2.
        mlp_ratio (float): MLP expansion. Defaults to 4.
    """

    name: str
    alias: str
    dim: int
    in_dim: int
    depths: Tuple[int, ...]
    num_heads: Tuple[int, ...]
    window_size: Tuple[int, ...]
    hat: Tuple[bool, ...]
    layer_scale: Optional[float]
    do_propagation: bool
    resolution: Tuple[int, int]
    crop_pct: float
    crop_mode: str
    drop_path_rate: float
    checkpoint: str
    top1: Optional[float] = None
    top5: Optional[float] = None
    params_m: Optional[float] = None
    flops_g: Optional[float] = None
    params: Optional[int] = None
    macs: Optional[int] = None
    any_res: bool = False
    interpolation: str = 'bicubic'
    ct_size: int = 2
    mlp_ratio: float = 4

    @property
    def arch(self) -> dict:
        """The published constructor's keywords (what ``FasterViT.arch_zoo`` holds); optional
        keywords only where they differ from ``FasterViT.arch_optional_keys``."""
        arch = dict(
            dim=self.dim,
            in_dim=self.in_dim,
            depths=list(self.depths),
            num_heads=list(self.num_heads),
            window_size=list(self.window_size),
            ct_size=self.ct_size,
            mlp_ratio=self.mlp_ratio,
            hat=list(self.hat),
        )
        if self.layer_scale is not None:
            arch['layer_scale'] = self.layer_scale
        if self.do_propagation:
            arch['do_propagation'] = True
        return arch

    @property
    def channels(self) -> Tuple[int, ...]:
        """Channels of the four stage outputs, ``dim * 2 ** i``."""
        return tuple(self.dim * 2**i for i in range(len(self.depths)))

    @property
    def url(self) -> str:
        """Download URL of the official checkpoint."""
        return CHECKPOINT_URL + self.checkpoint

    @property
    def img_size(self) -> int:
        """The side of a square native resolution (the ImageNet evaluation crop)."""
        if self.resolution[0] != self.resolution[1]:
            raise ValueError(f'{self.name} has the non-square resolution {self.resolution}')
        return self.resolution[0]

    @property
    def resize_size(self) -> int:
        """The evaluation resize before the centre crop: ``int(crop / crop_pct)`` (timm)."""
        return int(self.img_size / self.crop_pct)


def _imagenet_1k(
    k: int,
    dim: int,
    in_dim: int,
    depths,
    num_heads,
    layer_scale,
    drop_path_rate,
    crop_pct,
    top1,
    top5,
    params_m,
    flops_g,
    params,
    macs,
) -> Variant:
    """FasterViT-k: windows 7, HAT in stage 2 only, trained at 224 on ImageNet-1K."""
    return Variant(
        name=f'faster_vit_{k}_224',
        alias=str(k),
        dim=dim,
        in_dim=in_dim,
        depths=depths,
        num_heads=num_heads,
        window_size=(7, 7, 7, 7),
        hat=_HAT_S3,
        layer_scale=layer_scale,
        do_propagation=layer_scale is not None,
        resolution=(224, 224),
        crop_pct=crop_pct,
        crop_mode='center',
        drop_path_rate=drop_path_rate,
        checkpoint=f'fastervit_{k}_224_1k.pth.tar',
        top1=top1,
        top5=top5,
        params_m=params_m,
        flops_g=flops_g,
        params=params,
        macs=macs,
    )


def _imagenet_21k(size: int, windows, crop_pct, top1, top5, flops_g, macs) -> Variant:
    """FasterViT-4 pre-trained on ImageNet-21K, fine-tuned at ``size``: no HAT, stage 2-3
    windows equal to their maps (global attention)."""
    return Variant(
        name=f'faster_vit_4_21k_{size}',
        alias=f'4-21k-{size}',
        dim=196,
        in_dim=64,
        depths=(3, 3, 12, 5),
        num_heads=_HEADS_4,
        window_size=(7, 7) + tuple(windows),
        hat=_NO_HAT,
        layer_scale=1e-5,
        do_propagation=True,
        resolution=(size, size),
        crop_pct=crop_pct,
        crop_mode='squash',
        drop_path_rate=0.42,
        checkpoint=f'fastervit_4_21k_{size}_w{windows[0]}.pth.tar',
        top1=top1,
        top5=top5,
        params_m=271.9,
        flops_g=flops_g,
        params=271944224,
        macs=macs,
    )


# One row per published variant (kept as rows by the formatter):
# fmt: off
_PUBLISHED = [
    _imagenet_1k(0, 64, 64, (2, 3, 6, 5), _HEADS_2, None, 0.2, 0.875, 82.1, 95.9, 31.4, 3.3,
                 31404840, 3492325376),
    _imagenet_1k(1, 80, 32, (1, 3, 8, 5), _HEADS_2, None, 0.2, 1.0, 83.2, 96.5, 53.4, 5.3,
                 53366696, 5503054336),
    _imagenet_1k(2, 96, 64, (3, 3, 8, 5), _HEADS_2, None, 0.2, 1.0, 84.2, 96.8, 75.9, 8.7,
                 75923816, 8974767104),
    _imagenet_1k(3, 128, 64, (3, 3, 12, 5), _HEADS_2, 1e-5, 0.3, 1.0, 84.9, 97.2, 159.5, 18.2,
                 159547944, 18707990528),
    # published 424.6M / 36.6G disagree with the published code (365.6M / 43.2 GMACs)
    _imagenet_1k(4, 196, 64, (3, 3, 12, 5), _HEADS_4, 1e-5, 0.3, 1.0, 85.4, 97.3, 424.6, 36.6,
                 365555712, 43228364928),
    # published 975.5M: a transposed-digit typo of the counted 957.5M
    _imagenet_1k(5, 320, 64, (3, 3, 12, 5), _HEADS_4, 1e-5, 0.3, 1.0, 85.6, 97.4, 975.5, 113.0,
                 957520552, 113967587328),
    _imagenet_1k(6, 320, 64, (3, 3, 16, 8), _HEADS_4, 1e-5, 0.5, 1.0, 85.8, 97.4, 1360.0, 142.0,
                 1360328872, 143993693184),
    _imagenet_21k(224, (14, 7), 0.95, 86.6, 97.8, 40.8, 41590384704),
    _imagenet_21k(384, (24, 12), 1.0, 87.6, 98.3, 120.1, 126564897024),
    _imagenet_21k(512, (32, 16), 1.0, 87.8, 98.4, 213.5, 234090918144),
    _imagenet_21k(768, (48, 24), 0.93, 87.9, 98.5, 480.4, 585097933056),
]
# fmt: on

#: The published fixed-resolution variants by name (what ``FasterViT.arch_zoo`` is built from).
VARIANTS: Dict[str, Variant] = {v.name: v for v in _PUBLISHED}


def _any_res(
    name: str, base: str, resolution=(576, 960), drop_path_rate: Optional[float] = None
) -> Variant:
    """The published ``name``: ``base``'s architecture and checkpoint at ``resolution``.
    Published results and counts are not given for these."""
    v = VARIANTS[base]
    return dataclasses.replace(
        v,
        name=name,
        alias=f'{v.alias}-any-res',
        resolution=tuple(resolution),
        drop_path_rate=v.drop_path_rate if drop_path_rate is None else drop_path_rate,
        top1=None,
        top5=None,
        params_m=None,
        flops_g=None,
        params=None,
        macs=None,
        any_res=True,
    )


#: The published any-resolution models (``faster_vit_*_any_res``): default resolution 576x960
#: (FasterViT-2's published default 541x960 kept as published), the 21K ones with drop path 0.3.
ANY_RES_VARIANTS: Dict[str, Variant] = {
    v.name: v
    for v in [
        _any_res(
            f'faster_vit_{k}_any_res', f'faster_vit_{k}_224', (541, 960) if k == 2 else (576, 960)
        )
        for k in range(7)
    ]
    + [
        _any_res(f'faster_vit_4_21k_{s}_any_res', f'faster_vit_4_21k_{s}', drop_path_rate=0.3)
        for s in (224, 384, 512, 768)
    ]
}

#: Short names -> published names: '0'...'6', 'faster_vit_0'..., '4-21k-224'..., '0-any-res'...
ALIASES: Dict[str, str] = {
    **{v.alias: v.name for v in [*VARIANTS.values(), *ANY_RES_VARIANTS.values()]},
    **{f'faster_vit_{k}': f'faster_vit_{k}_224' for k in range(7)},
}


def list_variants(any_res: bool = False) -> Tuple[str, ...]:
    """Names of the published variants; with ``any_res`` also the any-resolution models."""
    return tuple(VARIANTS) + (tuple(ANY_RES_VARIANTS) if any_res else ())


def get_variant(name: str) -> Variant:
    """The published variant called ``name`` (a published name or an alias, any case).

    Raises:
        KeyError: naming the valid names and aliases.
    """
    key = ALIASES.get(name.lower(), name.lower())
    table = {**VARIANTS, **ANY_RES_VARIANTS}
    if key not in table:
        raise KeyError(
            f'Unknown FasterViT variant {name!r}; valid names: {sorted(table)}, '
            f'aliases: {sorted(ALIASES)}'
        )
    return table[key]

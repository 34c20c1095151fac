# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Normalisation layers and a small builder that needs only torch.

The backbones must run with torch + mmengine alone (the GPU benchmark machine has no mmcv), so the
common norm types map straight onto torch classes. Other types are handed to
``mmcv.cnn.build_norm_layer`` when mmcv is importable.
"""

import copy
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel axis of an NCHW map (timm's ``LayerNorm2d``).

    Args:
        num_channels (int): Number of channels.
        eps (float): Value added to the variance. Defaults to 1e-6.
        affine (bool): Whether to learn a per-channel weight and bias. Defaults to True.
    """

    def __init__(self, num_channels: int, eps: float = 1e-6, affine: bool = True) -> None:
        super().__init__(num_channels, eps=eps, elementwise_affine=affine)

    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


_TORCH_NORMS = {
    'BN': nn.BatchNorm2d,
    'BN2d': nn.BatchNorm2d,
    'SyncBN': nn.SyncBatchNorm,
    # On feature maps 'LN' means a channel LayerNorm (mmpretrain's LN2d), not nn.LayerNorm.
    'LN': LayerNorm2d,
    'LN2d': LayerNorm2d,
    'GN': nn.GroupNorm,
}


def build_norm(cfg: dict, num_features: int, eps: Optional[float] = None) -> nn.Module:
    """Build a normalisation layer for NCHW maps from an mmcv-style config.

    Args:
        cfg (dict): ``dict(type=..., **kwargs)``. ``'BN'``/``'BN2d'``, ``'SyncBN'``,
            ``'LN'``/``'LN2d'`` (channel LayerNorm) and ``'GN'`` (needs ``num_groups``) are built
            from torch; any other type goes to ``mmcv.cnn.build_norm_layer`` if mmcv is
            installed. ``requires_grad=False`` freezes the affine parameters, as in mmcv.
        num_features (int): Number of channels.
        eps (float, optional): The epsilon this position of the network uses in the published
            model. An ``eps`` given in ``cfg`` wins. Defaults to None (the class default).

    Returns:
        nn.Module: The layer.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'norm_cfg must be a dict with a "type" key, got {cfg!r}')
    cfg = copy.deepcopy(cfg)
    norm_type = cfg.pop('type')
    requires_grad = cfg.pop('requires_grad', True)
    if eps is not None:
        cfg.setdefault('eps', eps)
    if norm_type in _TORCH_NORMS:
        if norm_type == 'GN':
            if 'num_groups' not in cfg:
                raise ValueError('norm_cfg of type "GN" needs num_groups')
            layer = nn.GroupNorm(num_channels=num_features, **cfg)
        else:
            layer = _TORCH_NORMS[norm_type](num_features, **cfg)
    else:
        try:
            from mmcv.cnn import build_norm_layer
        except ImportError as err:
            raise ValueError(
                f'Unsupported norm type {norm_type!r} without mmcv; use one of '
                f'{sorted(_TORCH_NORMS)}'
            ) from err
        cfg.update(type=norm_type, requires_grad=requires_grad)
        try:
            return build_norm_layer(cfg, num_features)[1]
        except KeyError as err:  # mmcv's message: "Cannot find None in registry ..."
            raise ValueError(
                f'Unknown norm type {norm_type!r}: use one of {sorted(_TORCH_NORMS)}'
                f' or a norm registered in mmcv/mmengine MODELS ({err})'
            ) from None
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return layer

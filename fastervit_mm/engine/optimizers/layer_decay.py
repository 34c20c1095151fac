# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Layer-wise learning-rate decay for any model whose backbone implements ``get_layer_depth``.

mmdet's and mmseg's ``LearningRateDecayOptimizerConstructor`` parse ConvNeXt/BEiT parameter names
themselves and refuse other backbones; mmpretrain's asks the *whole model* for
``get_layer_depth``, which detectors and segmentors do not have. This constructor asks
``model.backbone.get_layer_depth(name, 'backbone.')`` (or ``model.get_layer_depth(name)`` for a
model without a backbone attribute), so it serves mmdet, mmseg and mmpretrain models alike.
"""

from collections import defaultdict
from typing import Callable, List, Optional, Tuple, Union

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor

from fastervit_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['LayerDecayOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Optimizer-wrapper constructor with layer-wise learning-rate decay.

    A backbone parameter of layer ``i`` out of ``L`` (``get_layer_depth`` returns ``(i, L)``) gets
    ``lr * layer_decay_rate ** (L - 1 - i)``; parameters outside the backbone (neck, heads) keep
    ``lr``. Every option of :class:`~mmengine.optim.DefaultOptimWrapperConstructor`
    (``custom_keys``, ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult`` ...) still
    applies; the decay multiplies whatever lr those options give. Each parameter group also carries
    ``layer_id`` and ``lr_scale`` for inspection.

    ``paramwise_cfg`` keys added here:

    - ``layer_decay_rate`` (float): The decay per layer, e.g. 0.9. mmdet's name ``decay_rate`` is
      accepted as an alias. Defaults to 1 (no decay).
    - ``decay_type`` (str): Only ``'layer_wise'`` (the backbone's own layer ids) is supported;
      accepted for compatibility with mmdet configs.

    Example:
        >>> optim_wrapper = dict(
        ...     type='OptimWrapper',
        ...     constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
        ...     optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
        ...     paramwise_cfg=dict(layer_decay_rate=0.9,
        ...                        custom_keys={'norm': dict(decay_mult=0.)}))
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        if 'decay_rate' in paramwise_cfg and 'layer_decay_rate' in paramwise_cfg:
            raise ValueError('paramwise_cfg sets both decay_rate and layer_decay_rate; keep one')
        rate = paramwise_cfg.setdefault('layer_decay_rate', paramwise_cfg.pop('decay_rate', 1.0))
        if not 0 < rate <= 1:
            raise ValueError(f'layer_decay_rate must be in (0, 1], got {rate}')
        decay_type = paramwise_cfg.pop('decay_type', 'layer_wise')
        if decay_type != 'layer_wise':
            raise ValueError(
                f"decay_type {decay_type!r} is not supported: only 'layer_wise' "
                "(the ids of the backbone's get_layer_depth)"
            )
        paramwise_cfg.pop('num_layers', None)  # mmdet key; the backbone knows its depth
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        self.layer_decay_rate = float(rate)

    @staticmethod
    def _depth_fn(model: nn.Module) -> Callable[[str], Tuple[int, int]]:
        """``name -> (layer_id, num_layers)``; ``layer_id = num_layers - 1`` means no decay."""
        backbone = getattr(model, 'backbone', None)
        if backbone is not None:
            if not callable(getattr(backbone, 'get_layer_depth', None)):
                raise TypeError(
                    f'LayerDecayOptimWrapperConstructor needs backbone.get_layer_depth(name, '
                    f'prefix), which {type(backbone).__name__} does not have'
                )
            num_layers = backbone.get_layer_depth('backbone.', 'backbone.')[1]

            def depth(name: str) -> Tuple[int, int]:
                if name.startswith('backbone.'):
                    return backbone.get_layer_depth(name, 'backbone.')
                return num_layers - 1, num_layers

            return depth
        if callable(getattr(model, 'get_layer_depth', None)):
            return model.get_layer_depth
        raise TypeError(
            f'LayerDecayOptimWrapperConstructor needs model.backbone.get_layer_depth '
            f'or model.get_layer_depth; {type(model).__name__} has neither'
        )

    def add_params(
        self,
        params: List[dict],
        module: nn.Module,
        prefix: str = '',
        is_dcn_module: Optional[Union[int, float]] = None,
    ) -> None:
        """Add parameter groups as the default constructor does, then apply the layer decay.

        The base class recurses into children with a non-empty ``prefix``; the decay is applied
        once, by the outermost call.
        """
        if prefix:
            return super().add_params(params, module, prefix, is_dcn_module)
        start = len(params)
        super().add_params(params, module, prefix, is_dcn_module)
        depth = self._depth_fn(module)
        names = {id(p): n for n, p in module.named_parameters(remove_duplicate=False)}
        summary = defaultdict(int)
        for group in params[start:]:
            layer_id, num_layers = depth(names[id(group['params'][0])])
            scale = self.layer_decay_rate ** (num_layers - 1 - layer_id)
            group['lr'] = group.get('lr', self.base_lr) * scale
            group['layer_id'] = layer_id
            group['lr_scale'] = scale
            summary[(layer_id, scale)] += sum(p.numel() for p in group['params'])
        lines = [
            f'  layer {i:3d}: lr x {s:.4g} ({n} parameters)'
            for (i, s), n in sorted(summary.items())
        ]
        print_log(
            f'layer-wise lr decay {self.layer_decay_rate} over {len(summary)} layers:\n'
            + '\n'.join(lines),
            logger='current',
        )

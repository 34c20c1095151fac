# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Check, before anything runs, that the neck (or decode heads) accept the backbone's channels.

A wrong ``neck.in_channels`` otherwise fails only at the first forward, as a convolution shape
error deep inside the neck that names neither setting.
"""

from typing import List, Optional, Sequence

import torch.nn as nn
from mmengine.hooks import Hook

from fastervit_mm.registry import HOOKS

__all__ = ['check_channels', 'ChannelCheckHook']


def _as_list(value) -> Optional[List[int]]:
    if isinstance(value, int):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, int) for v in value):
        return list(value)
    return None


def check_channels(model: nn.Module) -> None:
    """Raise ``ValueError`` if ``model.neck`` (or, without a neck, ``model.decode_head`` and
    ``model.auxiliary_head``) expects other channels than ``model.backbone.out_channels``.

    Models whose backbone has no ``out_channels`` list, or whose consumers have no integer
    ``in_channels``, are not checked.
    """
    model = getattr(model, 'module', model)
    backbone = getattr(model, 'backbone', None)
    out_channels = _as_list(getattr(backbone, 'out_channels', None))
    if out_channels is None:
        return
    described = f'backbone {type(backbone).__name__}.out_channels={out_channels}' + (
        f' (out_indices={tuple(backbone.out_indices)})' if hasattr(backbone, 'out_indices') else ''
    )
    neck = getattr(model, 'neck', None)
    if isinstance(neck, nn.Sequential):  # several necks: the first one reads the backbone
        neck = neck[0] if len(neck) else None
    if neck is not None:
        in_channels = _as_list(getattr(neck, 'in_channels', None))
        if in_channels is not None and in_channels != out_channels:
            raise ValueError(
                f'neck {type(neck).__name__}.in_channels={in_channels} does not '
                f'match {described}: set model.neck.in_channels={out_channels}'
            )
        return
    for key in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, key, None)
        for i, head in enumerate(heads if isinstance(heads, nn.ModuleList) else [heads]):
            in_channels = _as_list(getattr(head, 'in_channels', None))
            in_index = _as_list(getattr(head, 'in_index', None))
            if head is None or in_channels is None or in_index is None:
                continue
            if len(in_channels) != len(in_index) or any(
                not -len(out_channels) <= j < len(out_channels) for j in in_index
            ):
                continue  # the head validates its own configuration
            expected = [out_channels[j] for j in in_index]
            if in_channels != expected:
                name = key if not isinstance(heads, nn.ModuleList) else f'{key}[{i}]'
                raise ValueError(
                    f'{name} {type(head).__name__}.in_channels={in_channels} (in_index='
                    f'{in_index}) does not match {described}: set model.{name}.in_channels='
                    f'{expected if len(expected) > 1 else expected[0]}'
                )


@HOOKS.register_module()
class ChannelCheckHook(Hook):
    """Run :func:`check_channels` on the model before training, validation or testing."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        check_channels(runner.model)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# What every FasterViT detection config swaps into its mmdet parent. Plain variables, so that this
# file can sit next to an mmdet experiment config in a _base_ list; the family bases (FasterViT-0)
# take `fastervit_model` and `fastervit_optim_wrapper` (and, from fastervit_runtime.py,
# `fastervit_imports` and `fastervit_default_hooks`), the FasterViT-k children merge
# `fastervit_detection_variants.fastervit_k`. configs/_base_/fastervit_segmentation.py is the same
# for the UperNet configs.
_base_ = ['./fastervit_variants.py', './fastervit_runtime.py']

# Per variant (FasterViT-k), from the shared table `fastervit_variants`: the backbone's arch,
# drop-path rate and ImageNet-1K checkpoint, and the channels the neck must take.
fastervit_detection_variants = {
    name: dict(backbone=variant.backbone, neck=dict(in_channels=variant.channels))
    for name, variant in _base_.fastervit_variants.items()
}

fastervit_model = dict(
    backbone=_base_.fastervit_dense_backbone,
    neck=fastervit_detection_variants['fastervit_0']['neck'],
)

# AdamW with layer-wise lr decay (`fastervit_paramwise_cfg`, fastervit_runtime.py).
fastervit_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=_base_.fastervit_paramwise_cfg,
)

# Fail before the first iteration on neck channels that do not match the backbone; keep the RNG
# states in checkpoints so that a resumed run continues as the uninterrupted one would.
custom_hooks = [dict(type='fastervit_mm.ChannelCheckHook'), dict(type='fastervit_mm.RNGStateHook')]

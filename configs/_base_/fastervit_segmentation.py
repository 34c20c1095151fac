# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# What every FasterViT UperNet config swaps into its mmseg parent (mmseg's Swin-T UperNet recipe).
# Plain variables, so that this file can sit next to an mmseg experiment config in a _base_ list;
# the family bases (FasterViT-0) take `fastervit_model` and `fastervit_optim_wrapper` (and, from
# fastervit_runtime.py, `fastervit_imports` and `fastervit_default_hooks`), the FasterViT-k
# children merge `fastervit_upernet_variants.fastervit_k`. configs/_base_/fastervit_detection.py
# is the same for the detection configs.
_base_ = ['./fastervit_variants.py', './fastervit_runtime.py']

# Per variant (FasterViT-k), from the shared table `fastervit_variants`: the backbone's arch,
# drop-path rate and ImageNet-1K checkpoint, and the channels the heads must take (UperNet: the
# four stages, auxiliary FCN head: stage 3).
fastervit_upernet_variants = {
    name: dict(
        backbone=variant.backbone,
        decode_head=dict(in_channels=variant.channels),
        auxiliary_head=dict(in_channels=variant.channels[2]),
    )
    for name, variant in _base_.fastervit_variants.items()
}

fastervit_model = dict(
    backbone=_base_.fastervit_dense_backbone,
    decode_head=fastervit_upernet_variants['fastervit_0']['decode_head'],
    auxiliary_head=fastervit_upernet_variants['fastervit_0']['auxiliary_head'],
)

# mmseg's AdamW (lr 6e-5, weight decay 0.01) with layer-wise lr decay in place of Swin's
# paramwise_cfg (`fastervit_paramwise_cfg`, fastervit_runtime.py).
fastervit_optim_wrapper = dict(
    constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(_delete_=True, **_base_.fastervit_paramwise_cfg),
)

# Fail fast: head channels vs backbone, head num_classes vs dataset classes and annotations; keep
# the RNG states in checkpoints so that a resumed run continues as the uninterrupted one would.
custom_hooks = [
    dict(type='fastervit_mm.ChannelCheckHook'),
    dict(type='fastervit_mm.SegNumClassCheckHook'),
    dict(type='fastervit_mm.RNGStateHook'),
]

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# What every FasterViT detection config swaps into its mmdet parent. Plain variables, so that this
# file can sit next to an mmdet experiment config in a _base_ list; the family bases (FasterViT-0)
# take `fastervit_model`, `fastervit_optim_wrapper`, `fastervit_imports` and
# `fastervit_default_hooks` (from fastervit_runtime.py), the FasterViT-k children merge
# `fastervit_detection_variants.fastervit_k`.
_base_ = ['./fastervit_variants.py', './fastervit_runtime.py']

# Per variant (FasterViT-k, k = 0...4), from the shared table `fastervit_variants`: the backbone's
# arch, drop-path rate and ImageNet-1K checkpoint, and the channels the neck must take.
fastervit_detection_variants = {
    name: dict(backbone=variant.backbone, neck=dict(in_channels=variant.channels))
    for name, variant in _base_.fastervit_variants.items()
}

fastervit_model = dict(
    backbone=dict(
        _delete_=True,
        type='fastervit_mm.FasterViT',
        out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        **fastervit_detection_variants['fastervit_0']['backbone']),
    neck=fastervit_detection_variants['fastervit_0']['neck'])

# AdamW with layer-wise lr decay; no weight decay on norms, position MLPs and layer scales.
fastervit_optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.9,
        custom_keys={
            'norm': dict(decay_mult=0.),
            'pos_embed': dict(decay_mult=0.),
            'cpb_mlp': dict(decay_mult=0.),
            'gamma': dict(decay_mult=0.),
        }))

# `fastervit_mm` registers its modules when imported; the scope prefix of the types above would
# import it too, this makes a missing installation fail at config load.
fastervit_imports = dict(imports=['fastervit_mm'], allow_failed_imports=False)

# Fail before the first iteration on neck channels that do not match the backbone; keep the RNG
# states in checkpoints so that a resumed run continues as the uninterrupted one would.
custom_hooks = [
    dict(type='fastervit_mm.ChannelCheckHook'),
    dict(type='fastervit_mm.RNGStateHook')
]

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# What every FasterViT detection family base swaps into its mmdet parent config, with FasterViT-0
# values (variant children override arch, drop_path_rate, the checkpoint and the neck channels).
# Plain variables, so that this file can sit next to an mmdet experiment config in a _base_ list.
fastervit_backbone = dict(
    _delete_=True,
    type='fastervit_mm.FasterViT',
    arch='faster_vit_0_224',
    out_indices=(0, 1, 2, 3),
    drop_path_rate=0.2,  # the published ImageNet value of each variant
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
        'fastervit_0_224_1k.pth.tar'))
fastervit_channels = [64, 128, 256, 512]
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

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet + FasterViT-0 on ADE20K, 512x512 crops, 160k iterations, 8 GPUs x 2 images (paper Table 4
# setting). The base of the family: mmseg's Swin-T UperNet recipe (UperNet + auxiliary FCN head on
# stage 3, SyncBN heads, ADE20K pipeline, AdamW lr 6e-5 wd 0.01, linear warm-up 1500 iters then
# poly decay) with the backbone swapped and layer-wise lr decay (fastervit_mm constructor).
_base_ = [
    'mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py',
    '../_base_/fastervit_variants.py', '../_base_/fastervit_runtime.py'
]
custom_imports = dict(imports=['fastervit_mm'], allow_failed_imports=False)

checkpoint_file = None  # the parent's Swin-T checkpoint; FasterViT's is in model.backbone.init_cfg

# Per variant (FasterViT-k, k = 0...4), from the shared table `fastervit_variants`: the backbone's
# arch, drop-path rate and ImageNet-1K checkpoint, and the channels the heads must take (UperNet:
# the four stages, auxiliary FCN head: stage 3). The FasterViT-k children merge
# `fastervit_upernet_variants.fastervit_k` into `model`.
fastervit_upernet_variants = {
    name: dict(
        backbone=variant.backbone,
        decode_head=dict(in_channels=variant.channels),
        auxiliary_head=dict(in_channels=variant.channels[2]))
    for name, variant in _base_.fastervit_variants.items()
}
model = dict(
    backbone=dict(
        _delete_=True,
        type='fastervit_mm.FasterViT',
        out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        **fastervit_upernet_variants['fastervit_0']['backbone']),
    decode_head=fastervit_upernet_variants['fastervit_0']['decode_head'],
    auxiliary_head=fastervit_upernet_variants['fastervit_0']['auxiliary_head'])

# No weight decay on norms, position-embedding MLPs and layer scales; lr x 0.9 per backbone layer
# going down from the top (the paper does not state its values: a design choice).
optim_wrapper = dict(
    constructor='fastervit_mm.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        _delete_=True,
        layer_decay_rate=0.9,
        custom_keys={
            'norm': dict(decay_mult=0.),
            'pos_embed': dict(decay_mult=0.),
            'cpb_mlp': dict(decay_mult=0.),
            'gamma': dict(decay_mult=0.)
        }))

# Fail fast: head channels vs backbone, head num_classes vs dataset classes and annotations; keep
# the RNG states in checkpoints so that a resumed run continues as the uninterrupted one would.
custom_hooks = [
    dict(type='fastervit_mm.ChannelCheckHook'),
    dict(type='fastervit_mm.SegNumClassCheckHook'),
    dict(type='fastervit_mm.RNGStateHook'),
]

# Checkpoints written atomically (configs/_base_/fastervit_runtime.py).
default_hooks = {{_base_.fastervit_default_hooks}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet + FasterViT-0 on ADE20K, 512x512 crops, 160k iterations, 8 GPUs x 2 images (paper Table 4
# setting). The base of the family: mmseg's Swin-T UperNet recipe (UperNet + auxiliary FCN head on
# stage 3, SyncBN heads, ADE20K pipeline, AdamW lr 6e-5 wd 0.01, linear warm-up 1500 iters then
# poly decay) with the backbone swapped and layer-wise lr decay (fastervit_mm constructor).
_base_ = 'mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py'
custom_imports = dict(imports=['fastervit_mm'], allow_failed_imports=False)

checkpoint_file = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/fastervit_0_224_1k.pth.tar'  # noqa
model = dict(
    backbone=dict(
        _delete_=True,
        type='fastervit_mm.FasterViT',
        arch='faster_vit_0_224',
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.2,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[64, 128, 256, 512]),
    auxiliary_head=dict(in_channels=256))

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

# Fail fast: head channels vs backbone, head num_classes vs dataset classes and annotations.
custom_hooks = [
    dict(type='fastervit_mm.ChannelCheckHook'),
    dict(type='fastervit_mm.SegNumClassCheckHook'),
]

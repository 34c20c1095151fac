# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# What the FasterViT DINO configs swap into mmdet's DINO: the published variants of the DINO
# recipe (FasterViT-0...4 and the ImageNet-21K FasterViT-4 at 224/384/512) and the backbone
# settings every one of them shares. Plain variables, so that this file can sit next to an mmdet
# DINO config in a _base_ list. The literal values are those of the variant table
# (fastervit_mm/models/backbones/variants.py); tests/test_det/test_dino_configs.py fails where
# they disagree.

_url = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
# config key: (arch, stage-0 channels, ImageNet drop-path rate, official checkpoint file)
_published = {
    'fastervit_0': ('faster_vit_0_224', 64, 0.2, 'fastervit_0_224_1k.pth.tar'),
    'fastervit_1': ('faster_vit_1_224', 80, 0.2, 'fastervit_1_224_1k.pth.tar'),
    'fastervit_2': ('faster_vit_2_224', 96, 0.2, 'fastervit_2_224_1k.pth.tar'),
    'fastervit_3': ('faster_vit_3_224', 128, 0.3, 'fastervit_3_224_1k.pth.tar'),
    'fastervit_4': ('faster_vit_4_224', 196, 0.3, 'fastervit_4_224_1k.pth.tar'),
    'fastervit_4_21k_224': ('faster_vit_4_21k_224', 196, 0.42, 'fastervit_4_21k_224_w14.pth.tar'),
    'fastervit_4_21k_384': ('faster_vit_4_21k_384', 196, 0.42, 'fastervit_4_21k_384_w24.pth.tar'),
    'fastervit_4_21k_512': ('faster_vit_4_21k_512', 196, 0.42, 'fastervit_4_21k_512_w32.pth.tar'),
}

# Per variant, what a DINO config merges into `model`: the backbone (arch, drop path, ImageNet
# checkpoint) and the neck's in_channels. 4 scales take stages 1-3 (strides 8/16/32, the neck
# adds a stride-64 level), 5 scales stages 0-3 (the neck adds the fifth), as mmdet's DINO does.
fastervit_dino_variants = {
    key: dict(
        backbone=dict(
            arch=arch,
            drop_path_rate=drop_path_rate,
            init_cfg=dict(type='Pretrained', checkpoint=_url + checkpoint),
        ),
        channels=[dim, 2 * dim, 4 * dim, 8 * dim],
    )
    for key, (arch, dim, drop_path_rate, checkpoint) in _published.items()
}
fastervit_dino_4scale = {
    key: dict(backbone=v['backbone'], neck=dict(in_channels=v['channels'][1:]))
    for key, v in fastervit_dino_variants.items()
}
fastervit_dino_5scale = {
    key: dict(backbone=v['backbone'], neck=dict(in_channels=v['channels']))
    for key, v in fastervit_dino_variants.items()
}

# The backbone every DINO config starts from (FasterViT-0; the children merge their variant).
# Outputs are the pre-downsample stage maps through their own BatchNorm, as in the published
# DINO backbone; SyncBN because DINO trains with 2 images per GPU.
fastervit_dino_backbone = dict(
    _delete_=True,
    type='fastervit_mm.FasterViT',
    frozen_stages=-1,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    with_cp=False,
    **fastervit_dino_4scale['fastervit_0']['backbone'],
)


# What the FasterViT-0 family configs set as `model` (merged into mmdet's DINO model).
fastervit_dino_4scale_model = dict(
    backbone=dict(out_indices=(1, 2, 3), **fastervit_dino_backbone),
    neck=fastervit_dino_4scale['fastervit_0']['neck'],
)
fastervit_dino_5scale_model = dict(
    backbone=dict(out_indices=(0, 1, 2, 3), **fastervit_dino_backbone),
    neck=fastervit_dino_5scale['fastervit_0']['neck'],
)

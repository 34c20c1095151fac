# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The published FasterViT variants as the configs use them, read from the variant table
# (fastervit_mm/models/backbones/variants.py). Plain variables, so that this file can sit next to
# an mmdet/mmseg/mmpretrain experiment config in a _base_ list; the family bases
# (configs/_base_/fastervit_{detection,segmentation,classification}.py) turn it into what their
# FasterViT-k children merge.
# (`__import__` rather than an import statement: an import would switch mmengine to its lazy-import
# config style, in which `_base_` lists do not exist.)

# Per variant, keyed `fastervit_<alias>` (fastervit_0 ... fastervit_6, fastervit_4_21k_224 ...):
# what its backbone config sets (arch, the published ImageNet drop-path rate, the official
# checkpoint), the channels of its four stages (dim * 2**i), which the necks / heads must take,
# and its ImageNet evaluation (crop, resize before the crop, 'center' or 'squash' mode).
fastervit_variants = {
    'fastervit_' + variant.alias.replace('-', '_'): dict(
        backbone=dict(
            arch=variant.name,
            drop_path_rate=variant.drop_path_rate,
            init_cfg=dict(type='Pretrained', checkpoint=variant.url),
        ),
        channels=list(variant.channels),
        imagenet_eval=dict(
            crop=variant.img_size,
            resize=variant.resize_size,
            mode=variant.crop_mode,
            interpolation=variant.interpolation,
        ),
    )
    for variant in __import__(
        'fastervit_mm.models.backbones.variants', fromlist=['*']
    ).VARIANTS.values()
}

# The backbone block of the detection and segmentation family configs (FasterViT-0; their
# FasterViT-k children merge `backbone` of their variant): all four stages, SyncBN.
fastervit_dense_backbone = dict(
    _delete_=True,
    type='fastervit_mm.FasterViT',
    out_indices=(0, 1, 2, 3),
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    **fastervit_variants['fastervit_0']['backbone'],
)

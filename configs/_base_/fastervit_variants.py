# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The published FasterViT-k (k = 0...4) as the detection and segmentation configs use them, read
# from the variant table (fastervit_mm/models/backbones/variants.py). Plain variables, so that this
# file can sit next to an mmdet/mmseg experiment config in a _base_ list;
# configs/_base_/fastervit_detection.py and the FasterViT-0 UperNet config turn the table into what
# their FasterViT-k children merge into `model`.
# (`__import__` rather than an import statement: an import would switch mmengine to its lazy-import
# config style, in which `_base_` lists do not exist.)

# Per variant: what its backbone config sets (arch, the published ImageNet drop-path rate, the
# official ImageNet-1K checkpoint) and the channels of its four stages (dim * 2**i), which the
# neck / heads must take.
fastervit_variants = {
    f'fastervit_{k}': dict(
        backbone=dict(
            arch=variant.name,
            drop_path_rate=variant.drop_path_rate,
            init_cfg=dict(type='Pretrained', checkpoint=variant.url)),
        channels=list(variant.channels))
    for k, variant in enumerate(
        map(__import__('fastervit_mm.models.backbones.variants', fromlist=['*']).get_variant,
            '01234'))
}

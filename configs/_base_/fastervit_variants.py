# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The published FasterViT-k (k = 0...4) as the detection and segmentation configs use them, once.
# Plain variables, so that this file can sit next to an mmdet/mmseg experiment config in a _base_
# list; configs/_base_/fastervit_detection.py and the FasterViT-0 UperNet config turn the table into
# what their FasterViT-k children merge into `model`.

# Per variant: what its backbone config sets (arch, the published ImageNet drop-path rate, the
# official ImageNet-1K checkpoint) and the channels of its four stages (dim * 2**i), which the
# neck / heads must take.
fastervit_variants = {
    f'fastervit_{k}': dict(
        backbone=dict(
            arch=f'faster_vit_{k}_224',
            drop_path_rate=drop_path_rate,
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
                f'fastervit_{k}_224_1k.pth.tar')),
        channels=[dim, 2 * dim, 4 * dim, 8 * dim])
    for k, (dim, drop_path_rate) in enumerate([(64, 0.2), (80, 0.2), (96, 0.2), (128, 0.3),
                                               (196, 0.3)])
}

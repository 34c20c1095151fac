# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 4-scale, FasterViT-0, 36 epochs: mmdet's ResNet-50 DINO recipe with the backbone and the
# neck's channels swapped. The backbone gives stages 1-3 (strides 8/16/32); the neck adds a
# stride-64 level. The optimizer stays mmdet's, which is the published FasterViT DINO one:
# AdamW, lr 1e-4, backbone lr 1e-5 (lr_mult 0.1), weight decay 1e-4, gradient clipping at 0.1.
# The family config of the other FasterViT variants.
_base_ = [
    'mmdet::dino/dino-4scale_r50_8xb2-36e_coco.py',
    '../_base_/fastervit_detection.py',
    './_base_/fastervit_dino.py',
]
custom_imports = {{_base_.fastervit_imports}}
model = {{_base_.fastervit_dino_4scale_model}}
default_hooks = {{_base_.fastervit_default_hooks}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 5-scale, FasterViT-0, 12 epochs: mmdet's Swin-L DINO recipe with the backbone and the
# neck's channels swapped. The backbone gives stages 0-3 (strides 4-32); the neck adds a stride-64
# level. The optimizer stays mmdet's, which is the published FasterViT DINO one: AdamW, lr 1e-4,
# backbone lr 1e-5 (lr_mult 0.1), weight decay 1e-4, gradient clipping at 0.1. The family
# config of the other FasterViT variants.
_base_ = [
    'mmdet::dino/dino-5scale_swin-l_8xb2-12e_coco.py',
    '../_base_/fastervit_detection.py',
    './_base_/fastervit_dino.py',
]
custom_imports = {{_base_.fastervit_imports}}
pretrained = None  # the parent's Swin-L checkpoint; FasterViT's is in model.backbone.init_cfg
model = {{_base_.fastervit_dino_5scale_model}}
default_hooks = {{_base_.fastervit_default_hooks}}

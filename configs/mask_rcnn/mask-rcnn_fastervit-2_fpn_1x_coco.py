# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN 1x, FasterViT-2: the FasterViT-0 config with the FasterViT-2 backbone.
_base_ = './mask-rcnn_fastervit-0_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        arch='faster_vit_2_224',
        init_cfg=dict(checkpoint='https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
                      'fastervit_2_224_1k.pth.tar')),
    neck=dict(in_channels=[96, 192, 384, 768]))

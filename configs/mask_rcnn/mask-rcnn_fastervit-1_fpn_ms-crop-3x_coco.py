# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN 3x multi-scale crop, FasterViT-1: the FasterViT-0 config with the FasterViT-1 backbone.
_base_ = './mask-rcnn_fastervit-0_fpn_ms-crop-3x_coco.py'
model = dict(
    backbone=dict(
        arch='faster_vit_1_224',
        init_cfg=dict(checkpoint='https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
                      'fastervit_1_224_1k.pth.tar')),
    neck=dict(in_channels=[80, 160, 320, 640]))

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN 1x, FasterViT-3: the FasterViT-0 config with the FasterViT-3 backbone.
_base_ = './mask-rcnn_fastervit-0_fpn_1x_coco.py'
model = dict(
    backbone=dict(
        arch='faster_vit_3_224',
        drop_path_rate=0.3,
        init_cfg=dict(checkpoint='https://huggingface.co/ahatamiz/FasterViT/resolve/main/'
                      'fastervit_3_224_1k.pth.tar')),
    neck=dict(in_channels=[128, 256, 512, 1024]))

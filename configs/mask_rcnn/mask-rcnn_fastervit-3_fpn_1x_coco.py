# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN 1x, FasterViT-3: the FasterViT-0 config with the FasterViT-3 backbone.
_base_ = './mask-rcnn_fastervit-0_fpn_1x_coco.py'
model = {{_base_.fastervit_detection_variants.fastervit_3}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Cascade Mask R-CNN 3x (paper setting), FasterViT-3: the FasterViT-0 config with
# the FasterViT-3 backbone.
_base_ = './cascade-mask-rcnn_fastervit-0_fpn_4conv1fc-giou_ms-crop-3x_coco.py'
model = {{_base_.fastervit_detection_variants.fastervit_3}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Cascade Mask R-CNN 3x (paper setting), FasterViT-0, automatic mixed precision.
_base_ = './cascade-mask-rcnn_fastervit-0_fpn_4conv1fc-giou_ms-crop-3x_coco.py'
optim_wrapper = {{_base_.fastervit_amp_optim_wrapper}}

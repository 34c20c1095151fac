# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN 3x multi-scale crop, FasterViT-4, automatic mixed precision.
_base_ = './mask-rcnn_fastervit-4_fpn_ms-crop-3x_coco.py'
optim_wrapper = {{_base_.fastervit_amp_optim_wrapper}}

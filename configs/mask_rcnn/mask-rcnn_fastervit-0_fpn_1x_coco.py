# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN, FasterViT-0, 1x: mmdet's Swin-T recipe with the backbone, neck channels and
# optimizer swapped (AdamW with layer-wise lr decay).
_base_ = ['mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py', '../_base_/fastervit_detection.py']
custom_imports = {{_base_.fastervit_imports}}
pretrained = None  # the parent's Swin-T checkpoint; FasterViT's is in model.backbone.init_cfg
model = {{_base_.fastervit_model}}
optim_wrapper = {{_base_.fastervit_optim_wrapper}}
default_hooks = {{_base_.fastervit_default_hooks}}

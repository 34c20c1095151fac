# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Cascade Mask R-CNN, FasterViT-0: the paper's COCO setting (Table 3) as in mmdet's ConvNeXt
# recipe - 4conv1fc SyncBN box heads with GIoU loss, DETR-style multi-scale crop, 36 epochs with
# lr steps at 27 and 33 - with the backbone, neck channels and optimizer swapped (fp32 here; the
# _amp- children switch to mixed precision).
_base_ = [
    'mmdet::convnext/cascade-mask-rcnn_convnext-t-p4-w7_fpn_4conv1fc-giou_amp-ms-crop-3x_coco.py',
    '../_base_/fastervit_detection.py',
]
custom_imports = {{_base_.fastervit_imports}}  # the parent imports mmpretrain for ConvNeXt
checkpoint_file = None  # the parent's ConvNeXt checkpoint
model = {{_base_.fastervit_model}}
optim_wrapper = {{_base_.fastervit_optim_wrapper}}
default_hooks = {{_base_.fastervit_default_hooks}}

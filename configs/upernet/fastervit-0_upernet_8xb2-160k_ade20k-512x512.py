# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet + FasterViT-0 on ADE20K, 512x512 crops, 160k iterations, 8 GPUs x 2 images (paper Table 4
# setting). The base of the family: mmseg's Swin-T UperNet recipe (UperNet + auxiliary FCN head on
# stage 3, SyncBN heads, ADE20K pipeline, AdamW lr 6e-5 wd 0.01, linear warm-up 1500 iters then
# poly decay) with the backbone, the heads' channels and the optimizer constructor swapped
# (layer-wise lr decay; configs/_base_/fastervit_segmentation.py).
_base_ = [
    'mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py',
    '../_base_/fastervit_segmentation.py',
]
custom_imports = {{_base_.fastervit_imports}}
checkpoint_file = None  # the parent's Swin-T checkpoint; FasterViT's is in model.backbone.init_cfg
model = {{_base_.fastervit_model}}
optim_wrapper = {{_base_.fastervit_optim_wrapper}}
default_hooks = {{_base_.fastervit_default_hooks}}

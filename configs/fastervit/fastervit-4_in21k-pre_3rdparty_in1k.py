# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4 pre-trained on ImageNet-21K and fine-tuned on ImageNet-1K at 224 (published checkpoint
# fastervit_4_21k_224_w14.pth.tar): stage-3/4 windows 14/7 (global attention, no carrier tokens),
# evaluated with crop_pct 0.95 in squash mode (resize to 235x235, center crop 224), bicubic.
# Evaluation only: the 21K pre-training and fine-tuning recipes were not published.
_base_ = './fastervit-4_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_4_21k_224', drop_path_rate=0.42))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=235, backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
auto_scale_lr = None

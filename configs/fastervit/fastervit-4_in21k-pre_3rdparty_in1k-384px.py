# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4 21K -> 1K at 384 (published checkpoint fastervit_4_21k_384_w24.pth.tar): stage-3/4
# windows 24/12 (global attention at 384), crop_pct 1.0 in squash mode (resize to 384x384), bicubic.
_base_ = './fastervit-4_in21k-pre_3rdparty_in1k.py'

model = dict(backbone=dict(arch='faster_vit_4_21k_384'))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=384, backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=384),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

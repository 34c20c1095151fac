# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4 21K -> 1K at 512 (published checkpoint fastervit_4_21k_512_w32.pth.tar): stage-3/4
# windows 32/16 (global attention at 512), crop_pct 1.0 in squash mode (resize to 512x512), bicubic.
_base_ = './fastervit-4_in21k-pre_3rdparty_in1k.py'

model = dict(backbone=dict(arch='faster_vit_4_21k_512'))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=512, backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=512),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

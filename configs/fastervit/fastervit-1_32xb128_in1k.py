# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-1: published checkpoint fastervit_1_224_1k.pth.tar, evaluated at crop_pct 1.0 (center).
_base_ = './fastervit-0_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_1_224'), head=dict(in_channels=640))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

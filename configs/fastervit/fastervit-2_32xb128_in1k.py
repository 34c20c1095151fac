# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-2: published checkpoint fastervit_2_224_1k.pth.tar (crop_pct 1.0, center).
_base_ = './fastervit-1_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_2_224'), head=dict(in_channels=768))

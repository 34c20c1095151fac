# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-5: published checkpoint fastervit_5_224_1k.pth.tar (crop_pct 1.0, center).
_base_ = './fastervit-4_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_5_224'), head=dict(in_channels=2560))

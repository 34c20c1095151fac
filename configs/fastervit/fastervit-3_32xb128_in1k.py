# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-3: published checkpoint fastervit_3_224_1k.pth.tar (crop_pct 1.0, center).
_base_ = './fastervit-2_32xb128_in1k.py'

model = dict(
    backbone=dict(arch='faster_vit_3_224', drop_path_rate=0.3), head=dict(in_channels=1024))

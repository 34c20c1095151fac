# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-6: published checkpoint fastervit_6_224_1k.pth.tar (crop_pct 1.0, center).
_base_ = './fastervit-5_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_6_224', drop_path_rate=0.5))

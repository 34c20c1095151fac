# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4: published checkpoint fastervit_4_224_1k.pth.tar (crop_pct 1.0, center).
# FasterViT-4/5/6 were trained with LAMB and weight decay 0.12 (same lr and schedule).
_base_ = './fastervit-3_32xb128_in1k.py'

model = dict(backbone=dict(arch='faster_vit_4_224'), head=dict(in_channels=1568))

optim_wrapper = dict(optimizer=dict(_delete_=True, type='Lamb', lr=5e-3, weight_decay=0.12))

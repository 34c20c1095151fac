# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-2: published checkpoint fastervit_2_224_1k.pth.tar (crop_pct 1.0, center).
_base_ = '../_base_/fastervit_classification.py'
model = {{_base_.fastervit_classification_variants.fastervit_2.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_2.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

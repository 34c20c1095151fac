# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The evaluation-only 21K config at 384: FasterViT-4 21K -> 1K at 384 (published checkpoint
# fastervit_4_21k_384_w24.pth.tar): stage-3/4 windows 24/12 (global attention at 384), crop_pct 1.0
# in squash mode (resize to 384x384), bicubic.
_base_ = './fastervit-4_in21k-pre_3rdparty_in1k.py'
model = {{_base_.fastervit_classification_variants.fastervit_4_21k_384.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_4_21k_384.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The evaluation-only 21K config at 512: FasterViT-4 21K -> 1K at 512 (published checkpoint
# fastervit_4_21k_512_w32.pth.tar): stage-3/4 windows 32/16 (global attention at 512), crop_pct 1.0
# in squash mode (resize to 512x512), bicubic.
_base_ = './fastervit-4_in21k-pre_3rdparty_in1k.py'
model = {{_base_.fastervit_classification_variants.fastervit_4_21k_512.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_4_21k_512.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

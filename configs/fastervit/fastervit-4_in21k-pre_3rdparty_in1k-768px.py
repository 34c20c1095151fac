# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The evaluation-only 21K config at 768: FasterViT-4 21K -> 1K at 768 (published checkpoint
# fastervit_4_21k_768_w48.pth.tar): stage-3/4 windows 48/24 (global attention at 768), crop_pct 0.93
# in squash mode (resize to 825x825, center crop 768), bicubic.
_base_ = './fastervit-4_in21k-pre_3rdparty_in1k.py'
model = {{_base_.fastervit_classification_variants.fastervit_4_21k_768.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_4_21k_768.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4: published checkpoint fastervit_4_224_1k.pth.tar (crop_pct 1.0, center), trained
# with LAMB and weight decay 0.12.
_base_ = '../_base_/fastervit_classification.py'
model = {{_base_.fastervit_classification_variants.fastervit_4.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_4.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = {{_base_.fastervit_lamb_optim_wrapper}}

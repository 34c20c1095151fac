# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-4 pre-trained on ImageNet-21K and fine-tuned on ImageNet-1K at 224 (published checkpoint
# fastervit_4_21k_224_w14.pth.tar): stage-3/4 windows 14/7 (global attention, no carrier tokens),
# evaluated with crop_pct 0.95 in squash mode (resize to 235x235, center crop 224), bicubic.
# Evaluation only: the 21K pre-training and fine-tuning recipes were not published.
_base_ = '../_base_/fastervit_classification.py'
model = {{_base_.fastervit_classification_variants.fastervit_4_21k_224.model}}
test_pipeline = {{_base_.fastervit_classification_variants.fastervit_4_21k_224.test_pipeline}}
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
auto_scale_lr = None

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet + FasterViT-3 on ADE20K, automatic mixed precision.
_base_ = './fastervit-3_upernet_8xb2-160k_ade20k-512x512.py'
optim_wrapper = {{_base_.fastervit_amp_optim_wrapper}}

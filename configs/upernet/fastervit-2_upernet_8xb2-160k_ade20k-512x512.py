# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet + FasterViT-2 on ADE20K: the FasterViT-0 config with the FasterViT-2 backbone.
_base_ = './fastervit-0_upernet_8xb2-160k_ade20k-512x512.py'
model = {{_base_.fastervit_upernet_variants.fastervit_2}}

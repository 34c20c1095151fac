# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-0 on ImageNet-1K with mmpretrain: the published training recipe and the evaluation of
# the published checkpoint fastervit_0_224_1k.pth.tar (crop_pct 0.875, center crop, bicubic). The
# family base is FasterViT-0 (configs/_base_/fastervit_classification.py).
_base_ = '../_base_/fastervit_classification.py'

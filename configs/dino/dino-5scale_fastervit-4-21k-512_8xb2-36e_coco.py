# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 5-scale, FasterViT-4 (ImageNet-21K, 512), 36 epochs: the FasterViT-0 config with the
# FasterViT-4 (ImageNet-21K, 512) backbone.
_base_ = './dino-5scale_fastervit-0_8xb2-36e_coco.py'
model = {{_base_.fastervit_dino_5scale.fastervit_4_21k_512}}

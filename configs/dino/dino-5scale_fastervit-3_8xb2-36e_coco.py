# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 5-scale, FasterViT-3, 36 epochs: the FasterViT-0 config with the
# FasterViT-3 backbone.
_base_ = './dino-5scale_fastervit-0_8xb2-36e_coco.py'
model = {{_base_.fastervit_dino_5scale.fastervit_3}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 5-scale, FasterViT-2, 12 epochs: the FasterViT-0 config with the
# FasterViT-2 backbone.
_base_ = './dino-5scale_fastervit-0_8xb2-12e_coco.py'
model = {{_base_.fastervit_dino_5scale.fastervit_2}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# DINO 4-scale, FasterViT-2, 36 epochs: the FasterViT-0 config with the
# FasterViT-2 backbone.
_base_ = './dino-4scale_fastervit-0_8xb2-36e_coco.py'
model = {{_base_.fastervit_dino_4scale.fastervit_2}}

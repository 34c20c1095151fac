# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
_base_ = './fastervit-0_upernet_8xb2-160k_ade20k-512x512.py'

checkpoint_file = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/fastervit_1_224_1k.pth.tar'  # noqa
model = dict(
    backbone=dict(
        arch='faster_vit_1_224',
        init_cfg=dict(checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[80, 160, 320, 640]),
    auxiliary_head=dict(in_channels=320))

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
_base_ = './fastervit-0_upernet_8xb2-160k_ade20k-512x512.py'

checkpoint_file = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/fastervit_3_224_1k.pth.tar'  # noqa
model = dict(
    backbone=dict(
        arch='faster_vit_3_224',
        drop_path_rate=0.3,
        init_cfg=dict(checkpoint=checkpoint_file)),
    decode_head=dict(in_channels=[128, 256, 512, 1024]),
    auxiliary_head=dict(in_channels=512))

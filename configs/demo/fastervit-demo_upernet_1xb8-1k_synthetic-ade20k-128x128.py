# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# CPU demo of the FasterViT UperNet recipe: the real FasterViT-0 ADE20K config with only what a CPU
# needs changed: the embedded synthetic ADE20K-format data (tools/misc/make_demo_data.py seg),
# 128x128 crops, a short schedule trained from scratch, a small FasterViT
# (configs/_base_/fastervit_demo.py), BN instead of SyncBN and narrow heads. Runs on 1 process or
# with tools/dist_train.sh CFG 2.
_base_ = [
    '../upernet/fastervit-0_upernet_8xb2-160k_ade20k-512x512.py',
    '../_base_/fastervit_demo.py',
]

crop_size = (128, 128)
num_classes = 6  # sky, ground, circle, square, triangle, star (0 = "other", ignored)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        # the demo arch with windows that fit 128x128 crops (stage 3: 8x8), one block in stage 2
        arch=dict(
            _base_.fastervit_demo_arch,
            depths=[1, 1, 2, 1],
            num_heads=[1, 2, 4, 8],
            window_size=4,
            mlp_ratio=4,
        ),
        drop_path_rate=0.0,
        norm_cfg=norm_cfg,
        init_cfg=None,
    ),
    decode_head=dict(
        in_channels=[32, 64, 128, 256], channels=64, num_classes=num_classes, norm_cfg=norm_cfg
    ),
    auxiliary_head=dict(in_channels=128, channels=32, num_classes=num_classes, norm_cfg=norm_cfg),
)

dataset_type = 'fastervit_mm.SyntheticADE20KDataset'
data_root = 'data/synthetic_ade20k'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=crop_size, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline),
)
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline),
)
test_dataloader = val_dataloader

# From scratch: a larger lr, a short warm-up, poly decay to 0 over the run.
max_iters = 1000
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=100, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 2)
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=max_iters // 2, max_keep_ckpts=1)
)
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# CPU demo of the classification recipe: the real FasterViT-0 ImageNet config with only what a CPU
# needs changed: the embedded synthetic shapes dataset (4 classes, 64x64, generated on first use
# into data/synthetic_shapes), a small FasterViT trained from scratch
# (configs/_base_/fastervit_demo.py), light augmentation, no mixup/cutmix/EMA, float32 and a short
# schedule. Reaches >= 90% val accuracy in 8 epochs (a few minutes on 2 CPU cores).
_base_ = ['../fastervit/fastervit-0_32xb128_in1k.py', '../_base_/fastervit_demo.py']

num_classes = 4
model = dict(
    backbone=dict(
        # the demo arch at half the width, with windows and carrier tokens that fit 64x64 images
        # (stage 3: 4x4), one block in stage 2
        arch=dict(
            _base_.fastervit_demo_arch,
            dim=16,
            in_dim=16,
            depths=[1, 1, 2, 1],
            num_heads=[1, 2, 4, 4],
            window_size=[7, 7, 2, 2],
            ct_size=1,
        ),
        drop_path_rate=0.0,
    ),
    head=dict(in_channels=128, num_classes=num_classes),
    train_cfg=None,
)
data_preprocessor = dict(num_classes=num_classes)

dataset = dict(
    type='fastervit_mm.SyntheticShapeDataset',
    data_root='data/synthetic_shapes',
    num_train=2400,
    num_val=400,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=64),  # the images' size already: states the input size
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64, num_workers=2, dataset=dict(split='train', pipeline=train_pipeline, **dataset)
)
val_dataloader = dict(
    batch_size=100, num_workers=2, dataset=dict(split='val', pipeline=test_pipeline, **dataset)
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = val_evaluator

max_epochs = 8
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=5e-3, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, end=1, convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        by_epoch=True,
        begin=1,
        end=max_epochs,
        convert_to_iter_based=True,
    ),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
custom_hooks = [dict(type='fastervit_mm.RNGStateHook')]  # no EMA
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=max_epochs, max_keep_ckpts=1)
)
randomness = dict(seed=0)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# FasterViT-0 on ImageNet-1K with mmpretrain: the published training recipe (TRAINING.md of
# NVlabs/FasterViT) and the evaluation of the published checkpoint fastervit_0_224_1k.pth.tar
# (crop_pct 0.875, center crop, bicubic: the test pipeline of the base). The other variants inherit
# from this file (1 <- 0, 2 <- 1, 3 <- 2, 4 <- 3, 5 <- 4, 6 <- 5, 21K <- 4).
# Not reproduced from the recipe: MESA self-distillation (no mmpretrain counterpart) and
# channels_last; see docs/configs.md.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/fastervit_runtime.py',
]
custom_imports = dict(imports=['fastervit_mm.models.classifiers'], allow_failed_imports=False)

# FasterViTClassifier = mmpretrain's ImageClassifier that also loads the published checkpoints;
# norm3 of the backbone is the published final norm, GAP + Linear the published head.
model = dict(
    type='fastervit_mm.FasterViTClassifier',
    backbone=dict(
        type='fastervit_mm.FasterViT',
        arch='faster_vit_0_224',
        out_indices=(3, ),
        drop_path_rate=0.2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.)),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))

# RandAugment rand-m9-mstd0.5-inc1 and random erasing 0.25 come with the base pipeline.
train_dataloader = dict(batch_size=128)

# 32 GPUs x 128 images, lr 5e-3, AdamW with weight decay 0.005, AMP, gradient clipping 5.0.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(lr=5e-3, weight_decay=0.005),
    clip_grad=dict(max_norm=5.0))
# 20 warm-up epochs from 1e-6, cosine to 5e-6 at epoch 300, then 10 cool-down epochs at 5e-6.
param_scheduler = [
    dict(type='LinearLR', start_factor=2e-4, by_epoch=True, end=20, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=5e-6, by_epoch=True, begin=20, end=300),
]
train_cfg = dict(max_epochs=310)
auto_scale_lr = dict(base_batch_size=4096)

# Model EMA with decay 0.9998 (buffers included, as timm's ModelEmaV2); evaluation uses it.
custom_hooks = [
    dict(type='EMAHook', momentum=2e-4, update_buffers=True, priority='ABOVE_NORMAL')
]

# Checkpoints written atomically (configs/_base_/fastervit_runtime.py).
default_hooks = {{_base_.fastervit_default_hooks}}

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The FasterViT ImageNet-1K family with mmpretrain: the published training recipe (TRAINING.md of
# NVlabs/FasterViT) and the evaluation of the published checkpoints, as FasterViT-0. Every config
# of configs/fastervit/ inherits this file alone and merges its variant's entry of
# `fastervit_classification_variants` (arch, drop path, head width and evaluation pipeline, from
# the variant table through fastervit_variants.py).
# Not reproduced from the recipe: MESA self-distillation (no mmpretrain counterpart) and
# channels_last; see docs/configs.md.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
    './fastervit_variants.py',
    './fastervit_runtime.py',
]
# The classifier needs mmpretrain: imported by this family only (it imports fastervit_mm).
custom_imports = dict(_base_.fastervit_imports, imports=['fastervit_mm.models.classifiers'])


def _test_pipeline(crop, resize, mode, interpolation):
    """timm's evaluation transform: resize the short side ('center') or both sides ('squash'),
    then the centre crop."""
    resize = (
        dict(type='ResizeEdge', scale=resize, edge='short')
        if mode == 'center'
        else dict(type='Resize', scale=resize)
    )
    return [
        dict(type='LoadImageFromFile'),
        dict(resize, backend='pillow', interpolation=interpolation),
        dict(type='CenterCrop', crop_size=crop),
        dict(type='PackInputs'),
    ]


# Per variant (FasterViT-k, FasterViT-4 21K at 224...768), what its config merges: the backbone's
# arch and drop-path rate, the head's width and the evaluation pipeline (crop_pct, crop mode and
# interpolation of the published evaluation).
fastervit_classification_variants = {
    name: dict(
        model=dict(
            backbone=dict(
                arch=variant.backbone.arch, drop_path_rate=variant.backbone.drop_path_rate
            ),
            head=dict(in_channels=variant.channels[-1]),
        ),
        test_pipeline=_test_pipeline(**variant.imagenet_eval),
    )
    for name, variant in _base_.fastervit_variants.items()
}

# FasterViTClassifier = mmpretrain's ImageClassifier that also loads the published checkpoints;
# norm3 of the backbone is the published final norm, GAP + Linear the published head.
model = dict(
    type='fastervit_mm.FasterViTClassifier',
    backbone=dict(
        type='fastervit_mm.FasterViT',
        out_indices=(3,),
        **fastervit_classification_variants['fastervit_0']['model']['backbone'],
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
        **fastervit_classification_variants['fastervit_0']['model']['head'],
    ),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]),
)

# RandAugment rand-m9-mstd0.5-inc1 and random erasing 0.25 come with the base pipeline, as does the
# test pipeline of FasterViT-0 (crop_pct 0.875, center crop, bicubic).
train_dataloader = dict(batch_size=128)

# 32 GPUs x 128 images, lr 5e-3, AdamW with weight decay 0.005, AMP, gradient clipping 5.0.
optim_wrapper = dict(
    _base_.fastervit_amp_optim_wrapper,
    optimizer=dict(lr=5e-3, weight_decay=0.005),
    clip_grad=dict(max_norm=5.0),
)
# FasterViT-4/5/6 were trained with LAMB and weight decay 0.12 (same lr and schedule).
fastervit_lamb_optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Lamb', lr=5e-3, weight_decay=0.12)
)
# 20 warm-up epochs from 1e-6, cosine to 5e-6 at epoch 300, then 10 cool-down epochs at 5e-6.
param_scheduler = [
    dict(type='LinearLR', start_factor=2e-4, by_epoch=True, end=20, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=5e-6, by_epoch=True, begin=20, end=300),
]
train_cfg = dict(max_epochs=310)
auto_scale_lr = dict(base_batch_size=4096)

# Model EMA with decay 0.9998 (buffers included, as timm's ModelEmaV2); evaluation uses it. Keep
# the RNG states in checkpoints so that a resumed run continues as the uninterrupted one would.
custom_hooks = [
    dict(type='EMAHook', momentum=2e-4, update_buffers=True, priority='ABOVE_NORMAL'),
    dict(type='fastervit_mm.RNGStateHook'),
]

# Checkpoints written atomically (configs/_base_/fastervit_runtime.py).
default_hooks = {{_base_.fastervit_default_hooks}}

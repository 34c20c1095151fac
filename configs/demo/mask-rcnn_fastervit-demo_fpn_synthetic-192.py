# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The CPU demo: Mask R-CNN with a small FasterViT, trained from scratch on the embedded synthetic
# shapes dataset (tools/misc/make_demo_data.py). It inherits the real FasterViT-0 Mask R-CNN config
# and changes only what a 2-core CPU needs: data paths, image scale, an iteration-based schedule,
# a narrower/shallower FasterViT (same layout: conv stages 1-2, HAT stage 3, window attention
# stage 4), BN instead of SyncBN, and smaller FPN, RoI sampler and heads.
_base_ = '../mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py'

data_root = 'data/synthetic_coco/'
metainfo = dict(
    classes=('circle', 'square', 'triangle', 'star'),
    palette=[(220, 40, 40), (40, 170, 60), (40, 90, 230), (240, 190, 20)])
num_classes = 4
image_scale = (192, 192)
channels = 64  # FPN and head width
max_iters = 300

model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            dim=32,
            in_dim=32,
            depths=[1, 2, 2, 1],
            num_heads=[2, 2, 4, 8],
            window_size=[7, 7, 7, 7],
            ct_size=2,
            mlp_ratio=2,
            hat=[False, False, True, False]),
        drop_path_rate=0.,
        norm_cfg=dict(type='BN'),
        init_cfg=None),  # trained from scratch: no ImageNet weights on this machine
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        # bounded RoIAlign sampling: its CPU backward dominated the iteration otherwise
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=channels),
        bbox_head=dict(in_channels=channels, fc_out_channels=256, num_classes=num_classes),
        mask_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=channels),
        mask_head=dict(
            num_convs=2,
            in_channels=channels,
            conv_out_channels=channels,
            num_classes=num_classes)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=128)),
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300), rcnn=dict(max_per_img=50)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

# Iteration-based, so that training resumes mid-run exactly where it stopped.
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[int(max_iters * 0.75), int(max_iters * 0.9)],
        gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=1e-3), clip_grad=dict(max_norm=10.))
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)

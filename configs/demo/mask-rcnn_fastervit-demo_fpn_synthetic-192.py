# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The CPU demo: Mask R-CNN with a small FasterViT, trained from scratch on the embedded synthetic
# shapes dataset (tools/misc/make_demo_data.py). It inherits the real FasterViT-0 Mask R-CNN config
# on that data (configs/_base_/mask-rcnn_fastervit-0_fpn_synthetic-shapes.py: data paths, classes,
# image scale) and changes only what a 2-core CPU needs: an iteration-based schedule, a
# narrower/shallower FasterViT (configs/_base_/fastervit_demo.py), BN instead of SyncBN, and smaller
# FPN, RoI sampler and heads.
_base_ = ['../_base_/mask-rcnn_fastervit-0_fpn_synthetic-shapes.py', '../_base_/fastervit_demo.py']

channels = 64  # FPN and head width
max_iters = 300

model = dict(
    backbone={{_base_.fastervit_demo_backbone}},
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        # bounded RoIAlign sampling: its CPU backward dominated the iteration otherwise
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=channels),
        bbox_head=dict(in_channels=channels, fc_out_channels=256),
        mask_roi_extractor=dict(roi_layer=dict(sampling_ratio=2), out_channels=channels),
        mask_head=dict(num_convs=2, in_channels=channels, conv_out_channels=channels),
    ),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=128)),
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=64)),
    ),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300), rcnn=dict(max_per_img=50)),
)

# Iteration-based, so that training resumes mid-run exactly where it stopped.
train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[int(max_iters * 0.75), int(max_iters * 0.9)],
        gamma=0.1,
    ),
]
optim_wrapper = dict(optimizer=dict(lr=1e-3), clip_grad=dict(max_norm=10.0))
default_hooks = dict(
    logger=dict(interval=25), checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=2)
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)

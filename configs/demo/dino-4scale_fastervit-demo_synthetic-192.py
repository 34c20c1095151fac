# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The DINO CPU demo: DINO 4-scale with a small FasterViT, trained from scratch on the embedded
# synthetic shapes dataset (tools/misc/make_demo_data.py; COCO format, 4 classes, 192x192). It
# inherits the real FasterViT-0 DINO config and changes the data and what a 2-core CPU needs: an
# iteration-based schedule, a narrower/shallower FasterViT (the Mask R-CNN demo's,
# configs/_base_/fastervit_demo.py), BN instead of SyncBN, a narrower and
# shallower transformer (mmdet 3.3's DINO decoder requires embed_dims 256) with fewer queries, one
# fixed image scale, and the full learning rate for
# the backbone (it has no ImageNet weights here, the real config's lr_mult 0.1 assumes them).
_base_ = [
    '../dino/dino-4scale_fastervit-0_8xb2-12e_coco.py',
    '../_base_/fastervit_demo.py',
    '../_base_/synthetic_shapes.py',
]

data_root = _base_.synthetic_shapes.data_root
metainfo = _base_.synthetic_shapes.metainfo
image_scale = _base_.synthetic_shapes.image_scale
ffn_channels = 512  # the real config's 2048
max_iters = 450  # 3.7-6.5 s per iteration (batch 4) on the shared 2-core machine

model = dict(
    num_queries=100,
    backbone={{_base_.fastervit_demo_backbone}},
    neck=dict(in_channels=[64, 128, 256]),
    encoder=dict(num_layers=3, layer_cfg=dict(ffn_cfg=dict(feedforward_channels=ffn_channels))),
    decoder=dict(num_layers=3, layer_cfg=dict(ffn_cfg=dict(feedforward_channels=ffn_channels))),
    bbox_head=dict(num_classes=len(metainfo['classes'])),
    dn_cfg=dict(group_cfg=dict(num_dn_queries=30)),
    test_cfg=dict(max_per_img=50),
)

# boxes only (configs/_base_/synthetic_shapes.py)
train_pipeline = {{_base_.synthetic_shapes.bbox.train_pipeline}}
test_pipeline = {{_base_.synthetic_shapes.bbox.test_pipeline}}
train_dataloader = dict(
    _base_.synthetic_shapes.bbox.train_dataloader,
    sampler=dict(type='InfiniteSampler', shuffle=True),
)
val_dataloader = {{_base_.synthetic_shapes.bbox.val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.synthetic_shapes.bbox.val_evaluator}}
test_evaluator = val_evaluator

# Iteration-based, so that training resumes mid-run exactly where it stopped.
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters // 3
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[int(max_iters * 0.8)],
        gamma=0.1,
    ),
]
optim_wrapper = dict(
    optimizer=dict(lr=4e-4), paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)})
)
default_hooks = dict(
    logger=dict(interval=25), checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=2)
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The real FasterViT-0 Mask R-CNN config (1x) on the embedded synthetic shapes dataset: COCO
# format, 4 classes, 192x192 images (tools/misc/make_demo_data.py,
# fastervit_mm.datasets.make_synthetic_coco), loaded in the training process (no worker processes).
# Only the data and the number of classes change. The base of the CPU demo
# (configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py) and of projects that train on data
# of the same layout (tests/downstream_project: they set their data_root).
_base_ = '../mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py'

data_root = 'data/synthetic_coco/'
metainfo = dict(
    classes=('circle', 'square', 'triangle', 'star'),
    palette=[(220, 40, 40), (40, 170, 60), (40, 90, 230), (240, 190, 20)])
num_classes = 4
image_scale = (192, 192)

model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=num_classes), mask_head=dict(num_classes=num_classes)))

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
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
# the validation split, loaded as the training one
val_dataloader = dict(
    train_dataloader,
    dataset=dict(
        train_dataloader['dataset'],
        ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# A downstream project's config: fastervit_mm's FasterViT-0 Mask R-CNN (as installed) on the
# project's own data, 4 classes of small images. Data root: $SHAPES_DATA_ROOT (COCO format).
_base_ = __import__('fastervit_mm.model_zoo').model_zoo.get_config_file(
    'mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py')

data_root = '{{$SHAPES_DATA_ROOT:data/shapes}}/'
metainfo = dict(classes=('circle', 'square', 'triangle', 'star'))
num_classes = 4
image_scale = (128, 128)

model = dict(
    backbone=dict(init_cfg=None),  # this project trains from scratch (no download)
    roi_head=dict(
        bbox_head=dict(num_classes=num_classes), mask_head=dict(num_classes=num_classes)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
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

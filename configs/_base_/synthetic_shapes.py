# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The embedded synthetic shapes dataset in COCO format (tools/misc/make_demo_data.py det,
# fastervit_mm.datasets.make_synthetic_coco): 4 classes, 192x192 images, loaded in the training
# process (no worker processes). Plain variables, so that this file can sit next to a detection
# config in a _base_ list: `synthetic_shapes` holds the data root, the classes and their colours
# (fastervit_mm.datasets.SYNTHETIC_METAINFO), the image scale and, for boxes and masks
# (`instance`) or boxes only (`bbox`), the pipelines, the loaders of the two splits and the COCO
# evaluator that a config on this data takes.


def _data(data_root, metainfo, image_scale, annotations):
    """Pipelines, loaders and evaluator; `annotations`: the LoadAnnotations arguments."""
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', **annotations),
        dict(type='Resize', scale=image_scale, keep_ratio=True),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs'),
    ]
    test_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=image_scale, keep_ratio=True),
        dict(type='LoadAnnotations', **annotations),
        dict(
            type='PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'),
        ),
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
            pipeline=train_pipeline,
        ),
    )
    # the validation split, loaded as the training one
    val_dataloader = dict(
        train_dataloader,
        dataset=dict(
            train_dataloader['dataset'],
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'),
            pipeline=test_pipeline,
        ),
    )
    return dict(
        train_pipeline=train_pipeline,
        test_pipeline=test_pipeline,
        train_dataloader=train_dataloader,
        val_dataloader=val_dataloader,
        val_evaluator=dict(ann_file=data_root + 'annotations/instances_val.json'),
    )


synthetic_shapes = dict(
    data_root='data/synthetic_coco/',
    metainfo=dict(
        classes=('circle', 'square', 'triangle', 'star'),
        palette=[(220, 40, 40), (40, 170, 60), (40, 90, 230), (240, 190, 20)],
    ),
    image_scale=(192, 192),
)
synthetic_shapes.update(
    instance=_data(**synthetic_shapes, annotations=dict(with_bbox=True, with_mask=True)),
    bbox=_data(**synthetic_shapes, annotations=dict(with_bbox=True)),
)

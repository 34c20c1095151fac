# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# A downstream project's config: fastervit_mm's FasterViT-0 Mask R-CNN on the synthetic shapes
# layout (as installed: COCO format, 4 classes; the data settings of fastervit_mm's CPU demo), on
# the project's own copy of such data, trained from scratch. Data root: $SHAPES_DATA_ROOT.
_base_ = __import__('fastervit_mm.model_zoo').model_zoo.get_config_file(
    '_base_/mask-rcnn_fastervit-0_fpn_synthetic-shapes.py'
)

data_root = '{{$SHAPES_DATA_ROOT:data/shapes}}/'

model = dict(backbone=dict(init_cfg=None))  # this project trains from scratch (no download)

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

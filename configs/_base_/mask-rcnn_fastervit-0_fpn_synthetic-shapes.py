# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The real FasterViT-0 Mask R-CNN config (1x) on the embedded synthetic shapes dataset: COCO
# format, 4 classes, 192x192 images (configs/_base_/synthetic_shapes.py).
# Only the data and the number of classes change. The base of the CPU demo
# (configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py) and of projects that train on data
# of the same layout (tests/downstream_project: they set their data_root).
_base_ = ['../mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py', './synthetic_shapes.py']

data_root = _base_.synthetic_shapes.data_root
metainfo = _base_.synthetic_shapes.metainfo
num_classes = 4
image_scale = _base_.synthetic_shapes.image_scale

model = dict(
    roi_head=dict(bbox_head=dict(num_classes=num_classes), mask_head=dict(num_classes=num_classes))
)

# boxes and masks (configs/_base_/synthetic_shapes.py)
train_pipeline = {{_base_.synthetic_shapes.instance.train_pipeline}}
test_pipeline = {{_base_.synthetic_shapes.instance.test_pipeline}}
train_dataloader = {{_base_.synthetic_shapes.instance.train_dataloader}}
val_dataloader = {{_base_.synthetic_shapes.instance.val_dataloader}}
test_dataloader = val_dataloader
val_evaluator = {{_base_.synthetic_shapes.instance.val_evaluator}}
test_evaluator = val_evaluator

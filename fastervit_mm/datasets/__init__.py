# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Datasets of fastervit_mm: the embedded synthetic COCO-format default and dataset checks."""

from .checks import check_data_paths
from .synthetic_ade import SYNTHETIC_ADE_METAINFO, draw_seg_scene, make_synthetic_ade20k
from .synthetic_cls import SHAPE_CLASSES, SyntheticShapeDataset, make_synthetic_cls
from .synthetic_coco import SYNTHETIC_METAINFO, draw_scene, make_synthetic_coco

__all__ = [
    'check_data_paths',
    'SYNTHETIC_METAINFO',
    'draw_scene',
    'make_synthetic_coco',
    'SYNTHETIC_ADE_METAINFO',
    'draw_seg_scene',
    'make_synthetic_ade20k',
    'SHAPE_CLASSES',
    'SyntheticShapeDataset',
    'make_synthetic_cls',
]

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The embedded default dataset: synthetic scenes in COCO instance-segmentation format.

COCO cannot be downloaded everywhere (CI, air-gapped machines), so the demo and the tests train
on scenes drawn here: a few shape classes, each with its own colour, several objects per image on a
noisy gradient background, placed so that some occlude others (every object keeps at least
``min_visible`` of its area visible; its annotation is the *visible* part, like COCO's). Masks are
COCO polygons traced from the visible pixels, so mmdet's ``CocoDataset`` and ``CocoMetric`` read the
files unchanged.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments give byte-identical
files. 600 images of 192x192 take a few seconds.

Layout written by :func:`make_synthetic_coco` (mirrors COCO's)::

    <out_dir>/annotations/instances_train.json
    <out_dir>/annotations/instances_val.json
    <out_dir>/train/000001.png ...
    <out_dir>/val/000501.png ...
"""

import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .drawing import SHAPE_COLOURS, SHAPES, add_noise, gradient_background, jitter, shape_mask

__all__ = ['SYNTHETIC_METAINFO', 'make_synthetic_coco', 'draw_scene']

#: Class names and their RGB colours (also the palette for visualisation).
SYNTHETIC_METAINFO = dict(classes=SHAPES, palette=SHAPE_COLOURS)


def _drop_slivers(mask: np.ndarray, min_area: int = 12, min_side: int = 3) -> np.ndarray:
    """Remove the specks and thin slivers an occluder leaves of an object (too small to trace)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = (
        (stats[1:, cv2.CC_STAT_AREA] >= min_area)
        & (stats[1:, cv2.CC_STAT_WIDTH] >= min_side)
        & (stats[1:, cv2.CC_STAT_HEIGHT] >= min_side)
    )
    return keep[labels].astype(np.uint8)


def _polygons(mask: np.ndarray) -> List[List[float]]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]


def draw_scene(
    rng: np.random.Generator,
    size: Tuple[int, int] = (192, 192),
    num_objects: Tuple[int, int] = (2, 6),
    radius: Tuple[float, float] = (12.0, 40.0),
    min_visible: float = 0.5,
    overlap_prob: float = 0.35,
    noise: float = 8.0,
    num_classes: Optional[int] = None,
) -> Tuple[np.ndarray, List[dict]]:
    """Draw one scene.

    Args:
        rng: The random generator (the only source of randomness).
        size: (height, width) of the image.
        num_objects: Inclusive range of the number of objects.
        radius: Range of the shapes' circumradius in pixels.
        min_visible: Placements that would leave an earlier object with less than this fraction
            of its area visible are rejected.
        overlap_prob: Probability that an object is placed next to an earlier one (occlusion).
        noise: Standard deviation of the per-pixel Gaussian noise.
        num_classes: Use the first ``num_classes`` classes (default: all).

    Returns:
        tuple: the RGB ``uint8`` image and one dict per object with ``category`` (0-based),
        ``mask`` (visible part without slivers, uint8) and ``polygons``.
    """
    classes = SYNTHETIC_METAINFO['classes'][:num_classes]
    h, w = size
    img = gradient_background(rng, size)
    objects: List[Dict] = []  # in drawing order; 'mask' is updated as later objects cover it
    for _ in range(int(rng.integers(num_objects[0], num_objects[1] + 1))):
        for _attempt in range(20):
            label = int(rng.integers(len(classes)))
            r = float(rng.uniform(*radius))
            if objects and rng.random() < overlap_prob:
                anchor = objects[int(rng.integers(len(objects)))]['center']
                direction = rng.uniform(0, 2 * np.pi)
                offset = (
                    rng.uniform(0.8, 1.6) * r * np.array([np.cos(direction), np.sin(direction)])
                )
                cx, cy = np.clip(np.asarray(anchor) + offset, [r, r], [w - r, h - r])
            else:
                cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
            mask = shape_mask(classes[label], (cx, cy), r, rng.uniform(0, 2 * np.pi), size)
            if all((o['mask'] & (1 - mask)).sum() >= min_visible * o['full_area'] for o in objects):
                break
        else:  # no admissible placement: the scene keeps fewer objects
            continue
        img[mask.astype(bool)] = jitter(rng, SYNTHETIC_METAINFO['palette'][label], 25)
        for o in objects:
            o['mask'] &= 1 - mask
        objects.append(dict(category=label, mask=mask, full_area=int(mask.sum()), center=(cx, cy)))
    img = add_noise(rng, img, noise)
    for o in objects:
        o['mask'] = _drop_slivers(o['mask'])
        o['polygons'] = _polygons(o['mask'])
    return img, [o for o in objects if o['polygons']]


def make_synthetic_coco(
    out_dir: str,
    num_train: int = 500,
    num_val: int = 100,
    size: Sequence[int] = (192, 192),
    seed: int = 0,
    num_classes: Optional[int] = None,
    **scene_kwargs,
) -> Dict[str, str]:
    """Write the synthetic COCO-format dataset; see the module docstring for the layout.

    Args:
        out_dir: Output directory (created; existing files of the same names are overwritten).
        num_train: Number of training images.
        num_val: Number of validation images.
        size: (height, width) of every image.
        seed: Seed of the whole dataset; the splits use independent streams derived from it.
        num_classes: Use the first ``num_classes`` of :data:`SYNTHETIC_METAINFO` classes.
        **scene_kwargs: Forwarded to :func:`draw_scene`.

    Returns:
        dict: split name -> annotation file path.
    """
    size = (int(size[0]), int(size[1]))
    classes = SYNTHETIC_METAINFO['classes'][:num_classes]
    categories = [dict(id=i + 1, name=n, supercategory='shape') for i, n in enumerate(classes)]
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    ann_files = {}
    image_id = ann_id = 0
    splits = (('train', num_train), ('val', num_val))
    for stream, (split, count) in zip(np.random.SeedSequence(seed).spawn(len(splits)), splits):
        rng = np.random.default_rng(stream)
        os.makedirs(osp.join(out_dir, split), exist_ok=True)
        images, annotations = [], []
        for _ in range(count):
            image_id += 1
            img, objects = draw_scene(rng, size, num_classes=num_classes, **scene_kwargs)
            file_name = f'{image_id:06d}.png'
            cv2.imwrite(osp.join(out_dir, split, file_name), img[..., ::-1])
            images.append(dict(id=image_id, file_name=file_name, height=size[0], width=size[1]))
            for o in objects:
                ann_id += 1
                ys, xs = np.nonzero(o['mask'])
                x0, y0 = int(xs.min()), int(ys.min())
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=image_id,
                        category_id=o['category'] + 1,
                        bbox=[x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1],
                        area=int(o['mask'].sum()),
                        segmentation=o['polygons'],
                        iscrowd=0,
                    )
                )
        ann_files[split] = osp.join(out_dir, 'annotations', f'instances_{split}.json')
        info = dict(
            description='fastervit_mm synthetic shapes', seed=seed, split=split, size=list(size)
        )
        with open(ann_files[split], 'w') as f:
            json.dump(
                dict(
                    info=info,
                    licenses=[],
                    images=images,
                    annotations=annotations,
                    categories=categories,
                ),
                f,
            )
    return ann_files

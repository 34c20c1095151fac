# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The embedded synthetic COCO-format dataset: deterministic, several classes and objects per
image, real occlusion, masks that match the boxes, disjoint splits, read by mmdet unchanged."""

import hashlib
import json
import os
import os.path as osp

import numpy as np

from fastervit_mm.datasets import SYNTHETIC_METAINFO, draw_scene, make_synthetic_coco


def _digest(root: str) -> dict:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    make_synthetic_coco(a, num_train=4, num_val=2, seed=3)
    make_synthetic_coco(b, num_train=4, num_val=2, seed=3)
    make_synthetic_coco(c, num_train=4, num_val=2, seed=4)
    assert _digest(a) == _digest(b)
    assert len(_digest(a)) == 2 + 6
    assert _digest(a) != _digest(c)


def test_annotations(det_data):
    from pycocotools import mask as mask_utils

    splits = {
        s: json.load(open(osp.join(det_data, 'annotations', f'instances_{s}.json')))
        for s in ('train', 'val')
    }
    ids = {s: {im['id'] for im in ann['images']} for s, ann in splits.items()}
    assert len(ids['train']) == 8 and len(ids['val']) == 4 and not ids['train'] & ids['val']
    for split, ann in splits.items():
        assert [c['name'] for c in ann['categories']] == list(SYNTHETIC_METAINFO['classes'])
        per_image = {}
        for a in ann['annotations']:
            per_image[a['image_id']] = per_image.get(a['image_id'], 0) + 1
            xs = [v for p in a['segmentation'] for v in p[0::2]]
            ys = [v for p in a['segmentation'] for v in p[1::2]]
            assert a['bbox'] == [min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1]
            rle = mask_utils.merge(mask_utils.frPyObjects(a['segmentation'], 192, 192))
            # traced through the boundary pixels' centres: the polygon is a little smaller
            assert 0.6 * a['area'] < int(mask_utils.area(rle)) <= a['area']
            assert a['iscrowd'] == 0
        assert max(per_image.values()) >= 3, 'several objects per image'
        for im in ann['images']:
            assert osp.isfile(osp.join(det_data, split, im['file_name']))


def test_scenes_have_every_class_and_occlusion():
    rng = np.random.default_rng(0)
    labels, occluded = set(), 0
    for _ in range(20):
        img, objects = draw_scene(rng)
        assert img.shape == (192, 192, 3) and img.dtype == np.uint8
        for o in objects:
            labels.add(o['category'])
            visible = int(o['mask'].sum())
            assert visible >= 0.5 * o['full_area'], 'placements keep half of each object visible'
            occluded += visible < o['full_area']
    assert labels == set(range(len(SYNTHETIC_METAINFO['classes'])))
    assert occluded >= 5


def test_mmdet_reads_it(det_data, mmdet_scope):
    from mmdet.registry import DATASETS

    dataset = DATASETS.build(
        dict(
            type='CocoDataset',
            data_root=det_data,
            metainfo=SYNTHETIC_METAINFO,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
            ],
        )
    )
    assert len(dataset) == 8
    sample = dataset[0]
    assert sample['gt_bboxes'].shape[0] == len(sample['gt_masks']) >= 1
    assert set(sample['gt_bboxes_labels'].tolist()) <= set(range(4))


def test_fewer_classes(tmp_path):
    make_synthetic_coco(str(tmp_path), num_train=3, num_val=1, num_classes=2)
    ann = json.load(open(tmp_path / 'annotations' / 'instances_train.json'))
    assert [c['name'] for c in ann['categories']] == ['circle', 'square']
    assert {a['category_id'] for a in ann['annotations']} <= {1, 2}

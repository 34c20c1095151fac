# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The synthetic ADE20K-format dataset: layout, determinism, indexed PNGs and ADE20K's
reduce-zero-label semantics through mmseg's own loading."""

import glob
import hashlib
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from fastervit_mm.datasets import SYNTHETIC_ADE_METAINFO, make_synthetic_ade20k


def _digest(root):
    h = hashlib.sha256()
    for path in sorted(glob.glob(osp.join(root, '**', '*.*'), recursive=True)):
        h.update(osp.relpath(path, root).encode())
        with open(path, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()


def test_layout_and_indexed_annotations(seg_data):
    for split, prefix, count in (('training', 'train', 8), ('validation', 'val', 4)):
        images = sorted(glob.glob(osp.join(seg_data, 'images', split, '*.jpg')))
        annotations = sorted(glob.glob(osp.join(seg_data, 'annotations', split, '*.png')))
        assert len(images) == len(annotations) == count
        assert osp.basename(images[0]) == f'ADE_{prefix}_00000001.jpg'
        assert [osp.basename(p)[:-4] for p in images] == [osp.basename(p)[:-4] for p in annotations]
    values = set()
    for path in glob.glob(osp.join(seg_data, 'annotations', '*', '*.png')):
        ann = Image.open(path)
        assert ann.mode == 'P' and ann.size == (64, 64)
        assert ann.getpalette()[3:6] == list(SYNTHETIC_ADE_METAINFO['palette'][0])
        values |= set(np.unique(np.asarray(ann)).tolist())
    num_classes = len(SYNTHETIC_ADE_METAINFO['classes'])
    assert values <= set(range(num_classes + 1)) and {0, 1, 2} <= values


def test_deterministic(tmp_path, seg_data):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    make_synthetic_ade20k(a, num_train=8, num_val=4, size=(64, 64), seed=0)
    make_synthetic_ade20k(b, num_train=8, num_val=4, size=(64, 64), seed=0)
    make_synthetic_ade20k(c, num_train=8, num_val=4, size=(64, 64), seed=1)
    assert _digest(a) == _digest(b) == _digest(seg_data)
    assert _digest(a) != _digest(c)


def test_dataset_reduces_zero_label(seg_data, mmseg_scope):
    """0 ("other") becomes the ignore index 255 and class k becomes k - 1, as in ADE20K."""
    from mmseg.registry import DATASETS

    dataset = DATASETS.build(
        dict(
            type='fastervit_mm.SyntheticADE20KDataset',
            data_root=seg_data,
            data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs'),
            ],
        )
    )
    assert len(dataset) == 4
    assert dataset.metainfo['classes'] == SYNTHETIC_ADE_METAINFO['classes']
    assert len(dataset.metainfo['palette']) == len(SYNTHETIC_ADE_METAINFO['classes'])
    assert dataset.reduce_zero_label
    sample = dataset[0]['data_samples']
    gt = sample.gt_sem_seg.data[0].numpy()
    raw = np.asarray(Image.open(sample.seg_map_path)).astype(np.int64)
    assert gt.shape == raw.shape == (64, 64)
    assert (gt[raw == 0] == 255).all()
    assert (gt[raw > 0] == raw[raw > 0] - 1).all()


@pytest.mark.parametrize('missing', ['root', 'annotations'])
def test_missing_data_is_named(tmp_path, seg_data, mmseg_scope, missing):
    import shutil

    from mmseg.registry import DATASETS

    root = str(tmp_path / 'nowhere')
    if missing == 'annotations':
        shutil.copytree(seg_data, root)
        shutil.rmtree(osp.join(root, 'annotations', 'training'))
    with pytest.raises(FileNotFoundError) as err:
        DATASETS.build(
            dict(
                type='fastervit_mm.SyntheticADE20KDataset',
                data_root=root,
                data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
            )
        )
    expected = 'annotations/training' if missing == 'annotations' else 'images/training'
    assert osp.join(root, expected) in str(err.value)
    assert 'make_demo_data.py seg' in str(err.value)

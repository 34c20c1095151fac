# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``SegNumClassCheckHook`` / ``check_seg_num_classes``: a ``num_classes`` that does not fit the
dataset's classes or its annotations is named, and training stops before the first iteration."""

import os.path as osp
import shutil

import numpy as np
import pytest
from conftest import build_segmentor
from PIL import Image


def _dataset(root, split='training'):
    from mmseg.registry import DATASETS

    return DATASETS.build(
        dict(
            type='fastervit_mm.SyntheticADE20KDataset',
            data_root=root,
            data_prefix=dict(img_path=f'images/{split}', seg_map_path=f'annotations/{split}'),
        )
    )


def test_num_classes_differs_from_dataset_classes(seg_data, seg_demo_cfg):
    from fastervit_mm.engine.hooks import check_seg_num_classes

    dataset = _dataset(seg_data)
    check_seg_num_classes(build_segmentor(seg_demo_cfg), dataset)  # the demo config fits
    model = build_segmentor(seg_demo_cfg, **{'decode_head.num_classes': 4})
    with pytest.raises(
        ValueError,
        match=r'model\.decode_head\.num_classes=4 but the dataset '
        r"SyntheticADE20KDataset .* has 6 classes \('sky', 'ground'",
    ):
        check_seg_num_classes(model, dataset)
    model = build_segmentor(seg_demo_cfg, **{'auxiliary_head.num_classes': 150})
    with pytest.raises(ValueError, match=r'model\.auxiliary_head\.num_classes=150'):
        check_seg_num_classes(model, dataset)


def test_annotation_labels_beyond_num_classes(tmp_path, seg_data, seg_demo_cfg):
    from fastervit_mm.engine.hooks import check_seg_num_classes

    root = str(tmp_path / 'data')
    shutil.copytree(seg_data, root)
    bad = osp.join(root, 'annotations', 'validation', 'ADE_val_00000003.png')
    values = np.asarray(Image.open(bad)).copy()
    values[:8, :8] = 9  # class id 8 after reduce_zero_label; the model predicts 0..5
    Image.fromarray(values).save(bad)  # a plain uint8 ('L') PNG, as ADE20K's are
    with pytest.raises(ValueError) as err:
        check_seg_num_classes(build_segmentor(seg_demo_cfg), _dataset(root, 'validation'))
    message = str(err.value)
    assert repr(bad) in message and 'label ids [8]' in message
    assert 'predicts 6 classes' in message and 'reduce_zero_label=True' in message


def test_runner_stops_on_wrong_num_classes(tmp_path, seg_data, seg_demo_cfg):
    """The configs' SegNumClassCheckHook fires before the first iteration."""
    from mmengine.runner import Runner

    cfg = seg_demo_cfg.copy()
    cfg.merge_from_dict(
        {
            'work_dir': str(tmp_path / 'work'),
            'train_dataloader.dataset.data_root': seg_data,
            'val_dataloader.dataset.data_root': seg_data,
            'test_dataloader.dataset.data_root': seg_data,
            'model.decode_head.num_classes': 8,
            'model.auxiliary_head.num_classes': 8,
        }
    )
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'decode_head\.num_classes=8 .* has 6 classes'):
        runner.train()
    assert runner.iter == 0

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/demo/image_demo_seg.py writes colour-blended PNGs of the predicted masks."""

import os.path as osp
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

from fastervit_mm.datasets import SYNTHETIC_ADE_METAINFO

from .conftest import DEMO_CONFIG, REPO_ROOT, build_segmentor


def test_blend_keeps_ignored_pixels():
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'demo'))
    from image_demo_seg import blend

    img = np.full((2, 3, 3), 100, np.uint8)
    labels = np.array([[0, 1, 255], [1, 0, 7]])
    out = blend(img, labels, [(200, 0, 0), (0, 200, 0)], opacity=0.5)
    assert out[0, 0].tolist() == [150, 50, 50] and out[0, 1].tolist() == [50, 150, 50]
    assert out[0, 2].tolist() == [100] * 3 and out[1, 2].tolist() == [100] * 3  # ignored


def test_image_demo_seg_writes_pictures(tmp_path, seg_data, demo_cfg):
    model = build_segmentor(demo_cfg)
    checkpoint = str(tmp_path / 'model.pth')
    meta = dict(
        classes=SYNTHETIC_ADE_METAINFO['classes'],
        palette=SYNTHETIC_ADE_METAINFO['palette'],
        reduce_zero_label=True,
    )
    torch.save(dict(state_dict=model.state_dict(), meta=dict(dataset_meta=meta)), checkpoint)
    out_dir = tmp_path / 'pictures'
    proc = subprocess.run(
        [
            sys.executable,
            'tools/demo/image_demo_seg.py',
            osp.join(seg_data, 'images', 'validation'),
            DEMO_CONFIG,
            checkpoint,
            '--gt-dir',
            osp.join(seg_data, 'annotations', 'validation'),
            '--limit',
            '2',
            '--out-dir',
            str(out_dir),
            '--device',
            'cpu',
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for i in (1, 2):
        picture = np.asarray(Image.open(out_dir / f'ADE_val_{i:08d}_seg.png'))
        assert picture.shape == (64, 3 * 64, 3)  # image | ground truth | prediction
        image = np.asarray(
            Image.open(osp.join(seg_data, 'images', 'validation', f'ADE_val_{i:08d}.jpg'))
        )
        assert np.array_equal(picture[:, :64], image)
        assert not np.array_equal(picture[:, 128:], image)  # the prediction is blended in
    grid = np.asarray(Image.open(out_dir / 'seg_grid.png'))
    assert grid.shape[1] == 2 * 3 * 64 and grid.shape[0] > 64  # two pictures + a legend

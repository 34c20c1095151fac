# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A project outside the package inherits an installed fastervit_mm detection config and trains it
one step with mmdet's own tools/train.py (the mechanism of docs/configs.md)."""

import os
import os.path as osp
import shutil
import subprocess
import sys

from conftest import REPO_ROOT
from mmengine.config import Config

PROJECT = osp.join(REPO_ROOT, 'tests', 'downstream_project')
CONFIG = 'configs/mask-rcnn_fastervit-0_fpn_1x_shapes.py'


def _project(tmp_path) -> str:
    """The downstream project, copied outside the repository (no relative path into it works)."""
    dst = str(tmp_path / 'my_project')
    shutil.copytree(PROJECT, dst)
    return dst


def test_inherits_the_installed_config(tmp_path, monkeypatch):
    import fastervit_mm.model_zoo as model_zoo

    project = _project(tmp_path)
    monkeypatch.setenv('SHAPES_DATA_ROOT', str(tmp_path / 'data'))
    cfg = Config.fromfile(osp.join(project, CONFIG))
    base = Config.fromfile(model_zoo.get_config_file('mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco'))
    # what the project changed ...
    assert cfg.model.roi_head.bbox_head.num_classes == 4
    assert cfg.model.roi_head.mask_head.num_classes == 4
    assert cfg.train_dataloader.dataset.data_root == str(tmp_path / 'data') + '/'
    assert cfg.model.backbone.init_cfg is None
    # ... and what it inherited
    assert cfg.model.backbone.type == 'fastervit_mm.FasterViT'
    assert cfg.model.backbone.arch == base.model.backbone.arch == 'faster_vit_0_224'
    assert cfg.model.neck.in_channels == base.model.neck.in_channels
    assert cfg.optim_wrapper == base.optim_wrapper and cfg.default_scope == 'mmdet'
    assert model_zoo.get_config_file(
        'mask-rcnn_fastervit-0_fpn_1x_coco.py'
    ) == model_zoo.get_config_file('mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py')


def test_missing_config_names_the_closest():
    import pytest

    import fastervit_mm.model_zoo as model_zoo

    with pytest.raises(FileNotFoundError, match='mask-rcnn_fastervit-0_fpn_1x_coco'):
        model_zoo.get_config_file('mask_rcnn/mask-rcnn_fastervit-O_fpn_1x_coco.py')


def test_one_step_with_mmdet_train_script(tmp_path):
    import mmdet

    from fastervit_mm.datasets import make_synthetic_coco

    train_script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(train_script), 'mmdet is installed without its tools'
    project = _project(tmp_path)
    data = str(tmp_path / 'data')
    make_synthetic_coco(data, num_train=2, num_val=1, size=(128, 128), seed=0)
    work_dir = str(tmp_path / 'work')
    # one OpenMP thread: tiny operations run faster that way on a busy 2-core machine
    env = dict(os.environ, SHAPES_DATA_ROOT=data, OMP_NUM_THREADS='1')
    res = subprocess.run(
        [
            sys.executable,
            train_script,
            CONFIG,
            '--work-dir',
            work_dir,
            '--cfg-options',
            'train_cfg.max_epochs=1',
            'train_cfg.val_interval=10',
            'default_hooks.logger.interval=1',
            'randomness.seed=0',
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-5000:]
    assert 'Epoch(train) [1][1/1]' in log, log[-3000:]
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    dumped = Config.fromfile(osp.join(work_dir, osp.basename(CONFIG)))
    assert dumped.model.roi_head.bbox_head.num_classes == 4
    assert dumped.model.backbone.type == 'fastervit_mm.FasterViT'

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Bad input fails early and says what is wrong: a dataset path that does not exist, neck
``in_channels`` that do not match the backbone."""
import re

import pytest
from mmengine.config import Config

from fastervit_mm.datasets import check_data_paths
from fastervit_mm.engine import check_channels
from .conftest import DEMO_CONFIG, build_detector, run_tool, write_demo_child

MISSING = '/nonexistent/fastervit_mm_data/'


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_missing_dataset_path_is_named_by_the_tools(tool, tmp_path):
    args = [DEMO_CONFIG] + (['x.pth'] if tool == 'test.py' else [])
    options = [f'{loader}.dataset.data_root={MISSING}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    with pytest.raises(FileNotFoundError, match=re.escape(MISSING)):
        run_tool(tool, args + ['--work-dir', str(tmp_path), '--cfg-options', *options])


def test_missing_paths_name_key_and_path(det_data):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': det_data})
    cfg.merge_from_dict({'train_dataloader.dataset.ann_file': 'annotations/nope.json'})
    with pytest.raises(FileNotFoundError) as err:
        check_data_paths(cfg, ['train_dataloader'])
    assert det_data + 'annotations/nope.json' in str(err.value)
    assert 'train_dataloader.dataset.ann_file' in str(err.value)
    # the default location of the demo data: the message says how to make it
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': '/tmp/nowhere/synthetic_coco/'})
    with pytest.raises(FileNotFoundError, match='make_demo_data.py'):
        check_data_paths(cfg, ['train_dataloader'])


def test_mmdet_dataset_error_names_the_path_too(mmdet_scope):
    """What users of mmdet's own tools/train.py see (our check is not involved)."""
    from mmdet.registry import DATASETS
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': MISSING})
    with pytest.raises(Exception, match=re.escape(MISSING)):
        DATASETS.build(cfg.train_dataloader.dataset)


def test_neck_channels_mismatch_names_both(mmdet_scope):
    cfg = Config.fromfile(DEMO_CONFIG)
    model = build_detector(cfg, **{'neck.in_channels': [32, 64, 128, 512]})
    with pytest.raises(ValueError) as err:
        check_channels(model)
    message = str(err.value)
    assert 'in_channels=[32, 64, 128, 512]' in message
    assert 'out_channels=[32, 64, 128, 256]' in message


def test_neck_channels_mismatch_stops_training_before_the_first_iteration(tmp_path, det_data):
    config = write_demo_child(tmp_path / 'bad_neck.py', det_data,
                              extra='model = dict(neck=dict(in_channels=[32, 64, 128, 512]))')
    with pytest.raises(ValueError, match=r'in_channels=\[32, 64, 128, 512\].*'
                       r'out_channels=\[32, 64, 128, 256\]'):
        run_tool('train.py', [config, '--work-dir', tmp_path / 'work'])
    assert not list((tmp_path / 'work').glob('*.pth'))

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``check_data_paths``: a missing dataset file is named with its config key and path, and for
the demo data's default location the message says how to make it."""

import pytest
from conftest import DET_DEMO_CONFIG
from mmengine.config import Config

from fastervit_mm.datasets import check_data_paths


def test_missing_paths_name_key_and_path(det_data):
    cfg = Config.fromfile(DET_DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': det_data})
    cfg.merge_from_dict({'train_dataloader.dataset.ann_file': 'annotations/nope.json'})
    with pytest.raises(FileNotFoundError) as err:
        check_data_paths(cfg, ['train_dataloader'])
    assert det_data + 'annotations/nope.json' in str(err.value)
    assert 'train_dataloader.dataset.ann_file' in str(err.value)
    # the default location of the demo data: the message says how to make it
    cfg = Config.fromfile(DET_DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': '/tmp/nowhere/synthetic_coco/'})
    with pytest.raises(FileNotFoundError, match='make_demo_data.py det'):
        check_data_paths(cfg, ['train_dataloader'])

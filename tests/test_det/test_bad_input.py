# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Bad input fails early and says what is wrong: a dataset path that does not exist, named by the
tools and by mmdet (the check itself: tests/test_datasets/test_checks.py; neck ``in_channels``
that do not match the backbone: tests/test_engine/test_hooks/test_channel_check.py)."""

import re

import pytest
from mmengine.config import Config

from .conftest import DEMO_CONFIG, run_tool

MISSING = '/nonexistent/fastervit_mm_data/'


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_missing_dataset_path_is_named_by_the_tools(tool, tmp_path):
    args = [DEMO_CONFIG] + (['x.pth'] if tool == 'test.py' else [])
    options = [
        f'{loader}.dataset.data_root={MISSING}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    with pytest.raises(FileNotFoundError, match=re.escape(MISSING)):
        run_tool(tool, args + ['--work-dir', str(tmp_path), '--cfg-options', *options])


def test_mmdet_dataset_error_names_the_path_too(mmdet_scope):
    """What users of mmdet's own tools/train.py see (our check is not involved)."""
    from mmdet.registry import DATASETS

    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': MISSING})
    with pytest.raises(Exception, match=re.escape(MISSING)):
        DATASETS.build(cfg.train_dataloader.dataset)

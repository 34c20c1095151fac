# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``ChannelCheckHook`` / ``check_channels``: neck ``in_channels`` that do not match the backbone
are named with both lists, and training stops before the first iteration."""

import pytest
from conftest import DET_DEMO_CONFIG, build_detector, run_tool, write_demo_child
from mmengine.config import Config

from fastervit_mm.engine import check_channels


def test_neck_channels_mismatch_names_both(mmdet_scope):
    cfg = Config.fromfile(DET_DEMO_CONFIG)
    model = build_detector(cfg, **{'neck.in_channels': [32, 64, 128, 512]})
    with pytest.raises(ValueError) as err:
        check_channels(model)
    message = str(err.value)
    assert 'in_channels=[32, 64, 128, 512]' in message
    assert 'out_channels=[32, 64, 128, 256]' in message


def test_neck_channels_mismatch_stops_training_before_the_first_iteration(tmp_path, det_data):
    config = write_demo_child(
        tmp_path / 'bad_neck.py',
        det_data,
        extra='model = dict(neck=dict(in_channels=[32, 64, 128, 512]))',
    )
    with pytest.raises(
        ValueError,
        match=r'in_channels=\[32, 64, 128, 512\].*'
        r'out_channels=\[32, 64, 128, 256\]',
    ):
        run_tool('train.py', [config, '--work-dir', tmp_path / 'work'])
    assert not list((tmp_path / 'work').glob('*.pth'))

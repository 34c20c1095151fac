# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/benchmark_detector.py on CPU with the demo Mask R-CNN at 128x128."""

import json
import os.path as osp

import pytest
from conftest import REPO_ROOT

from .conftest import analysis_module

benchmark_detector = analysis_module('benchmark_detector')

DEMO = osp.join(REPO_ROOT, 'configs', 'demo', 'mask-rcnn_fastervit-demo_fpn_synthetic-192.py')
FIELDS = {
    'config',
    'part',
    'batch',
    'size',
    'input_shape',
    'median_ms',
    'img_per_s',
    'times_ms',
    'peak_rss_mb',
    'threads',
    'device',
    'params_m',
    'seed',
}


@pytest.fixture(scope='module')
def demo_model():
    return benchmark_detector.build_detector(DEMO)


def test_each_part_prints_one_json_line(capsys):
    params = {}
    for part in benchmark_detector.PARTS:
        result = benchmark_detector.main(
            [
                DEMO,
                '--size',
                '128x128',
                '--part',
                part,
                '--warmup',
                '0',
                '--iters',
                '1',
                '--threads',
                '1',
            ]
        )
        line = capsys.readouterr().out.strip().splitlines()[-1]
        assert json.loads(line) == result
        assert FIELDS <= set(result) and result['part'] == part
        assert result['size'] == [128, 128] and result['input_shape'] == [128, 128]
        assert result['batch'] == 1 and result['threads'] == 1 and result['device'] == 'cpu'
        assert len(result['times_ms']) == 1 and result['median_ms'] == result['times_ms'][0]
        assert result['img_per_s'] == pytest.approx(1000 / result['median_ms'], rel=1e-2)
        assert result['peak_rss_mb'] > 0
        params[part] = result['params_m']
    # the timed part grows: backbone < backbone + FPN < whole detector
    assert 0 < params['backbone'] < params['neck'] < params['predict']
    assert 'num_dets' in result and len(result['num_dets']) == 1


def test_batch_is_preprocessed_and_padded_like_at_test_time(demo_model):
    x, samples = benchmark_detector.make_batch(demo_model, (100, 130), batch=2)
    assert tuple(x.shape) == (2, 3, 128, 160)  # padded to the size divisor 32, bottom/right
    assert abs(float(x.mean())) < 1.5 and float(x.std()) > 0.5  # normalised, not 0..255
    meta = samples[0].metainfo
    assert meta['img_shape'] == meta['ori_shape'] == (100, 130)
    assert meta['pad_shape'] == meta['batch_input_shape'] == (128, 160)
    assert meta['scale_factor'] == (1.0, 1.0)


def test_predict_returns_detections_at_the_image_size(demo_model):
    import torch

    x, samples = benchmark_detector.make_batch(demo_model, (100, 130), batch=1)
    with torch.inference_mode():
        out = demo_model.predict(x, samples)
    assert len(out) == 1
    pred = out[0].pred_instances
    assert pred.bboxes.shape[-1] == 4 and len(pred.scores) == len(pred)
    if len(pred):
        assert tuple(pred.masks.shape[-2:]) == (100, 130)


def test_pretrained_init_cfg_is_dropped_offline():
    # unreachable: building fails if the checkpoint is read
    pretrained = dict(type='Pretrained', checkpoint='http://127.0.0.1:9/missing.pth')
    model = benchmark_detector.build_detector(
        DEMO, {'model.backbone.init_cfg': dict(pretrained, _delete_=True)}, seed=1
    )
    assert model.backbone.init_cfg is None and not model.training
    assert benchmark_detector._without_pretrained([pretrained, dict(type='Constant', val=1)]) == [
        dict(type='Constant', val=1)
    ]


def test_mmdet_prefix_resolves_to_the_installed_config():
    path = benchmark_detector.resolve_config('mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py')
    assert osp.isfile(path)
    assert path.endswith(
        osp.join('.mim', 'configs', 'swin', 'mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py')
    )
    assert benchmark_detector.resolve_config(DEMO) == DEMO
    with pytest.raises(SystemExit, match='no such config'):
        benchmark_detector.resolve_config('mmdet::swin/no-such-config.py')

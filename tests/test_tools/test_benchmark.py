# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/benchmark.py on CPU: an arch and a config, defaults and overrides."""

import json
import os.path as osp

from conftest import REPO_ROOT

from .conftest import analysis_module

benchmark = analysis_module('benchmark')


def test_arch_on_cpu(tmp_path):
    out = tmp_path / 'bench.json'
    r = benchmark.main(
        [
            'faster_vit_0_224',
            '--device',
            'cpu',
            '--batch-size',
            '2',
            '--shape',
            '64',
            '--warmup',
            '1',
            '--iters',
            '3',
            '--json',
            str(out),
        ]
    )
    assert json.loads(out.read_text()) == r
    assert r['img_per_s'] > 0 and r['img_per_s_p25'] <= r['img_per_s'] <= r['img_per_s_p75']
    assert r['shape'] == [64, 64] and r['batch_size'] == 2 and r['iters'] == 3
    assert r['amp'] is False and r['channels_last'] is False  # CPU defaults


def test_config_and_cpu_defaults():
    cfg = osp.join(
        REPO_ROOT, 'configs', 'demo', 'fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py'
    )
    r = benchmark.benchmark(cfg, device='cpu', iters=2, warmup=0, channels_last=True)
    assert r['batch_size'] == benchmark.CPU_DEFAULTS['batch_size']
    assert r['shape'] == [64, 64] and r['channels_last'] is True and r['img_per_s'] > 0


def test_gpu_defaults_follow_the_paper_protocol():
    assert benchmark.GPU_DEFAULTS['batch_size'] == 128 and benchmark.GPU_DEFAULTS['amp'] is True

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/train.py (incl. --resume), tools/test.py (--out, --show-dir), the image demo, and
mmdet's own tools/train.py on a child of the demo config, for a couple of iterations."""

import os
import os.path as osp
import pickle
import sys

import pytest

from .conftest import run_process_group, run_tool, write_demo_child


@pytest.fixture(scope='module')
def trained(tmp_path_factory, det_data):
    """Train the tiny demo child for 2 iterations; return (config, work_dir)."""
    tmp = tmp_path_factory.mktemp('tools')
    config = write_demo_child(tmp / 'tiny_train.py', det_data, max_iters=2)
    work_dir = str(tmp / 'work')
    run_tool('train.py', [config, '--work-dir', work_dir])
    return config, work_dir


def test_train_writes_checkpoint_and_metrics(trained):
    _, work_dir = trained
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    # the text log (the visualizer, and so vis_data/, is a process-wide instance shared by the
    # runners of this test process)
    logs = [
        open(osp.join(work_dir, run, f'{run}.log')).read()
        for run in os.listdir(work_dir)
        if osp.isfile(osp.join(work_dir, run, f'{run}.log'))
    ]
    assert any('Iter(val)' in log and 'coco/bbox_mAP' in log for log in logs)  # validated


def test_resume_continues(trained, tmp_path, det_data):
    _, work_dir = trained
    config = write_demo_child(tmp_path / 'tiny_resume.py', det_data, max_iters=3)
    run_tool(
        'train.py', [config, '--work-dir', work_dir, '--resume', osp.join(work_dir, 'iter_2.pth')]
    )
    assert osp.isfile(osp.join(work_dir, 'iter_3.pth'))


def test_test_dumps_and_draws(trained, tmp_path):
    config, work_dir = trained
    out = str(tmp_path / 'preds.pkl')
    show_dir = str(tmp_path / 'vis')
    run_tool(
        'test.py',
        [
            config,
            osp.join(work_dir, 'iter_2.pth'),
            '--work-dir',
            str(tmp_path / 'test'),
            '--out',
            out,
            '--show-dir',
            show_dir,
        ],
    )
    with open(out, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 4 and 'pred_instances' in results[0]
    assert len([f for f in os.listdir(show_dir) if f.endswith('.png')]) == 4


def test_image_demo_writes_png(trained, tmp_path, det_data):
    config, work_dir = trained
    grid = str(tmp_path / 'grid.png')
    run_tool(
        'demo/image_demo.py',
        [
            osp.join(det_data, 'val'),
            config,
            osp.join(work_dir, 'iter_2.pth'),
            '--out-dir',
            str(tmp_path / 'pred'),
            '--limit',
            2,
            '--grid',
            grid,
        ],
    )
    assert sorted(os.listdir(tmp_path / 'pred')) == ['000009.png', '000010.png']
    with open(grid, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_mmdet_train_py_works_on_our_configs(tmp_path, det_data):
    """Registration does not depend on our tools: mmdet's own script, in a fresh process."""
    import mmdet

    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
    assert osp.isfile(script), script
    config = write_demo_child(tmp_path / 'tiny_mmdet.py', det_data, max_iters=1)
    env = dict(os.environ, PYTHONPATH='')  # fastervit_mm comes from the installed package
    code, log = run_process_group(
        [sys.executable, script, config, '--work-dir', str(tmp_path / 'w')],
        cwd=str(tmp_path),
        env=env,
    )
    assert code == 0, log[-5000:]
    assert osp.isfile(tmp_path / 'w' / 'iter_1.pth')

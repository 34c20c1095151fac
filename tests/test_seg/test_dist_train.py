# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""`tools/dist_train.sh <seg demo config> 2` trains and validates on a CPU-only machine
(torchrun, Gloo, BN, DDP without device ids); `tools/test.py` evaluates and paints the checkpoint
with mmseg's flags."""

import glob
import os.path as osp
import subprocess
import sys

from conftest import dist_cpu_env, run_process_group  # kills torchrun's workers on a timeout

from .conftest import DEMO_CONFIG, REPO_ROOT


def test_dist_train_two_processes(tmp_path, seg_data):
    work_dir = str(tmp_path / 'work')
    env = dist_cpu_env()
    options = [
        f'{loader}.dataset.data_root={seg_data}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ] + [
        'train_dataloader.batch_size=2',
        'train_cfg.max_iters=2',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
    ]
    code, log = run_process_group(
        [
            'bash',
            'tools/dist_train.sh',
            DEMO_CONFIG,
            '2',
            '--work-dir',
            work_dir,
            '--cfg-options',
            *options,
        ],
        cwd=REPO_ROOT,
        env=env,
    )
    assert code == 0, log[-5000:]
    assert 'distributed on CPU with gloo (rank 0 of 2)' in log
    assert 'Iter(train) [2/2]' in log and 'mIoU' in log
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))

    # tools/test.py on the checkpoint: mIoU, and mmseg's --show-dir pictures (every image, not
    # every 50th as SegVisualizationHook's default interval would)
    show_dir = str(tmp_path / 'vis')
    proc = subprocess.run(
        [
            sys.executable,
            'tools/test.py',
            DEMO_CONFIG,
            osp.join(work_dir, 'iter_2.pth'),
            '--work-dir',
            str(tmp_path / 'test'),
            '--show-dir',
            show_dir,
            '--cfg-options',
            *options[:3],
            'default_hooks.visualization.interval=1',
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert 'Iter(test) [4/4]' in proc.stdout + proc.stderr and 'mIoU' in proc.stdout + proc.stderr
    assert len(glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True)) == 4

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Distributed failure on CPU (Gloo): when one of two training processes fails, the job exits
with a non-zero status within 60 s instead of hanging.

* a rank raises, launched by ``tools/dist_train.sh`` (torchrun): the agent stops the survivor;
* a rank stops responding, processes started directly (as ``srun`` / the ``slurm`` and ``mpi``
  launchers do, no agent): the survivor's collective fails after ``env_cfg.dist_cfg.timeout``.
"""

import os.path as osp
import subprocess
import sys
import time

from conftest import REPO_ROOT, free_port, tool_env

from .conftest import write_tiny_det_config

LIMIT = 60  # seconds from the failure to a non-zero exit


def _config(folder, data_root, mode):
    extra = f'''
custom_imports = dict(imports=['fastervit_mm', 'test_reliability.failing_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='fastervit_mm.RNGStateHook'),
                dict(type='FailOnRankHook', rank=1, after_iter=2, mode={mode!r})]
# 96-pixel images: stage 3 (stride 16) fits in one window, so its carrier-token modules get no
# gradient and DDP needs to know
find_unused_parameters = True
'''
    return write_tiny_det_config(
        osp.join(folder, f'fail_{mode}.py'),
        data_root,
        max_iters=20,
        checkpoint_interval=100,
        extra=extra,
    )


def _failure_time(work_dir) -> float:
    path = osp.join(work_dir, 'failed_rank1.txt')
    assert osp.isfile(path), 'rank 1 never reached the failure point'
    with open(path) as f:
        return float(f.read())


def test_a_raising_rank_ends_the_torchrun_job(tmp_path, tiny_det_data):
    config = _config(tmp_path, tiny_det_data, 'raise')
    work_dir = str(tmp_path / 'work')
    env = tool_env(PYTHON=sys.executable, PORT=str(free_port()))
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    ended = time.time()
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-5000:]
    assert 'injected failure on rank 1' in log
    assert ended - _failure_time(work_dir) < LIMIT, log[-5000:]


def test_a_stuck_rank_times_out_without_an_agent(tmp_path, tiny_det_data):
    config = _config(tmp_path, tiny_det_data, 'hang')
    work_dir = str(tmp_path / 'work')
    port = str(free_port())
    procs = []
    for rank in (0, 1):
        env = tool_env(
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE='2',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=port,
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    'tools/train.py',
                    config,
                    '--work-dir',
                    work_dir,
                    '--launcher',
                    'pytorch',
                    '--cfg-options',
                    'env_cfg.dist_cfg.timeout=20',
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    try:
        out0, _ = procs[0].communicate(timeout=900)
        ended = time.time()
        assert procs[0].returncode != 0, out0[-5000:]
        assert procs[1].poll() is None, 'rank 1 is the stuck one'
        assert ended - _failure_time(work_dir) < LIMIT, out0[-5000:]
        assert 'Timed out waiting 20000ms' in out0, out0[-5000:]  # Gloo's message
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Distributed training on a CPU-only machine: `tools/dist_train.sh <demo config> 2` (torchrun,
Gloo, DDP without device ids, BN), and DDP gradients are averaged, not summed."""

import json
import math
import os
import os.path as osp
import time

import torch
import torch.multiprocessing as mp
from conftest import REPO_ROOT, dist_cpu_env, run_process_group, write_demo_child

from .dist_probe import average_grads_worker


def _records(work_dir: str, rank: int):
    with open(osp.join(work_dir, f'probe_rank{rank}.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_dist_train_sh_two_cpu_processes(tmp_path, det_data):
    extra = (
        "custom_imports = dict(imports=['fastervit_mm', 'test_det.dist_probe'])\n"
        "custom_hooks = [dict(type='fastervit_mm.ChannelCheckHook'),\n"
        "                dict(type='fastervit_mm.RNGStateHook'),\n"
        "                dict(type='DistProbeHook')]\n"
    )
    config = write_demo_child(tmp_path / 'tiny_dist.py', det_data, max_iters=3, extra=extra)
    work_dir = str(tmp_path / 'work')
    env = dist_cpu_env(PYTHONPATH=osp.join(REPO_ROOT, 'tests'))
    code, log = run_process_group(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir], cwd=REPO_ROOT, env=env
    )
    assert code == 0, log[-5000:]
    assert 'distributed on CPU with gloo (rank 0 of 2)' in log
    assert 'coco/bbox_mAP' in log  # validation gathered both ranks' results

    ranks = [_records(work_dir, r) for r in (0, 1)]
    iters = [[r for r in records if 'iter' in r] for records in ranks]
    grads = [[r for r in records if 'grad' in r] for records in ranks]
    assert [len(i) for i in iters] == [3, 3] and [len(g) for g in grads] == [3, 3]
    for it0, it1, g0, g1 in zip(*iters, *grads):
        assert it0['world'] == it1['world'] == 2
        assert math.isfinite(it0['loss']) and math.isfinite(it1['loss'])
        assert not set(it0['img_ids']) & set(it1['img_ids']), 'each rank reads its own images'
        # all-reduced before the step: the same gradient on both ranks, hence the same weights
        assert g0['grad_abs'] > 0
        assert math.isclose(g0['grad'], g1['grad'], rel_tol=1e-6, abs_tol=1e-9)
        assert math.isclose(g0['grad_abs'], g1['grad_abs'], rel_tol=1e-6)
        assert math.isclose(it0['params'], it1['params'], rel_tol=1e-9)
    assert any(a['loss'] != b['loss'] for a, b in zip(*iters)), 'local losses differ'

    saved = [[osp.basename(r['saved']) for r in records if 'saved' in r] for records in ranks]
    assert saved[0].count('iter_3.pth') == 1 and not [s for s in saved[1] if s.endswith('.pth')]
    assert sorted(f for f in os.listdir(work_dir) if f.endswith('.pth')) == ['iter_3.pth']
    checkpoint = torch.load(
        osp.join(work_dir, 'iter_3.pth'), map_location='cpu', weights_only=False
    )
    assert len(checkpoint['rng_state']) == 2  # RNGStateHook gathered both ranks' states


def test_ddp_on_cpu_averages_gradients(tmp_path):
    # The rendezvous store lives here, as torchrun's agent hosts it: with rank 0 hosting it, a
    # rank could hang in destroy_process_group after the other had exited with the store.
    store = torch.distributed.TCPStore('127.0.0.1', 0, is_master=True, wait_for_workers=False)
    ctx = mp.start_processes(
        average_grads_worker,
        args=(2, store.port, str(tmp_path)),
        nprocs=2,
        join=False,
        start_method='spawn',
    )
    deadline = time.monotonic() + 300
    while not ctx.join(timeout=5):
        if time.monotonic() > deadline:
            for proc in ctx.processes:
                proc.kill()
            raise AssertionError('the 2 DDP workers did not finish within 300 s')
    grads = [torch.load(tmp_path / f'grad{r}.pt') for r in (0, 1)]
    # local gradients are 1 and 2: the mean is 1.5 (a sum would give 3)
    assert torch.allclose(grads[0], torch.tensor([[1.5]])) and torch.equal(grads[0], grads[1])

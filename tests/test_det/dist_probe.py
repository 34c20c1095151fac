# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A hook for the 2-process test, imported through ``custom_imports``: every rank records its
losses, a gradient fingerprint right before each optimizer step (after DDP's all-reduce), a
parameter fingerprint after it, and every file it writes through mmengine's local backend.
:func:`average_grads_worker` is the body of the toy gradient-averaging test."""

import json
import os
import os.path as osp

from mmengine.dist import get_rank
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from fastervit_mm.engine.checkpoint import AtomicLocalBackend


@HOOKS.register_module()
class DistProbeHook(Hook):
    def before_run(self, runner):
        rank = get_rank()
        self.path = osp.join(runner.work_dir, f'probe_rank{rank}.jsonl')
        for backend_cls in (LocalBackend, AtomicLocalBackend):  # the latter writes checkpoints
            backend_cls.put = self._recording(backend_cls.put)

    def _recording(self, put):

        def recording_put(backend, obj, filepath):
            self._write(dict(saved=str(filepath)))
            return put(backend, obj, filepath)

        return recording_put

    def before_train(self, runner):
        optim_wrapper = runner.optim_wrapper
        step = optim_wrapper.step
        params = [p for p in runner.model.parameters() if p.requires_grad]

        def recording_step(**kwargs):
            grads = [p.grad.double().sum().item() for p in params if p.grad is not None]
            self._write(dict(grad=sum(grads), grad_abs=sum(abs(g) for g in grads)))
            return step(**kwargs)

        optim_wrapper.step = recording_step

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        params = sum(p.detach().double().sum().item() for p in runner.model.parameters())
        self._write(
            dict(
                iter=runner.iter,
                loss=float(outputs['loss']),
                params=params,
                world=int(os.environ.get('WORLD_SIZE', 1)),
                img_ids=[int(s.img_id) for s in data_batch['data_samples']],
            )
        )

    def _write(self, record):
        with open(self.path, 'a') as f:
            f.write(json.dumps(record) + '\n')


def average_grads_worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    """DDP on CPU through fastervit_mm's start-up: ``y = w * (rank + 1)``; save w's gradient."""
    import torch
    from mmengine.model import MMDistributedDataParallel

    from fastervit_mm.engine import init_cpu_dist

    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world_size),
        LOCAL_RANK=str(rank),
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port),
        TORCHELASTIC_USE_AGENT_STORE='True',
    )  # the test process hosts the store
    init_cpu_dist('pytorch', timeout=60)
    model = MMDistributedDataParallel(torch.nn.Linear(1, 1, bias=False), device_ids=None)
    model(torch.full((1, 1), float(rank + 1))).sum().backward()
    torch.save(model.module.weight.grad, osp.join(out_dir, f'grad{rank}.pt'))
    # Free DDP's reducer while its process group is alive: destroyed the other way round (the
    # group first, the reducer when this function returns), gloo hung at random, ~1 run in 3.
    del model
    torch.distributed.destroy_process_group()

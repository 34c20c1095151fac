# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Distributed start-up that works on GPUs (NCCL) and on CPU-only machines (Gloo).

mmengine 0.10.7 assumes GPUs once a launcher is given: ``init_dist`` always calls
``torch.cuda.set_device``, ``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to DDP (which
rejects it for a CPU module), and ``SyncBatchNorm`` refuses CPU tensors once a process group
exists. :func:`setup_distributed` is called by ``tools/train.py`` / ``tools/test.py`` before the
Runner is built and, without patching mmengine:

* picks the backend from the hardware: the config's (``env_cfg.dist_cfg.backend``, NCCL in mmdet
  and mmseg) with CUDA, Gloo without;
* initialises the process group itself (mmengine's launcher on GPUs; a CUDA-free equivalent for the
  ``pytorch``, ``slurm`` and ``mpi`` launchers on CPU), so the Runner skips its own ``init_dist``;
* on CPU, sets ``model_wrapper_cfg`` with ``device_ids=None`` (keeping the config's
  ``find_unused_parameters``) and turns ``SyncBN`` into ``BN`` in the model config.
"""

import datetime
import os
import subprocess
from typing import Any

import torch
import torch.distributed as torch_dist
from mmengine.dist import init_dist, is_distributed
from mmengine.logging import print_log

__all__ = ['setup_distributed', 'init_cpu_dist', 'replace_sync_bn']


def replace_sync_bn(cfg: Any) -> int:
    """Replace, in place, every ``type='SyncBN'`` norm config under ``cfg`` by ``'BN'``.

    Returns:
        int: How many were replaced.
    """
    count = 0
    if isinstance(cfg, dict):
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = 'BN'
            count += 1
        for value in cfg.values():
            count += replace_sync_bn(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            count += replace_sync_bn(value)
    return count


def _set_launcher_env(launcher: str) -> None:
    """Export RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT for ``env://`` initialisation.

    torchrun sets them for ``pytorch``; the ``slurm`` and ``mpi`` values follow mmengine's own
    launchers (``mmengine/dist/utils.py``).
    """
    env = os.environ
    if launcher == 'slurm':
        node_list = env['SLURM_NODELIST']
        env.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in env:
            env['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1'
            )
        env['WORLD_SIZE'] = env['SLURM_NTASKS']
        env['LOCAL_RANK'] = env.get('SLURM_LOCALID', '0')
        env['RANK'] = env['SLURM_PROCID']
    elif launcher == 'mpi':
        env.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in env:
            raise KeyError('The environment variable MASTER_ADDR is not set')
        env['WORLD_SIZE'] = env['OMPI_COMM_WORLD_SIZE']
        env['RANK'] = env['OMPI_COMM_WORLD_RANK']
        env['LOCAL_RANK'] = env['OMPI_COMM_WORLD_LOCAL_RANK']
    elif launcher != 'pytorch':
        raise ValueError(f"Invalid launcher {launcher!r}: expected 'pytorch', 'slurm' or 'mpi'")
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if k not in env]
    if missing:
        raise RuntimeError(
            f'launcher {launcher!r} needs the environment variables {missing}; '
            'start the job with tools/dist_train.sh (torchrun) or srun'
        )


def init_cpu_dist(launcher: str, backend: str = 'gloo', timeout: float = 1800, **kwargs) -> None:
    """Initialise the default process group without touching CUDA."""
    _set_launcher_env(launcher)
    torch_dist.init_process_group(
        backend=backend, timeout=datetime.timedelta(seconds=timeout), **kwargs
    )


def setup_distributed(cfg) -> str:
    """Prepare ``cfg`` and the process group for ``cfg.launcher``; return the backend used.

    Does nothing (returns ``''``) when ``cfg.launcher`` is ``'none'`` or a process group already
    exists. See the module docstring for what changes on CPU.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or is_distributed():
        return ''
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    if torch.cuda.is_available():
        dist_cfg.setdefault('backend', 'nccl')
        init_dist(launcher, **dist_cfg)
        return dist_cfg['backend']

    dist_cfg['backend'] = 'gloo'
    env_cfg['dist_cfg'] = dist_cfg
    init_cpu_dist(launcher, **dist_cfg)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False),
    )
    if 'DistributedDataParallel' in str(wrapper.get('type', 'MMDistributedDataParallel')):
        wrapper['device_ids'] = None  # DDP of a CPU module
    cfg['model_wrapper_cfg'] = wrapper
    replaced = replace_sync_bn(cfg.get('model'))
    print_log(
        f'no CUDA device: distributed on CPU with gloo '
        f'(rank {torch_dist.get_rank()} of {torch_dist.get_world_size()})'
        + (f', {replaced} SyncBN layer config(s) changed to BN' if replaced else ''),
        logger='current',
    )
    return 'gloo'

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Helpers of the reliability tests: small architectures, the parity fixtures, a tiny synthetic
COCO-format dataset and demo-config children that train a few iterations on CPU."""
import os
import os.path as osp
from pathlib import Path

import pytest

from conftest import REPO_ROOT, SHARED_DIR  # tests/conftest.py

#: A small FasterViT with carrier tokens in stage 3 (the published default layout).
TINY_ARCH = dict(dim=16, in_dim=8, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8],
                 window_size=[7, 7, 7, 7], ct_size=2, mlp_ratio=2,
                 hat=[False, False, True, False])
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'mask-rcnn_fastervit-demo_fpn_synthetic-192.py')
#: Image side of the tiny training runs.
IMAGE_SIZE = 96


def parity_case(name: str = 'case_hat_s3_224.pt') -> dict:
    """A parity fixture (official-layout weights, input and outputs); fails if it is missing."""
    import torch
    path = Path(os.environ.get('FASTERVIT_MM_PARITY_DIR',
                               osp.join(SHARED_DIR, 'fixtures', 'official'))) / name
    if not path.is_file():
        pytest.fail(f'parity fixture {path} not found: set FASTERVIT_MM_PARITY_DIR to the '
                    'directory of shared/fixtures/official')
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='session')
def tiny_det_data(tmp_path_factory) -> str:
    """8 training images of 96x96 in the synthetic COCO format; returns the root with '/'."""
    from fastervit_mm.datasets import make_synthetic_coco
    root = str(tmp_path_factory.mktemp('tiny_coco'))
    make_synthetic_coco(root, num_train=8, num_val=2, size=(IMAGE_SIZE, IMAGE_SIZE), seed=0)
    return root + '/'


def write_tiny_det_config(path, data_root: str, max_iters: int, checkpoint_interval: int,
                          seed: int = 0, extra: str = '') -> str:
    """A child of the CPU demo detection config: 96 px images, batch 2, no validation, an
    iteration-based schedule of ``max_iters``, checkpoints every ``checkpoint_interval``
    iterations (the demo's default checkpoint hook, i.e. what users get), ``seed`` and
    deterministic mode."""
    text = f'''
_base_ = {DEMO_CONFIG!r}
data_root = {data_root!r}
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=({IMAGE_SIZE}, {IMAGE_SIZE}), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_iters={max_iters}, val_interval={max_iters + 1})
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval={checkpoint_interval}, max_keep_ckpts=2))
randomness = dict(seed={seed}, deterministic=True)
{extra}
'''
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def tool_env(**extra) -> dict:
    """Environment of a ``tools/*.py`` subprocess: one thread (deterministic CPU reductions,
    light on a shared machine), CPU only, the repository and tests importable."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PYTHONUNBUFFERED='1',
               PYTHONPATH=os.pathsep.join([REPO_ROOT, osp.join(REPO_ROOT, 'tests')] +
                                          [os.environ.get('PYTHONPATH', '')]))
    env.update(extra)
    return env

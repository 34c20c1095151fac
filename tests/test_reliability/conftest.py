# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Helpers of the reliability tests: a small architecture, a parity fixture, a tiny synthetic
COCO-format dataset and demo-config children that train a few iterations on CPU. The demo config,
the fixture directory and ``tool_env`` are shared with other folders (tests/conftest.py)."""

import pytest
from conftest import DET_DEMO_CONFIG, require_parity_dir, tool_env, write_config

__all__ = [
    'TINY_ARCH',
    'DEMO_CONFIG',
    'IMAGE_SIZE',
    'parity_case',
    'tiny_det_data',
    'write_tiny_det_config',
    'tool_env',
]

#: A small FasterViT with carrier tokens in stage 3 (the published default layout).
TINY_ARCH = dict(
    dim=16,
    in_dim=8,
    depths=[1, 1, 2, 1],
    num_heads=[1, 2, 4, 8],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, False],
)
DEMO_CONFIG = DET_DEMO_CONFIG
#: Image side of the tiny training runs.
IMAGE_SIZE = 96


def parity_case(name: str = 'case_hat_s3_224.pt') -> dict:
    """A parity fixture (official-layout weights, input and outputs); fails if it is missing."""
    import torch

    path = require_parity_dir() / name
    if not path.is_file():
        pytest.fail(
            f'parity fixture {path} not found: set FASTERVIT_MM_PARITY_DIR to the '
            'directory of shared/fixtures/official'
        )
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='session')
def tiny_det_data(tmp_path_factory) -> str:
    """8 training images of 96x96 in the synthetic COCO format; returns the root with '/'."""
    from fastervit_mm.datasets import make_synthetic_coco

    root = str(tmp_path_factory.mktemp('tiny_coco'))
    make_synthetic_coco(root, num_train=8, num_val=2, size=(IMAGE_SIZE, IMAGE_SIZE), seed=0)
    return root + '/'


def write_tiny_det_config(
    path, data_root: str, max_iters: int, checkpoint_interval: int, seed: int = 0, extra: str = ''
) -> str:
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
    return write_config(path, text)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Determinism: the CPU demo detector trained twice with the same seed and
``randomness=dict(seed=0, deterministic=True)`` gives identical loss values (every component,
bit for bit) over 20 iterations and identical weights; another seed gives other losses."""

import pytest
import torch

from .conftest import write_tiny_det_config
from .loss_recorder import RECORDER_CONFIG, read_losses

ITERS = 20


@pytest.fixture
def restore_global_state():
    """Runner(deterministic=True) switches torch to deterministic algorithms process-wide."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


def _train(folder, name, data_root, iters, seed=0):
    from mmengine.config import Config
    from mmengine.runner import Runner

    path = write_tiny_det_config(
        folder / f'{name}.py', data_root, iters, iters, seed, RECORDER_CONFIG
    )
    cfg = Config.fromfile(path)
    cfg.work_dir = str(folder / name)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert torch.are_deterministic_algorithms_enabled()
    return read_losses(cfg.work_dir), runner.model.state_dict()


def test_same_seed_same_losses(tmp_path, tiny_det_data, restore_global_state):
    first, weights_a = _train(tmp_path, 'run_a', tiny_det_data, ITERS)
    second, weights_b = _train(tmp_path, 'run_b', tiny_det_data, ITERS)
    assert sorted(first) == list(range(1, ITERS + 1))
    assert len(first[1]) > 5  # loss, loss_rpn_cls, loss_rpn_bbox, loss_cls, loss_bbox, ...
    for it in range(1, ITERS + 1):
        assert first[it] == second[it], f'iteration {it}: {first[it]} != {second[it]}'
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)

    other, _ = _train(tmp_path, 'run_seed1', tiny_det_data, 2, seed=1)
    assert other[1]['loss'] != first[1]['loss'], 'the seed must matter'

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Interrupted training: the CPU demo detector (Mask R-CNN, FasterViT) is trained with
``tools/train.py`` in deterministic mode, SIGKILLed at a random iteration after its first
checkpoint (possibly while it saves one), resumed with ``--resume``, and must end with weights
bit-identical to an uninterrupted run of the same length.

What makes that hold: the iteration-based demo schedule (resume mid-run, dataloader replayed),
``RNGStateHook`` (RNG states of Python, NumPy and torch in the checkpoint, restored before the
first new batch: the RPN/RoI samplers and augmentations draw what they would have drawn) and
``AtomicCheckpointHook`` (the kill never leaves a partial checkpoint that resume picks up).

``FASTERVIT_MM_KILL_SEED`` fixes the kill iteration to reproduce a failure.
"""

import os
import os.path as osp
import random
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO_ROOT

from .conftest import tool_env, write_tiny_det_config
from .loss_recorder import RECORDER_CONFIG, read_losses

MAX_ITERS = 10
INTERVAL = 3  # checkpoints at 3, 6, 9 and 10 (the last iteration)


def _train(config, work_dir, *args, kill_after=None, timeout=900):
    """Run tools/train.py; with ``kill_after=k`` SIGKILL it once iteration ``k`` is done and a
    checkpoint pointer exists. Returns (return code, output)."""
    cmd = [
        sys.executable,
        osp.join('tools', 'train.py'),
        str(config),
        '--work-dir',
        str(work_dir),
        *args,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines, deadline = [], time.time() + timeout
    try:
        for line in proc.stdout:
            lines.append(line)
            if time.time() > deadline:
                break
            if (
                kill_after is not None
                and line.startswith('ITER-DONE ')
                and int(line.split()[1]) >= kill_after
                and osp.exists(osp.join(work_dir, 'last_checkpoint'))
            ):
                proc.send_signal(signal.SIGKILL)
                break
        return proc.wait(timeout=60), ''.join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def _weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.fixture(scope='module')
def config(tmp_path_factory, tiny_det_data):
    folder = tmp_path_factory.mktemp('interrupted')
    return write_tiny_det_config(
        folder / 'tiny_det.py', tiny_det_data, MAX_ITERS, INTERVAL, extra=RECORDER_CONFIG
    )


@pytest.fixture(scope='module')
def uninterrupted(config, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    code, log = _train(config, work_dir)
    assert code == 0, log[-5000:]
    return work_dir


def test_kill_and_resume_is_bit_identical(config, uninterrupted, tmp_path):
    seed = int(os.environ.get('FASTERVIT_MM_KILL_SEED', time.time_ns() % 100000))
    kill_after = random.Random(seed).randint(INTERVAL + 1, MAX_ITERS - 1)
    context = f'(kill after iteration {kill_after}; FASTERVIT_MM_KILL_SEED={seed})'
    work_dir = tmp_path / 'work'

    code, log = _train(config, work_dir, kill_after=kill_after)
    assert code == -signal.SIGKILL, f'{context}\n{log[-5000:]}'
    with open(work_dir / 'last_checkpoint') as f:
        resume_from = f.read()
    killed = read_losses(work_dir)

    code, log = _train(config, work_dir, '--resume')
    assert code == 0, f'{context}\n{log[-5000:]}'
    assert 'resumed' in log.lower() and osp.basename(resume_from) in log, context

    reference = read_losses(uninterrupted)
    assert sorted(reference) == list(range(1, MAX_ITERS + 1))
    resumed = read_losses(work_dir)  # the resumed run's records replace the killed run's
    for it in range(1, MAX_ITERS + 1):
        assert resumed[it] == reference[it], f'iteration {it} differs {context}'
    assert all(killed[it] == reference[it] for it in killed), f'before the kill {context}'

    final = _weights(work_dir / f'iter_{MAX_ITERS}.pth')
    expected = _weights(uninterrupted / f'iter_{MAX_ITERS}.pth')
    assert final.keys() == expected.keys()
    different = [k for k in expected if not torch.equal(final[k], expected[k])]
    assert not different, f'{len(different)} tensors differ, first {different[:5]} {context}'

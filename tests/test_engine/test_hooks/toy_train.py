# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A seconds-long mmengine training (a linear model on random data) for the checkpoint tests.

``python -m test_engine.test_hooks.toy_train WORK_DIR [--hook CheckpointHook] [--max-keep N]
[--slow-save-at ITER] [--resume] [--iters N]``

With ``--slow-save-at k`` the checkpoint of iteration ``k`` is written in small chunks with
pauses (every file opened for binary writing while it is saved, whatever the backend), and the
line ``SAVE-IN-PROGRESS`` is printed once the first chunk is on disk: the test then kills the
process in the middle of the write.
"""

import argparse
import builtins
import os
import sys
import time

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

_slow = {'on': False, 'announced': False}


class _SlowFile:
    """Writes through in 64 KiB chunks, pausing after each; announces the first chunk."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        view = memoryview(data).cast('B')
        for start in range(0, len(view), 1 << 16):
            self._f.write(view[start : start + (1 << 16)])
            self._f.flush()
            if not _slow['announced']:
                _slow['announced'] = True
                print('SAVE-IN-PROGRESS', flush=True)
            time.sleep(0.2)
        return len(view)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def _slow_opener(opener):

    def wrapped(*args, **kwargs):
        f = opener(*args, **kwargs)
        mode = kwargs.get('mode', args[1] if len(args) > 1 else 'r')
        return _SlowFile(f) if _slow['on'] and 'b' in mode and 'w' in mode else f

    return wrapped


class SlowSaveHook(Hook):
    priority = 'VERY_HIGH'

    def __init__(self, at: int) -> None:
        self.at = at

    def before_save_checkpoint(self, runner, checkpoint):
        _slow['on'] = runner.iter + 1 == self.at


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(256, 256)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return {'loss': (out - labels).pow(2).mean()}
        return out


class ToyDataset(torch.utils.data.Dataset):
    def __len__(self):
        return 16

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(256, generator=g), labels=torch.randn(256, generator=g))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('work_dir')
    parser.add_argument('--hook', default='fastervit_mm.AtomicCheckpointHook')
    parser.add_argument('--max-keep', type=int, default=2)
    parser.add_argument('--slow-save-at', type=int, default=0)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--resume', action='store_true')
    args = parser.parse_args()
    builtins.open = _slow_opener(builtins.open)
    os.fdopen = _slow_opener(os.fdopen)
    import fastervit_mm.engine  # noqa: F401  (registers the hook)

    runner = Runner(
        model=ToyModel(),
        work_dir=args.work_dir,
        train_dataloader=dict(
            dataset=ToyDataset(),
            batch_size=4,
            num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
        ),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        train_cfg=dict(by_epoch=False, max_iters=args.iters),
        default_hooks=dict(
            checkpoint=dict(
                type=args.hook, interval=1, by_epoch=False, max_keep_ckpts=args.max_keep
            ),
            logger=dict(type='LoggerHook', interval=1),
        ),
        custom_hooks=[dict(type=SlowSaveHook, at=args.slow_save_at)],
        log_processor=dict(by_epoch=False),
        resume=args.resume,
        randomness=dict(seed=0),
        default_scope='mmengine',
    )
    runner.train()
    print(f'FINISHED at iter {runner.iter}', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

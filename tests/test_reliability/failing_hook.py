# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A hook for the distributed-failure tests, imported through ``custom_imports``: on one rank,
after a given iteration, write the time to ``<work_dir>/failed_rank<r>.txt`` and then raise
(``mode='raise'``) or stop responding (``mode='hang'``, a worker stuck in I/O or a deadlock)."""

import os.path as osp
import time

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class FailOnRankHook(Hook):
    def __init__(self, rank: int = 1, after_iter: int = 2, mode: str = 'raise') -> None:
        self.rank, self.after_iter, self.mode = rank, after_iter, mode

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if get_rank() != self.rank or runner.iter + 1 != self.after_iter:
            return
        with open(osp.join(runner.work_dir, f'failed_rank{self.rank}.txt'), 'w') as f:
            f.write(repr(time.time()))
        if self.mode == 'raise':
            raise RuntimeError(f'injected failure on rank {self.rank}')
        time.sleep(3600)

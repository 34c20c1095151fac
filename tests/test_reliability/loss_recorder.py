# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A hook for the training tests, imported through ``custom_imports``: after every training
iteration it appends the exact loss values to ``<work_dir>/losses.jsonl`` and prints
``ITER-DONE <k>`` (so that a test can kill the process at a chosen iteration)."""

import json
import os.path as osp

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

#: Config lines that add the recorder to the demo detection config's hooks.
RECORDER_CONFIG = '''
custom_imports = dict(imports=['fastervit_mm', 'test_reliability.loss_recorder'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='fastervit_mm.ChannelCheckHook'),
                dict(type='fastervit_mm.RNGStateHook'),
                dict(type='LossRecorderHook')]
'''


@HOOKS.register_module()
class LossRecorderHook(Hook):
    priority = 'HIGH'  # before the checkpoint hook (VERY_LOW) saves this iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        record = {'iter': runner.iter + 1}
        record.update({k: float(v) for k, v in outputs.items()})
        with open(osp.join(runner.work_dir, 'losses.jsonl'), 'a') as f:
            f.write(json.dumps(record) + '\n')
        print(f'ITER-DONE {runner.iter + 1}', flush=True)


def read_losses(work_dir: str) -> dict:
    """iteration -> loss record; later records of an iteration replace earlier ones."""
    records = {}
    with open(osp.join(work_dir, 'losses.jsonl')) as f:
        for line in f:
            record = json.loads(line)
            records[record['iter']] = record
    return records

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Helpers of the detection tests: config paths, child configs of the demo config that train for a
few iterations, and small detectors (the synthetic dataset ``det_data`` and ``mmdet_scope`` are in
tests/conftest.py)."""
import copy
import glob
import os.path as osp
import os
import runpy
import signal
import subprocess
import sys
from typing import List, Tuple

import pytest

from conftest import REPO_ROOT  # tests/conftest.py

DET_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'mask_rcnn', '*.py')) +
    glob.glob(osp.join(REPO_ROOT, 'configs', 'cascade_rcnn', '*.py')) +
    glob.glob(osp.join(REPO_ROOT, 'configs', 'demo', 'mask-rcnn_*.py')))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'mask-rcnn_fastervit-demo_fpn_synthetic-192.py')
CASCADE_CONFIG = osp.join(REPO_ROOT, 'configs', 'cascade_rcnn',
                          'cascade-mask-rcnn_fastervit-0_fpn_4conv1fc-giou_ms-crop-3x_coco.py')


def write_demo_child(path: str, data_root: str, max_iters: int = 2, extra: str = '',
                     val_interval: int = None, base: str = DEMO_CONFIG) -> str:
    """Write a child of the demo config that reads ``data_root`` and trains ``max_iters``
    iterations (batch 2, log every iteration, validation and a checkpoint at the end unless
    ``val_interval`` says otherwise); returns ``path``. ``base``: the demo config to inherit
    (the Mask R-CNN demo by default)."""
    text = f'''
_base_ = {base!r}
data_root = {data_root!r}
train_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=2, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_iters={max_iters}, val_interval={val_interval or max_iters})
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval={max_iters}))
{extra}
'''
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def run_tool(script: str, args: List[str]) -> None:
    """Run ``tools/<script>`` in this process, as ``python tools/<script> args``."""
    argv = sys.argv
    sys.argv = [script] + [str(a) for a in args]
    try:
        runpy.run_path(osp.join(REPO_ROOT, 'tools', script), run_name='__main__')
    finally:
        sys.argv = argv


def build_detector(cfg, **overrides):
    """Build ``cfg.model`` with the backbone's ``init_cfg`` removed and ``overrides`` merged in
    (keys relative to ``model``, e.g. ``{'neck.in_channels': [...]}``)."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    model_cfg = Config(dict(model=copy.deepcopy(cfg.model)))
    model_cfg.merge_from_dict({'model.backbone.init_cfg': None})
    model_cfg.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    return MODELS.build(model_cfg.model)


def run_process_group(cmd: List[str], timeout: int = 600, **kwargs) -> Tuple[int, str]:
    """Run ``cmd`` in its own process group; on timeout kill the whole group (torchrun's workers
    included) and fail with the output so far. Returns (exit code, stdout + stderr)."""
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f'{cmd} timed out after {timeout} s:\n{out[-5000:]}')
    return proc.returncode, out

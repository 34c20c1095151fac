# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What the test folders share (one definition each; the folder conftests import from here).

* paths: ``REPO_ROOT``, ``SHARED_DIR``, the parity fixtures (``parity_dir``, ``require_parity_dir``,
  ``anyres_compat_stages``), the demo configs of detection and segmentation, and what a copy of
  the checkout leaves out (``COPY_IGNORE``);
* processes: ``run_python`` (a fresh interpreter), ``tool_env`` (the environment of a
  ``tools/*.py`` subprocess), ``run_process_group`` (kills torchrun's workers on a timeout),
  ``free_port`` (for a distributed run's rendezvous);
* data: the tiny synthetic COCO and ADE20K datasets (``det_data``, ``seg_data``) and the
  mmdet/mmseg registry scopes;
* models: ``build_detector``, ``build_segmentor`` and the segmentation demo config
  (``seg_demo_cfg``); config files (``write_config``), the detection demo's children
  (``write_demo_child``) and tools run in-process (``run_tool``);
* the ImageNet configs: ``cls_config_variants`` (config stem -> published variant);
* numbers: ``rel_err``.

This file imports nothing beyond the standard library and pytest at module level: the
backbone-level set runs it in environments without mmdet and mmseg.
"""

import copy
import os
import os.path as osp
import runpy
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DIR = osp.join(osp.dirname(REPO_ROOT), 'shared')
DET_DEMO_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'demo', 'mask-rcnn_fastervit-demo_fpn_synthetic-192.py'
)
SEG_DEMO_CONFIG = osp.join(
    REPO_ROOT, 'configs', 'demo', 'fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py'
)

#: A small FasterViT with carrier tokens in both transformer stages (fast on CPU).
TINY_ARCH = dict(
    dim=16,
    in_dim=8,
    depths=[1, 1, 2, 2],
    num_heads=[1, 2, 4, 8],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, True],
)
#: GMACs of the published variants counted on the published code (spec §1.4, "GMACs measured").
SPEC_GMACS = dict(
    faster_vit_0_224=3.49,
    faster_vit_1_224=5.50,
    faster_vit_2_224=8.97,
    faster_vit_3_224=18.71,
    faster_vit_4_224=43.23,
    faster_vit_5_224=113.97,
    faster_vit_6_224=143.99,
    faster_vit_4_21k_224=41.59,
    faster_vit_4_21k_384=126.56,
    faster_vit_4_21k_512=234.09,
    faster_vit_4_21k_768=585.10,
)
#: What a copy of the checkout leaves out (environments, build outputs, caches, data).
COPY_IGNORE = shutil.ignore_patterns(
    '.venv',
    '.venv-*',
    '.git',
    '.mim',
    '__pycache__',
    '*.egg-info',
    'build',
    'dist',
    'work_dirs',
    'data',
    '.pytest_cache',
    '.hypothesis',
)


# ---- parity fixtures ------------------------------------------------------------------------
def parity_dir() -> Path:
    """``$FASTERVIT_MM_PARITY_DIR``, default ``../shared/fixtures/official`` from the repo root."""
    default = osp.join(SHARED_DIR, 'fixtures', 'official')
    return Path(os.environ.get('FASTERVIT_MM_PARITY_DIR', default))


def require_parity_dir() -> Path:
    """The fixture directory, failing (never skipping) with a clear message if it is missing."""
    path = parity_dir()
    if not path.is_dir():
        pytest.fail(
            f'parity fixtures not found at {path}: set FASTERVIT_MM_PARITY_DIR to the '
            'directory holding case_*.pt and layouts.json (shared/fixtures/official)'
        )
    return path


def anyres_compat_stages(kwargs: dict):
    """Stages where the published any-resolution model has a non-square window grid with HAT.

    That model pads each stage map ``int(R / 2**(i+2))`` up to whole windows at construction;
    only these stages need the compatibility switch (``compat_anyres``).
    """
    height, width = kwargs['resolution']
    windows = kwargs['window_size']
    windows = windows if isinstance(windows, (list, tuple)) else [windows] * 4
    hat = kwargs['hat'] if isinstance(kwargs['hat'], (list, tuple)) else [kwargs['hat']] * 4
    compat = []
    for i in range(4):
        h, w = int(height * 2 ** (-2 - i)), int(width * 2 ** (-2 - i))
        compat.append(bool(hat[i]) and -(-h // windows[i]) != -(-w // windows[i]))
    return compat


def cls_config_variants() -> dict:
    """ImageNet config stem (``configs/fastervit/``) -> the published variant it evaluates (arch,
    crop, crop_pct, crop mode, drop path, checkpoint: ``fastervit_mm.models.backbones.variants``).
    """
    from fastervit_mm.models.backbones.variants import get_variant

    return {
        **{f'fastervit-{k}_32xb128_in1k': get_variant(str(k)) for k in range(7)},
        **{
            'fastervit-4_in21k-pre_3rdparty_in1k' + ('' if s == 224 else f'-{s}px'): get_variant(
                f'4-21k-{s}'
            )
            for s in (224, 384, 512, 768)
        },
    }


def rel_err(out, ref) -> float:
    """Relative error ``|out - ref| / |ref|`` of two tensors, in float64."""
    return ((out.double() - ref.double()).norm() / ref.double().norm()).item()


# ---- processes ------------------------------------------------------------------------------
def run_python(code: str, cwd: str = REPO_ROOT, timeout: int = 600, env: dict = None):
    """Run ``code`` in a fresh interpreter of this venv (clean registries, clean safe-globals).

    Returns:
        subprocess.CompletedProcess: with ``stdout``/``stderr`` as text.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, '-c', code],
        cwd=cwd,
        env=full_env,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def python_subprocess():
    return run_python


def tool_env(**extra) -> dict:
    """Environment of a ``tools/*.py`` subprocess: one thread (deterministic CPU reductions,
    light on a shared machine), CPU only, the repository and tests importable."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS='1',
        MKL_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
        PYTHONUNBUFFERED='1',
        PYTHONPATH=os.pathsep.join(
            [REPO_ROOT, osp.join(REPO_ROOT, 'tests')] + [os.environ.get('PYTHONPATH', '')]
        ),
    )
    env.update(extra)
    return env


def run_process_group(cmd: List[str], timeout: int = 600, **kwargs) -> Tuple[int, str]:
    """Run ``cmd`` in its own process group; on timeout kill the whole group (torchrun's workers
    included) and fail with the output so far. Returns (exit code, stdout + stderr)."""
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f'{cmd} timed out after {timeout} s:\n{out[-5000:]}')
    return proc.returncode, out


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def dist_cpu_env(**extra: str) -> dict:
    """Environment of a ``tools/dist_train.sh`` run on the CPU (also on a GPU machine): this
    interpreter, a free port, one OpenMP thread per process, no visible GPU."""
    return dict(
        os.environ,
        PYTHON=sys.executable,
        PORT=str(free_port()),
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
        **extra,
    )


def run_tool(script: str, args: List[str]) -> None:
    """Run ``tools/<script>`` in this process, as ``python tools/<script> args``."""
    argv = sys.argv
    sys.argv = [script] + [str(a) for a in args]
    try:
        runpy.run_path(osp.join(REPO_ROOT, 'tools', script), run_name='__main__')
    finally:
        sys.argv = argv


# ---- registry scope isolation -----------------------------------------------------------------
@pytest.fixture(autouse=True)
def _restore_default_scope():
    """Undo whatever default registry scope a test sets (mmengine keeps it process-wide), so no test
    builds from the registry of a host library that an earlier test chose."""
    from mmengine.registry import DefaultScope

    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


# ---- synthetic datasets and registry scopes -------------------------------------------------
@pytest.fixture(scope='session')
def det_data(tmp_path_factory) -> str:
    """A tiny synthetic COCO-format dataset (8 training, 4 validation images of 192x192)."""
    from fastervit_mm.datasets import make_synthetic_coco

    root = str(tmp_path_factory.mktemp('synthetic_coco'))
    make_synthetic_coco(root, num_train=8, num_val=4, seed=0)
    return root + '/'


@pytest.fixture
def mmdet_scope():
    """Make ``mmdet`` the default registry scope (as the Runner does for these configs); per test,
    undone after it by ``_restore_default_scope``."""
    from mmengine.registry import init_default_scope

    init_default_scope('mmdet')


@pytest.fixture(scope='session')
def seg_data(tmp_path_factory):
    """A tiny synthetic ADE20K-format dataset (8 training, 4 validation images of 64x64)."""
    from fastervit_mm.datasets import make_synthetic_ade20k

    root = str(tmp_path_factory.mktemp('synthetic_ade20k'))
    make_synthetic_ade20k(root, num_train=8, num_val=4, size=(64, 64), seed=0)
    return root


@pytest.fixture
def mmseg_scope():
    """Make ``mmseg`` the default registry scope (per test, as ``mmdet_scope``)."""
    from mmengine.registry import init_default_scope

    init_default_scope('mmseg')


# ---- models and configs of the detection and segmentation demos -----------------------------
def write_config(path, text: str) -> str:
    """Write a config file (``text``) to ``path``; returns ``path`` as a str."""
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def write_demo_child(
    path: str,
    data_root: str,
    max_iters: int = 2,
    extra: str = '',
    val_interval: int = None,
    base: str = DET_DEMO_CONFIG,
) -> str:
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
    return write_config(path, text)


def build_detector(cfg, **overrides):
    """Build ``cfg.model`` with the backbone's ``init_cfg`` removed and ``overrides`` merged in
    (keys relative to ``model``, e.g. ``{'neck.in_channels': [...]}``)."""
    from mmdet.registry import MODELS
    from mmengine.config import Config

    model_cfg = Config(dict(model=copy.deepcopy(cfg.model)))
    model_cfg.merge_from_dict({'model.backbone.init_cfg': None})
    model_cfg.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    return MODELS.build(model_cfg.model)


@pytest.fixture
def seg_demo_cfg(mmseg_scope):
    """The segmentation demo config, under the ``mmseg`` default scope."""
    from mmengine.config import Config

    return Config.fromfile(SEG_DEMO_CONFIG)


def build_segmentor(cfg, **model_overrides):
    """Build ``cfg.model`` (deep-copied, merged with ``model_overrides``) in eval mode."""
    from mmengine.config import Config
    from mmseg.registry import MODELS

    model_cfg = Config(dict(model=copy.deepcopy(cfg.model)))
    model_cfg.merge_from_dict({f'model.{k}': v for k, v in model_overrides.items()})
    model = MODELS.build(model_cfg.model)
    model.init_weights()
    return model.eval()

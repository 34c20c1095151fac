# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""mim with fastervit_mm: train and test the classification demo for a few iterations after
``pip install .`` and after ``pip install -e .`` (a PEP 660 editable install, plus
``python -m fastervit_mm.model_zoo --link-for-mim``: openmim 0.3.9 cannot find PEP 660 installs
otherwise); search the model zoo and resolve a config.

Each install goes into a fresh virtual environment from a copy of the repository. The heavy
dependencies (torch, mmcv, mmengine, mmpretrain, openmim) are not reinstalled: a ``.pth`` file
appends this environment's site-packages after the new one's, so the new environment's
fastervit_mm (and its ``.mim``) is the one found first.
"""

import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import venv

import pytest
from conftest import COPY_IGNORE, REPO_ROOT

DEMO = 'fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py'  # mim finds configs by file name


def _python_with_fastervit(tmp_path, editable: bool) -> str:
    src = tmp_path / 'src'
    shutil.copytree(REPO_ROOT, src, ignore=COPY_IGNORE)
    env_dir = tmp_path / 'venv'
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / 'bin' / 'python')
    new_site = subprocess.run(
        [python, '-c', 'import site; print(site.getsitepackages()[0])'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with open(osp.join(new_site, 'zz_base_env.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    cmd = [python, '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation']
    cmd += ['-e', str(src)] if editable else [str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    if editable:  # PEP 660: openmim needs <site-packages>/fastervit_mm (docs/faq.md)
        res = subprocess.run(
            [python, '-m', 'fastervit_mm.model_zoo', '--link-for-mim'],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
        )
        assert res.returncode == 0 and 'linked' in res.stdout, res.stdout + res.stderr
    return python


def _mim(python: str, *args, cwd) -> str:
    res = subprocess.run(
        [python, '-m', 'mim', *args],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        timeout=900,
        env=dict(os.environ, PYTHONNOUSERSITE='1', OMP_NUM_THREADS='1'),
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-5000:]
    return out


@pytest.mark.parametrize('editable', [False, True], ids=['pip-install', 'pip-install-e'])
def test_mim_train_and_test(tmp_path, editable):
    python = _python_with_fastervit(tmp_path, editable)
    where = subprocess.run(
        [python, '-c', 'import fastervit_mm; print(fastervit_mm.__file__)'],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        check=True,
    )
    assert str(tmp_path) in where.stdout  # the new environment's copy, not the checkout's
    small = [
        'train_dataloader.batch_size=16',
        'val_dataloader.batch_size=16',
        f'train_dataloader.dataset.data_root={tmp_path}/data',
        f'val_dataloader.dataset.data_root={tmp_path}/data',
        f'test_dataloader.dataset.data_root={tmp_path}/data',
    ]
    for split in ('train', 'val', 'test'):
        small += [
            f'{split}_dataloader.dataset.num_train=32',
            f'{split}_dataloader.dataset.num_val=16',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    from fastervit_mm.datasets import make_synthetic_cls

    make_synthetic_cls(str(tmp_path / 'data'), num_train=32, num_val=16)
    work = tmp_path / 'work'
    out = _mim(
        python,
        'train',
        'fastervit_mm',
        DEMO,
        '--work-dir',
        str(work),
        '--cfg-options',
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        *small,
        cwd=tmp_path,
    )
    assert 'Epoch(train) [1][2/2]' in out, out[-3000:]
    assert 'accuracy/top1' in out
    checkpoint = work / 'epoch_1.pth'
    assert checkpoint.is_file()
    out = _mim(
        python,
        'test',
        'fastervit_mm',
        DEMO,
        '--checkpoint',
        str(checkpoint),
        '--work-dir',
        str(tmp_path / 'test'),
        '--cfg-options',
        *small,
        cwd=tmp_path,
    )
    assert 'Epoch(test) [1/1]' in out and 'accuracy/top1' in out, out[-3000:]


def test_mim_search_and_download(tmp_path):
    """The installed (editable) package: the model zoo is listed and configs resolve by name."""
    out = _mim(sys.executable, 'search', 'fastervit_mm', cwd=tmp_path)
    for k in range(7):
        assert f'fastervit-{k}_32xb128_in1k' in out
    assert 'fastervit-4_in21k-pre_3rdparty_in1k-768px' in out
    dest = tmp_path / 'ckpt'
    dest.mkdir()
    (dest / 'fastervit_0_224_1k.pth.tar').write_bytes(b'')  # present: mim skips the download
    _mim(
        sys.executable,
        'download',
        'fastervit_mm',
        '--config',
        'fastervit-0_32xb128_in1k',
        '--dest',
        str(dest),
        cwd=tmp_path,
    )
    dumped = (dest / 'fastervit-0_32xb128_in1k.py').read_text()
    assert "arch='faster_vit_0_224'" in dumped and 'FasterViTClassifier' in dumped

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Atomic checkpoints: a process killed while saving never leaves a file that resume picks up.

The kill tests run a seconds-long mmengine training (:mod:`.toy_train`) whose checkpoint of
iteration 3 is written slowly, SIGKILL it once the first bytes are on disk, and resume. The same
scenario with mmengine's own ``CheckpointHook`` is the control: it leaves a truncated
``iter_3.pth`` and, with ``max_keep_ckpts=1``, a ``last_checkpoint`` naming a deleted file.
"""

import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch
from conftest import REPO_ROOT, tool_env

from fastervit_mm.checkpoint import TMP_MARK, atomic_write, remove_stale_temporaries
from fastervit_mm.engine.checkpoint import AtomicCheckpointHook, AtomicLocalBackend
from fastervit_mm.registry import HOOKS


def _toy(work_dir, *args, kill_on_save=False, timeout=300):
    """Run :mod:`.toy_train`; with ``kill_on_save`` SIGKILL it when its slow save has begun.

    Returns:
        tuple: (return code, output).
    """
    cmd = [sys.executable, '-m', 'test_engine.test_hooks.toy_train', str(work_dir), *map(str, args)]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if kill_on_save and line.startswith('SAVE-IN-PROGRESS'):
                proc.send_signal(signal.SIGKILL)
                break
        return proc.wait(timeout=timeout), ''.join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def _loads(path) -> bool:
    try:
        torch.load(path, map_location='cpu', weights_only=False)
        return True
    except Exception:
        return False


def _pointer(work_dir) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read()


# --------------------------------------------------------------------------- units
def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / 'ckpt.pth'
    atomic_write(path, b'old complete content')

    def crash(src, dst):
        raise KeyboardInterrupt  # e.g. Ctrl-C between writing and renaming

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, b'new content' * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == b'old complete content'
    assert os.listdir(tmp_path) == ['ckpt.pth'], 'the temporary file is cleaned up'
    atomic_write(path, 'new')
    assert path.read_text() == 'new'


def test_permissions_follow_the_umask_and_stale_temporaries_are_removed(tmp_path):
    path = tmp_path / 'ckpt.pth'
    old = os.umask(0o022)
    try:
        atomic_write(path, b'x')
    finally:
        os.umask(old)
    assert (os.stat(path).st_mode & 0o777) == 0o644  # as open(); mkstemp would give 0o600
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    stale = tmp_path / f'.iter_9.pth{TMP_MARK}{dead.pid}-abcd'
    stale.write_bytes(b'partial')
    alive = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    try:
        in_progress = tmp_path / f'.iter_8.pth{TMP_MARK}{alive.pid}-abcd'
        in_progress.write_bytes(b'another run is writing')
        (tmp_path / 'notes.txt').write_text('kept')
        assert remove_stale_temporaries(str(tmp_path)) == 1
    finally:
        alive.kill()
        alive.wait()
    assert sorted(os.listdir(tmp_path)) == sorted(['ckpt.pth', 'notes.txt', in_progress.name])


def test_backend_and_registration():
    from mmengine.fileio import get_file_backend

    backend = get_file_backend('/tmp/x', backend_args=dict(backend='fastervit_mm_atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    assert HOOKS.get('AtomicCheckpointHook') is AtomicCheckpointHook


# --------------------------------------------------------------------------- kill while saving
def test_kill_while_saving_then_resume(tmp_path):
    """max_keep_ckpts=1, the hardest case: mmengine would delete iter_2 before saving iter_3."""
    work_dir, max_keep = tmp_path / 'work', 1
    code, log = _toy(work_dir, '--max-keep', max_keep, '--slow-save-at', 3, kill_on_save=True)
    assert code == -signal.SIGKILL, log[-3000:]
    names = os.listdir(work_dir)
    assert 'iter_3.pth' not in names, 'only complete files get a final name'
    assert [n for n in names if TMP_MARK in n], 'the kill hit the write of iter_3'
    assert _pointer(work_dir).endswith('iter_2.pth') and _loads(_pointer(work_dir))
    assert 'iter_1.pth' not in names  # deleted once iter_2 was complete

    code, log = _toy(work_dir, '--max-keep', max_keep, '--resume')
    assert code == 0, log[-3000:]
    assert 'resumed' in log.lower() and 'FINISHED at iter 5' in log
    assert 'removed 1 incomplete checkpoint file' in log
    names = sorted(os.listdir(work_dir))
    assert not [n for n in names if TMP_MARK in n]
    assert [n for n in names if n.endswith('.pth')] == ['iter_5.pth']
    assert _pointer(work_dir).endswith('iter_5.pth')
    assert torch.load(_pointer(work_dir), weights_only=False)['meta']['iter'] == 5


def test_control_mmengine_checkpoint_hook_leaves_broken_state(tmp_path):
    """Without the hook the same kill leaves a truncated iter_3.pth, and with
    max_keep_ckpts=1 a pointer to the checkpoint deleted before the save: resume fails."""
    work_dir = tmp_path / 'work'
    code, _ = _toy(
        work_dir,
        '--hook',
        'CheckpointHook',
        '--max-keep',
        1,
        '--slow-save-at',
        3,
        kill_on_save=True,
    )
    assert code == -signal.SIGKILL
    assert osp.isfile(work_dir / 'iter_3.pth') and not _loads(work_dir / 'iter_3.pth')
    assert _pointer(work_dir).endswith('iter_2.pth') and not osp.exists(_pointer(work_dir))
    code, log = _toy(work_dir, '--hook', 'CheckpointHook', '--max-keep', 1, '--resume')
    assert code != 0 and 'iter_2.pth' in log


@pytest.mark.parametrize(
    'name',
    [
        'mask_rcnn/mask-rcnn_fastervit-2_fpn_1x_coco.py',
        'mask_rcnn/mask-rcnn_fastervit-0_fpn_amp-ms-crop-3x_coco.py',
        'cascade_rcnn/cascade-mask-rcnn_fastervit-4_fpn_4conv1fc-giou_ms-crop-3x_coco.py',
        'demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py',
    ],
)
def test_detection_configs_save_atomically(name):
    """On by default: the family configs merge the hook into mmdet's default_hooks."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    assert cfg.default_hooks.checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    assert cfg.default_hooks.checkpoint.interval >= 1  # the parent's settings are kept

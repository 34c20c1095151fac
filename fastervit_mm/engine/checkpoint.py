# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Crash-safe checkpoints: a kill while saving never leaves a file that resume would pick up.

mmengine 0.10.7 writes a checkpoint with ``open(path, 'wb').write(...)`` and then the
``last_checkpoint`` pointer with ``open(..., 'w').write(...)``; with ``max_keep_ckpts`` it also
deletes the oldest checkpoint *before* writing the new one. A SIGKILL, OOM kill, pre-emption or
full disk at the wrong moment therefore leaves a truncated ``iter_N.pth`` that ``--resume``
loads (and fails on), an empty pointer, or a pointer to a deleted file.

:class:`AtomicCheckpointHook` (``type='fastervit_mm.AtomicCheckpointHook'``, a drop-in for
``CheckpointHook`` with the same arguments):

* writes every checkpoint through :class:`AtomicLocalBackend` (registered as the mmengine file
  backend ``'fastervit_mm_atomic_local'``): the bytes go to a hidden temporary file in the same
  directory, are flushed and ``fsync``-ed, and the file is renamed onto the final name with
  :func:`os.replace` (atomic on POSIX and Windows), then the directory entry is synced;
* writes ``last_checkpoint`` the same way, after the checkpoint is complete;
* deletes outdated checkpoints (``max_keep_ckpts``) only after both;
* removes temporary files a killed run left behind when training starts.

A file under a final name is thus always complete, and the pointer always names a complete file.
Remote ``out_dir`` s (``s3://`` ...) and explicit ``backend_args`` are left to their backends.
"""
import os
import os.path as osp
import secrets
from typing import Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend, register_backend
from mmengine.hooks import CheckpointHook

from fastervit_mm.registry import HOOKS

__all__ = ['atomic_write', 'AtomicLocalBackend', 'AtomicCheckpointHook', 'ATOMIC_BACKEND',
           'TMP_MARK']

#: Name of :class:`AtomicLocalBackend` in mmengine's file-backend registry.
ATOMIC_BACKEND = 'fastervit_mm_atomic_local'
#: Marker in the names of temporary files (``.<name>.fvmm-tmp-<pid>-<random>``).
TMP_MARK = '.fvmm-tmp-'


def _fsync_dir(folder: str) -> None:
    """Persist a rename in ``folder`` (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Union[str, os.PathLike], data: Union[bytes, memoryview, str],
                 fsync: bool = True) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either the old or the complete new data.

    Args:
        path (str | PathLike): Destination; its directory is created if needed.
        data (bytes | memoryview | str): Content (str is written as UTF-8).
        fsync (bool): Flush the data and the directory entry to disk before returning, so a
            power loss cannot leave a renamed but empty file. Defaults to True.
    """
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode('utf-8')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder,
                   f'.{osp.basename(path)}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}')
    # os.open with 0o666 leaves the permissions to the umask, as open() would (mkstemp: 0o600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), 0o666)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    if fsync:
        _fsync_dir(folder)


def _writer_alive(name: str) -> bool:
    """Whether the process that created temporary file ``name`` still runs (on this host)."""
    try:
        pid = int(name.split(TMP_MARK, 1)[1].split('-', 1)[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except OSError:  # e.g. PermissionError: the pid exists
        return True
    return pid != os.getpid()


def remove_stale_temporaries(folder: str) -> int:
    """Delete the temporary files that killed runs left in ``folder``; return how many.

    Files of a process that is still running on this host are kept.
    """
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if name.startswith('.') and TMP_MARK in name and not _writer_alive(name):
            try:
                os.remove(osp.join(folder, name))
                removed += 1
            except OSError:
                pass
    return removed


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's :class:`~mmengine.fileio.LocalBackend` whose ``put`` / ``put_text`` are atomic
    (:func:`atomic_write`).

    Select it with ``backend_args=dict(backend='fastervit_mm_atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        atomic_write(filepath, obj)

    def put_text(self, obj: str, filepath: Union[str, os.PathLike],
                 encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj.encode(encoding))


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints and ``last_checkpoint`` pointer are written atomically.

    Same arguments and behaviour as :class:`mmengine.hooks.CheckpointHook`; see the module
    docstring for what changes. Use it as ``default_hooks.checkpoint.type``::

        default_hooks = dict(checkpoint=dict(type='fastervit_mm.AtomicCheckpointHook',
                                             interval=1, max_keep_ckpts=3))

    Resuming reads the checkpoint through mmengine's local loader, which importing
    ``fastervit_mm`` makes name the file and the likely cause when it cannot be read
    (:func:`fastervit_mm.compat.enable_checkpoint_diagnostics`).
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.file_client_args is None and self.backend_args is None and type(
                self.file_backend) is LocalBackend:
            self.backend_args = dict(backend=ATOMIC_BACKEND)
            self.file_backend = get_file_backend(self.out_dir, backend_args=self.backend_args)
        if not isinstance(self.file_backend, AtomicLocalBackend):
            runner.logger.warning(
                'AtomicCheckpointHook: checkpoints go through the '
                f'{type(self.file_backend).__name__} backend, not written atomically here')
        elif is_main_process():
            removed = remove_stale_temporaries(self.out_dir)
            if removed:
                runner.logger.info(f'removed {removed} incomplete checkpoint file(s) of an '
                                   f'interrupted run from {self.out_dir}')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine's order is: delete the oldest, save, write the pointer. Here: save, write the
        # pointer, then delete, so a kill at any point leaves a pointer to a complete file.
        outdated: Optional[int] = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed checkpoints are directories
                self.file_backend.rmtree(path)

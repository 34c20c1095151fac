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
  backend ``'fastervit_mm_atomic_local'``), i.e. :func:`fastervit_mm.checkpoint.atomic_write`:
  the bytes go to a hidden temporary file in the same directory, are flushed and ``fsync``-ed,
  and the file is renamed onto the final name, then the directory entry is synced;
* writes ``last_checkpoint`` the same way, after the checkpoint is complete;
* deletes outdated checkpoints (``max_keep_ckpts``) only after both;
* removes temporary files a killed run left behind when training starts.

A file under a final name is thus always complete, and the pointer always names a complete file.
Remote ``out_dir`` s (``s3://`` ...) and explicit ``backend_args`` are left to their backends.
"""

import os
import os.path as osp
from typing import Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend, register_backend
from mmengine.hooks import CheckpointHook

from fastervit_mm.checkpoint.saving import atomic_write, remove_stale_temporaries
from fastervit_mm.registry import HOOKS

__all__ = ['AtomicLocalBackend', 'AtomicCheckpointHook', 'ATOMIC_BACKEND']

#: Name of :class:`AtomicLocalBackend` in mmengine's file-backend registry.
ATOMIC_BACKEND = 'fastervit_mm_atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's :class:`~mmengine.fileio.LocalBackend` whose ``put`` / ``put_text`` are atomic
    (:func:`atomic_write`).

    Select it with ``backend_args=dict(backend='fastervit_mm_atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, os.PathLike]) -> None:
        atomic_write(filepath, obj)

    def put_text(
        self, obj: str, filepath: Union[str, os.PathLike], encoding: str = 'utf-8'
    ) -> None:
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
    (:func:`fastervit_mm.checkpoint.patch_checkpoint_loading`).
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if (
            self.file_client_args is None
            and self.backend_args is None
            and type(self.file_backend) is LocalBackend
        ):
            self.backend_args = dict(backend=ATOMIC_BACKEND)
            self.file_backend = get_file_backend(self.out_dir, backend_args=self.backend_args)
        if not isinstance(self.file_backend, AtomicLocalBackend):
            runner.logger.warning(
                'AtomicCheckpointHook: checkpoints go through the '
                f'{type(self.file_backend).__name__} backend, not written atomically here'
            )
        elif is_main_process():
            removed = remove_stale_temporaries(self.out_dir)
            if removed:
                runner.logger.info(
                    f'removed {removed} incomplete checkpoint file(s) of an '
                    f'interrupted run from {self.out_dir}'
                )

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine's order is: delete the oldest, save, write the pointer. Here: save, write the
        # pointer, then delete, so a kill at any point leaves a pointer to a complete file.
        outdated: Optional[int] = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
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
            **self.args,
        )
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed checkpoints are directories
                self.file_backend.rmtree(path)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Random-number-generator states in checkpoints, so that a resumed run draws what the
uninterrupted run would have drawn.

mmengine saves no RNG state, yet training draws from Python's ``random``, NumPy's global generator
(data augmentation) and torch's generators (RPN/RoI samplers, drop path, dataloader seeds).
:class:`RNGStateHook`:

* stores every rank's states in the checkpoint (``checkpoint['rng_state']``, one entry per rank).
  Only rank 0 writes checkpoints (``Runner.save_checkpoint`` is master-only), so the states are
  gathered on all ranks right before the :class:`~mmengine.hooks.CheckpointHook` saves (same
  schedule test as that hook); other checkpoints (e.g. a best-metric one) carry rank 0's state;
* restores them on resume exactly where the uninterrupted run stood: an iteration-based loop
  first replays the dataloader up to the resumed iteration (which draws random numbers), so the
  states are restored right before the first new batch is fetched; an epoch-based loop is
  restored at the start of its first epoch;
* makes validation RNG-neutral (states saved before and restored after it), because creating the
  validation dataloader's iterator draws from torch's generator and a resumed run does not repeat
  the validation that followed the checkpoint.
"""

import random
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook

from fastervit_mm.registry import HOOKS

__all__ = ['RNGStateHook', 'get_rng_state', 'set_rng_state']


def get_rng_state() -> Dict[str, Any]:
    """The states of Python's, NumPy's and torch's (CPU and every CUDA device) generators."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(), torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreBeforeFetch:
    """Wraps a dataloader iterator: after ``skip`` batches, restore ``state``, then fetch."""

    def __init__(self, iterator, skip: int, state: Dict[str, Any]) -> None:
        self._iterator = iterator
        self._skip = skip
        self._state: Optional[Dict[str, Any]] = state

    def __iter__(self):
        return self

    def __next__(self):
        if self._state is not None:
            if self._skip == 0:
                set_rng_state(self._state)
                self._state = None
            else:
                self._skip -= 1
        return next(self._iterator)

    def __getattr__(self, name: str):
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the RNG states of every rank in checkpoints and restore them on resume.

    See the module docstring. Checkpoints without ``rng_state`` (older runs, other tools) resume
    as they would without the hook. A run resumed with another number of processes keeps its
    fresh states (with a warning in the log).
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None
        self._val_state: Optional[Dict[str, Any]] = None
        self._gathered: Optional[List[Dict[str, Any]]] = None

    def _gather_if_saving(self, runner, by_epoch: bool) -> None:
        """On every rank: gather the states if the CheckpointHook saves at this point."""
        self._gathered = None
        if get_world_size() == 1:
            return
        hook = next((h for h in runner.hooks if isinstance(h, CheckpointHook)), None)
        if hook is None or hook.by_epoch != by_epoch:
            return
        if by_epoch:
            saving = hook.every_n_epochs(runner, hook.interval, hook.save_begin) or (
                hook.save_last and hook.is_last_train_epoch(runner)
            )
        else:
            saving = hook.every_n_train_iters(runner, hook.interval, hook.save_begin) or (
                hook.save_last and hook.is_last_train_iter(runner)
            )
        if saving:
            self._gathered = all_gather_object(get_rng_state())

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._gather_if_saving(runner, by_epoch=False)

    def after_train_epoch(self, runner) -> None:
        self._gather_if_saving(runner, by_epoch=True)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rank 0 only (``Runner.save_checkpoint`` is master-only)."""
        checkpoint['rng_state'] = self._gathered or [get_rng_state()]

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get('rng_state')
        if not states:
            return
        if len(states) != get_world_size():
            runner.logger.warning(
                f'the checkpoint holds RNG states of {len(states)} processes, this run has '
                f'{get_world_size()}: not restoring them'
            )
            return
        self._pending = states[get_rank()]

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        if self._pending is None or not hasattr(loop, 'dataloader_iterator'):
            return  # nothing to restore, or an epoch-based loop (see before_train_epoch)
        loop.dataloader_iterator = _RestoreBeforeFetch(
            loop.dataloader_iterator, runner.iter, self._pending
        )
        self._pending = None

    def before_train_epoch(self, runner) -> None:
        if self._pending is not None:
            set_rng_state(self._pending)
            self._pending = None

    def before_val(self, runner) -> None:
        self._val_state = get_rng_state()

    def after_val(self, runner) -> None:
        if self._val_state is not None:
            set_rng_state(self._val_state)
            self._val_state = None

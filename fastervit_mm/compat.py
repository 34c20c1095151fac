# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shims that keep the pinned OpenMMLab stack working on today's torch / numpy / tooling, and
failing with errors that say what is wrong.

Each shim is small, idempotent, documented with the failure it prevents, and tested in
``tests/test_compat.py`` by a test that fails without it. :func:`apply_all` runs every shim and
is called when :mod:`fastervit_mm` is imported, which happens before any checkpoint is read
(configs build ``fastervit_mm.*`` objects or list ``fastervit_mm`` in ``custom_imports``).

1. **Checkpoints under torch >= 2.6** (:func:`allow_checkpoint_globals`). ``torch.load`` defaults to
   ``weights_only=True`` and mmengine 0.10.7 calls it without the argument, so every mmengine training
   checkpoint (``message_hub`` holds ``HistoryBuffer`` objects with numpy arrays and numpy scalars)
   and every official FasterViT checkpoint (a timm ``CheckpointSaver`` dict whose ``args`` is an
   ``argparse.Namespace``) fails with ``UnpicklingError: Weights only load failed``. Instead of
   turning ``weights_only`` off, the few classes these files hold are allow-listed. A
   ``HistoryBuffer`` pickles its statistics functions as ``getattr(HistoryBuffer, 'mean')``; allowing
   the real ``getattr`` would reopen the door the safe loader closes, so ``builtins.getattr`` is
   mapped to :func:`_history_buffer_getattr`, which resolves only ``HistoryBuffer`` statistics.
2. **Checkpoint errors that name the file** (:func:`enable_checkpoint_diagnostics`). mmengine's
   local-file loader (``load_from``, ``--resume``, ``init_model``) fails on a truncated or empty file
   inside ``torch.load`` with a zip-reader message that names neither the file nor the cause; it is
   routed through :func:`fastervit_mm.utils.read_checkpoint`, which does, and lists the other
   checkpoints of the folder to resume from. Valid files load exactly as before.
"""
import argparse
import pickle
from typing import Any, Callable, List

import numpy as np
import torch

__all__ = [
    'allow_checkpoint_globals', 'checkpoint_safe_globals', 'enable_checkpoint_diagnostics',
    'apply_all', 'is_compiling', 'register_load_state_dict_pre_hook'
]

_APPLIED = set()


# ---- API shims: one per torch API that is newer than the oldest supported torch (2.1) -------------
def is_compiling() -> bool:
    """Whether the caller is being traced by ``torch.compile`` / ``torch.export``.

    ``torch.compiler.is_compiling`` exists from torch 2.3; torch 2.1-2.2 have
    ``torch._dynamo.is_compiling``.
    """
    fn = getattr(torch.compiler, 'is_compiling', None)
    if fn is None:
        from torch import _dynamo
        fn = _dynamo.is_compiling
    return bool(fn())


def register_load_state_dict_pre_hook(module: torch.nn.Module, hook: Callable) -> Any:
    """``module.register_load_state_dict_pre_hook(hook)``: ``hook(module, state_dict, prefix,
    local_metadata, strict, missing_keys, unexpected_keys, error_msgs)``.

    The public method exists from torch 2.2; torch 2.1 has only the private
    ``_register_load_state_dict_pre_hook(hook, with_module=True)`` with the same call signature.
    """
    public = getattr(module, 'register_load_state_dict_pre_hook', None)
    if public is not None:
        return public(hook)
    return module._register_load_state_dict_pre_hook(hook, with_module=True)


def _history_buffer_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` restricted to what mmengine's ``HistoryBuffer`` pickles: its statistics methods.

    Raises:
        pickle.UnpicklingError: for any other object or attribute, naming both.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(obj, name, *default)
    raise pickle.UnpicklingError(
        f'refusing getattr({getattr(obj, "__name__", type(obj).__name__)!r}, {name!r}) while '
        'loading a checkpoint with weights_only=True: fastervit_mm only allows the statistics '
        'methods of mmengine.logging.HistoryBuffer. If you trust the file, load it with '
        'torch.load(path, weights_only=False).')


def checkpoint_safe_globals() -> List[Any]:
    """What OpenMMLab training checkpoints and official FasterViT checkpoints hold besides tensors.

    Returns:
        list: entries for :func:`torch.serialization.add_safe_globals` (objects, or
        ``(replacement, 'module.name')`` pairs).
    """
    from mmengine.logging import HistoryBuffer
    np_core = getattr(np, '_core', None) or np.core  # numpy 2 renamed numpy.core to numpy._core
    safe: List[Any] = [
        HistoryBuffer,
        argparse.Namespace,  # ``args`` of timm CheckpointSaver files (official weights)
        np.ndarray,
        np.dtype,
        np_core.multiarray._reconstruct,
        np_core.multiarray.scalar,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes through their classes (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return safe


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``.

    A no-op on torch < 2.4, which has no ``add_safe_globals`` (and loads everything anyway).
    """
    if 'globals' in _APPLIED:
        return
    add: Callable = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(checkpoint_safe_globals())
    _APPLIED.add('globals')


def enable_checkpoint_diagnostics() -> None:
    """Make mmengine's local checkpoint loader say which file failed and why
    (:func:`fastervit_mm.utils.register_checkpoint_diagnostics`)."""
    if 'diagnostics' in _APPLIED:
        return
    # Imported here, not at the top: this module runs while the fastervit_mm package initialises.
    from .utils.checkpoint import register_checkpoint_diagnostics
    try:
        register_checkpoint_diagnostics()
    except ImportError:  # mmengine.runner's own needs (e.g. cv2) missing: no runner, nothing
        return  # to diagnose; the backbone alone needs only torch and mmengine's core
    _APPLIED.add('diagnostics')


def apply_all() -> None:
    """Apply every shim of this module (idempotent)."""
    allow_checkpoint_globals()
    enable_checkpoint_diagnostics()

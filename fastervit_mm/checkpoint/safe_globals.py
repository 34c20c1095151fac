# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What OpenMMLab training checkpoints and published FasterViT files hold besides tensors, allowed
for ``torch.load(weights_only=True)``, which is torch's default from 2.6 on.

mmengine 0.10.x calls ``torch.load`` without ``weights_only``, so under torch >= 2.6 every mmengine
training checkpoint (its ``message_hub`` holds ``HistoryBuffer`` objects with numpy arrays and
numpy scalars) and every published FasterViT checkpoint (a timm ``CheckpointSaver`` dict whose
``args`` is an ``argparse.Namespace``) would fail with ``UnpicklingError: Weights only load
failed``. Instead of turning ``weights_only`` off, the few globals these files name are
allow-listed. Two of them are builtins that must not be allowed as they are:

* ``getattr``: a ``HistoryBuffer`` pickles its statistics functions as
  ``getattr(HistoryBuffer, 'mean')``; the real ``getattr`` would reopen the door the safe loader
  closes, so the name is mapped to :func:`_history_buffer_getattr`, which resolves only those;
* ``bytes``: an *empty* numpy array (a ``HistoryBuffer`` saved before its first value) pickles its
  empty data buffer as ``bytes()`` (protocol 2 writes non-empty bytes through ``_codecs.encode``,
  which torch allows); the name is mapped to :func:`_empty_bytes`, which builds only ``b''``.
"""

import argparse
import pickle
from typing import Any, Callable, List

import numpy as np
import torch

from fastervit_mm.compat import torch_version

__all__ = ['checkpoint_safe_globals', 'allow_checkpoint_globals']

_APPLIED = []


def _refuse(call: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(
        f'refusing {call} while loading a checkpoint with weights_only=True: fastervit_mm only '
        "allows the statistics methods of mmengine.logging.HistoryBuffer and bytes() (an empty "
        "numpy array's data). If you trust the file, load it with "
        'torch.load(path, weights_only=False).'
    )


def _history_buffer_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` restricted to what mmengine's ``HistoryBuffer`` pickles: its statistics methods.

    Raises:
        pickle.UnpicklingError: for any other object or attribute, naming both.
    """
    from mmengine.logging import HistoryBuffer

    if (
        obj is HistoryBuffer
        and not name.startswith('_')
        and callable(getattr(HistoryBuffer, name, None))
    ):
        return getattr(obj, name, *default)
    raise _refuse(f'getattr({getattr(obj, "__name__", type(obj).__name__)!r}, {name!r})')


def _empty_bytes(*args: Any) -> bytes:
    """``bytes()`` as an empty numpy array pickles it; any argument is refused.

    Raises:
        pickle.UnpicklingError: when called with arguments (e.g. ``bytes(10**12)``).
    """
    if args:
        raise _refuse(f'bytes{tuple(type(a).__name__ for a in args)}')
    return b''


def checkpoint_safe_globals() -> List[Any]:
    """The allow-list.

    Returns:
        list: entries for :func:`torch.serialization.add_safe_globals` (objects, or
        ``(replacement, 'module.name')`` pairs).
    """
    from mmengine.logging import HistoryBuffer

    np_core = getattr(np, '_core', None) or np.core  # numpy 2 renamed numpy.core to numpy._core
    safe: List[Any] = [
        HistoryBuffer,
        argparse.Namespace,  # ``args`` of timm CheckpointSaver files (published weights)
        np.ndarray,
        np.dtype,
        np_core.multiarray._reconstruct,
        np_core.multiarray.scalar,
    ]
    for module in ('builtins', '__builtin__'):  # protocol 2 writes the Python 2 name
        safe += [(_history_buffer_getattr, f'{module}.getattr'), (_empty_bytes, f'{module}.bytes')]
    # numpy >= 1.25 pickles dtypes through their classes (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return safe


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``
    (idempotent; process-wide, as ``torch.serialization.add_safe_globals`` is).

    Only on torch >= 2.6, where ``weights_only=True`` is the default; earlier versions load
    these files as they are (and torch 2.4-2.5's allow-list takes no ``(replacement, name)``
    pairs).
    """
    if _APPLIED or torch_version() < (2, 6):
        return
    add: Callable = torch.serialization.add_safe_globals
    add(checkpoint_safe_globals())
    _APPLIED.append(True)

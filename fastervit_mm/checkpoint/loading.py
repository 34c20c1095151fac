# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Checkpoint loading that says what is wrong: which file, and which keys and shapes differ.

mmengine's ``Pretrained`` initialiser loads with ``strict=False`` and only logs a warning when a
checkpoint does not fit, so another variant's weights or a ResNet file silently leave a
randomly initialised backbone; a truncated file fails inside ``torch.load`` with a zip-reader
message that names no file. This module provides:

* :func:`read_checkpoint`: read any mmengine-supported path or URL; a file that cannot be read
  raises :class:`CheckpointLoadError` naming it, its size and the likely cause (truncated,
  empty, not a checkpoint, classes refused by ``weights_only`` loading);
* :func:`extract_state_dict`: the weights inside a checkpoint, whatever the wrapper:
  ``state_dict`` / ``model`` / ``module``, EMA copies (``state_dict_ema``, ``model_ema``,
  ``ema_state_dict``, ``ema``), ``module.`` (DataParallel / DDP / timm EMA) and ``_orig_mod.``
  (``torch.compile``) prefixes, EMA bookkeeping entries;
* :func:`check_state_dict` / :func:`load_pretrained`: compare with the model after its own
  load-state-dict pre-hooks ran (official names, stale caches) and raise
  :class:`CheckpointLoadError` listing the first mismatched shapes, missing and unexpected keys;
* :func:`register_checkpoint_diagnostics`: route mmengine's local-file loader (``load_from``,
  ``--resume``, ``init_model``) through :func:`read_checkpoint`; ``import fastervit_mm`` does it
  (:func:`fastervit_mm.checkpoint.patch_checkpoint_loading`).

Nothing here knows a model class: what is FasterViT-specific (the published layout, naming the
variant a file looks like) comes from :mod:`.published` and from the model being loaded into.
"""

import os
import os.path as osp
import re
import zipfile
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log

from .published import describe_fastervit_weights

__all__ = [
    'CheckpointLoadError',
    'StateDictReport',
    'read_checkpoint',
    'extract_state_dict',
    'strip_wrapper_prefixes',
    'apply_load_pre_hooks',
    'check_state_dict',
    'load_pretrained',
    'register_checkpoint_diagnostics',
]

#: Keys holding the weights in a checkpoint dict, in the order they are tried.
STATE_DICT_KEYS = ('state_dict', 'model', 'module')
#: Keys holding an exponential-moving-average copy of the weights (timm, mmengine, others).
EMA_STATE_DICT_KEYS = ('state_dict_ema', 'model_ema', 'ema_state_dict', 'ema')
#: Prefixes added by wrappers (DataParallel/DDP/timm ModelEma: ``module.``; torch.compile).
WRAPPER_PREFIXES = ('module.', '_orig_mod.')
#: Bookkeeping entries of EMA wrappers (mmengine ``steps``, torch ``n_averaged``), not weights.
EMA_BOOKKEEPING_KEYS = ('steps', 'n_averaged', 'num_updates')

_SHOW = 5  # entries of each kind listed in an error


class CheckpointLoadError(RuntimeError):
    """A checkpoint that cannot be read or does not fit the model.

    Attributes:
        filename (str): The checkpoint's path or URL.
        report (StateDictReport, optional): The comparison with the model, when it got that far.
    """

    def __init__(
        self, filename: str, message: str, report: Optional['StateDictReport'] = None
    ) -> None:
        super().__init__(f'{filename}: {message}')
        self.filename = filename
        self.report = report


class StateDictReport(NamedTuple):
    """How a state dict compares with a model (keys after the model's load pre-hooks).

    Attributes:
        matched (list[str]): Keys present in both with equal shapes.
        shape_mismatches (list[tuple]): ``(key, checkpoint shape, model shape)``.
        missing (list[str]): Model keys absent from the checkpoint (optional ones excluded).
        unexpected (list[str]): Checkpoint keys the model does not have.
    """

    matched: List[str]
    shape_mismatches: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]
    missing: List[str]
    unexpected: List[str]

    @property
    def ok(self) -> bool:
        return not (self.shape_mismatches or self.missing or self.unexpected)

    def describe(self, show: int = _SHOW) -> str:
        """The first ``show`` problems of each kind, one per line."""
        lines = [f'{len(self.matched)} keys match']
        if self.shape_mismatches:
            lines.append(
                f'{len(self.shape_mismatches)} shape mismatches, first: '
                + '; '.join(
                    f'{k}: checkpoint {list(a)} vs model {list(b)}'
                    for k, a, b in self.shape_mismatches[:show]
                )
            )
        if self.missing:
            lines.append(
                f'{len(self.missing)} model keys missing from the checkpoint, first: '
                f'{self.missing[:show]}'
            )
        if self.unexpected:
            lines.append(
                f'{len(self.unexpected)} checkpoint keys unknown to the model, first: '
                f'{self.unexpected[:show]}'
            )
        return '\n  '.join(lines)


# --------------------------------------------------------------------------- reading files
def _file_problem(path: str) -> str:
    """A guess at why a local file could not be loaded ('' when it looks intact)."""
    size = osp.getsize(path)
    if size == 0:
        return 'the file is empty (0 bytes)'
    with open(path, 'rb') as f:
        magic = f.read(4)
    if magic == b'PK\x03\x04':  # torch's zip format
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError) as err:
            return (
                f'the file ({size} bytes) is truncated or corrupt: its zip directory '
                f'cannot be read ({err}); it was probably cut off while being written or '
                'downloaded'
            )
        if bad is not None:
            return f'the file ({size} bytes) is corrupt: member {bad!r} fails its CRC check'
        return ''
    if magic[:1] != b'\x80':  # neither zip nor a legacy pickle
        return (
            f'the file ({size} bytes) is not a PyTorch checkpoint (it starts with '
            f'{magic!r}); e.g. an HTML error page saved instead of the weights'
        )
    return ''


def read_checkpoint(filename: str, map_location: Any = 'cpu', logger: Any = None) -> Any:
    """Load a checkpoint from a local path or any URL mmengine supports.

    Args:
        filename (str): Path or URL (``https://``, ``open-mmlab://``, ...).
        map_location (Any): As in :func:`torch.load`. Defaults to 'cpu'.
        logger (Any): mmengine logger for the 'loads checkpoint' message. Defaults to None.

    Returns:
        Any: What the file holds.

    Raises:
        FileNotFoundError: The local file does not exist (the path is named).
        CheckpointLoadError: The file exists but cannot be loaded; the message says why.
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    filename = str(filename)
    local = _local_path(filename)
    if local is not None and not osp.isfile(local):
        raise FileNotFoundError(
            f'checkpoint {filename} not found'
            + ('' if osp.isabs(local) else f' (cwd: {os.getcwd()})')
        )
    if local is not None:
        return _load_local(local, map_location)
    try:
        return CheckpointLoader.load_checkpoint(filename, map_location, logger)
    except (FileNotFoundError, CheckpointLoadError):
        raise
    except Exception as err:
        raise CheckpointLoadError(
            filename, f'cannot be loaded: {type(err).__name__}: {err}'
        ) from err


def _local_path(filename: str) -> Optional[str]:
    """The filesystem path of ``filename``, or None for URLs and other schemes."""
    if '://' in filename:  # http(s)://, open-mmlab://, s3://, open-mmlab:s3://, ...
        return None
    return osp.expanduser(filename)


def _load_local(path: str, map_location: Any) -> Any:
    try:
        return torch.load(path, map_location=map_location)
    except Exception as err:
        problem = _file_problem(path)
        if not problem:
            problem = f'cannot be loaded: {type(err).__name__}: {str(err).strip()}'
            if 'weights_only' in str(err).lower() or 'Weights only load' in str(err):
                problem += (
                    '\n  If you trust the file, set TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 '
                    'or load it once with torch.load(path, weights_only=False) and '
                    'save its state_dict.'
                )
        else:
            problem += f' ({type(err).__name__}: {str(err).strip()[:200]})'
        others = _other_checkpoints(path)
        if others:
            problem += f'\n  Other checkpoints in {osp.dirname(path) or "."}: {others}'
        raise CheckpointLoadError(path, problem) from err


def _other_checkpoints(path: str) -> List[str]:
    """Names of the other ``*.pth`` files next to ``path`` (newest first, at most 5)."""
    folder = osp.dirname(path) or '.'
    try:
        names = [
            n
            for n in os.listdir(folder)
            if n.endswith(('.pth', '.pt', '.pth.tar')) and n != osp.basename(path)
        ]
    except OSError:
        return []
    names.sort(key=lambda n: osp.getmtime(osp.join(folder, n)), reverse=True)
    return names[:_SHOW]


def load_from_local_checked(filename: str, map_location: Any = None) -> Any:
    """mmengine ``CheckpointLoader`` scheme for local files: :func:`read_checkpoint`."""
    return read_checkpoint(filename, map_location)


def register_checkpoint_diagnostics() -> None:
    """Make mmengine read local checkpoints through :func:`read_checkpoint` (idempotent).

    ``Runner.load_checkpoint`` / ``resume`` / ``load_from`` and ``init_model`` then name the
    file and the likely cause when it cannot be read. Valid files load exactly as before.
    Called when :mod:`fastervit_mm` is imported
    (:func:`~fastervit_mm.checkpoint.patch_checkpoint_loading`).
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_checked, force=True)


# --------------------------------------------------------------------------- unwrapping
def _is_state_dict(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping)
        and len(obj) > 0
        and all(isinstance(k, str) for k in obj)
        and any(isinstance(v, torch.Tensor) for v in obj.values())
    )


def extract_state_dict(checkpoint: Any, prefer_ema: bool = False) -> Tuple[Dict[str, Any], str]:
    """Find the weights in a loaded checkpoint and strip wrapper prefixes.

    Args:
        checkpoint (Any): What :func:`read_checkpoint` returned.
        prefer_ema (bool): Take an EMA copy when the file has both. Defaults to False.

    Returns:
        tuple: (state dict, where it was found, e.g. ``'state_dict_ema'`` or ``'<top level>'``).

    Raises:
        ValueError: No tensors found; the message lists the top-level keys.
    """
    order = (
        EMA_STATE_DICT_KEYS + STATE_DICT_KEYS
        if prefer_ema
        else STATE_DICT_KEYS + EMA_STATE_DICT_KEYS
    )
    obj, path = checkpoint, []
    for _ in range(3):  # nested wrappers, e.g. {'model': {'state_dict': ...}}
        key = next(
            (
                k
                for k in order
                if isinstance(obj, Mapping) and isinstance(obj.get(k), Mapping) and obj[k]
            ),
            None,
        )
        if key is None:
            break
        obj, path = obj[key], path + [key]
    if not _is_state_dict(obj):
        top = list(checkpoint)[:10] if isinstance(checkpoint, Mapping) else type(checkpoint)
        raise ValueError(
            f'no state dict found: top-level keys {top}; expected tensors at the '
            f'top level or under one of {list(order)}'
        )
    state_dict = strip_wrapper_prefixes(obj)
    return state_dict, '.'.join(path) or '<top level>'


def strip_wrapper_prefixes(state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """Remove ``module.`` / ``_orig_mod.`` prefixes shared by every key and EMA bookkeeping."""
    sd = OrderedDict((k, v) for k, v in state_dict.items() if k not in EMA_BOOKKEEPING_KEYS)
    changed = True
    while changed and sd:
        changed = False
        for prefix in WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in sd):
                sd = OrderedDict((k[len(prefix) :], v) for k, v in sd.items())
                sd = OrderedDict((k, v) for k, v in sd.items() if k not in EMA_BOOKKEEPING_KEYS)
                changed = True
    return sd


def _select_prefix(
    state_dict: Dict[str, Any], prefix: Optional[str], model_keys: Sequence[str], filename: str
) -> Dict[str, Any]:
    """Keep the keys under ``prefix`` (e.g. ``'backbone.'``) without it.

    With no prefix given, ``backbone.`` is taken automatically when the file is a whole
    detector/segmentor/classifier checkpoint and none of its keys is a model key.
    """
    if prefix is None:
        if not set(model_keys) & set(state_dict) and any(
            k.startswith('backbone.') for k in state_dict
        ):
            prefix = 'backbone.'
            print_log(f'{filename}: taking the weights under "backbone."', logger='current')
        else:
            return state_dict
    if prefix and not prefix.endswith('.'):
        prefix += '.'
    selected = OrderedDict(
        (k[len(prefix) :], v) for k, v in state_dict.items() if k.startswith(prefix)
    )
    if not selected:
        raise CheckpointLoadError(
            filename,
            f'no key starts with prefix {prefix!r}; first keys: {list(state_dict)[:_SHOW]}',
        )
    return selected


# --------------------------------------------------------------------------- comparing
def apply_load_pre_hooks(model: nn.Module, state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of ``state_dict`` after every module's load-state-dict pre-hooks (renames of
    official checkpoints, dropped caches), as :meth:`nn.Module.load_state_dict` would run them."""
    sd = OrderedDict(state_dict)
    for name, module in model.named_modules():
        prefix = f'{name}.' if name else ''
        for hook in getattr(module, '_load_state_dict_pre_hooks', {}).values():
            hook(sd, prefix, {}, True, [], [], [])
    return sd


def check_state_dict(
    model: nn.Module, state_dict: Mapping[str, Any], optional: Sequence[str] = ()
) -> StateDictReport:
    """Compare ``state_dict`` (after the model's pre-hooks) with the model's own.

    Args:
        model (nn.Module): The model to load into.
        state_dict (Mapping): Weights, already unwrapped (:func:`extract_state_dict`).
        optional (Sequence[str]): Regular expressions of model keys that may be missing (e.g.
            output norms a classification checkpoint does not have). ``num_batches_tracked`` is
            always optional.

    Returns:
        StateDictReport: matched keys, shape mismatches, missing and unexpected keys.
    """
    converted = apply_load_pre_hooks(model, state_dict)
    own = model.state_dict()
    patterns = [re.compile(p) for p in ('num_batches_tracked$', *optional)]
    matched, mismatched, missing = [], [], []
    for key, value in own.items():
        if key not in converted:
            if not any(p.search(key) for p in patterns):
                missing.append(key)
            continue
        theirs = converted[key]
        if not isinstance(theirs, torch.Tensor):
            mismatched.append((key, (type(theirs).__name__,), tuple(value.shape)))
        elif tuple(theirs.shape) != tuple(value.shape):
            mismatched.append((key, tuple(theirs.shape), tuple(value.shape)))
        else:
            matched.append(key)
    unexpected = [k for k in converted if k not in own]
    return StateDictReport(matched, mismatched, missing, unexpected)


def _checkpoint_identity(checkpoint: Any, state_dict: Mapping[str, Any], model: nn.Module) -> str:
    """What the file says or suggests it was trained as (for error messages), or ''.

    The variants are named from the model's ``arch_zoo`` (e.g. ``FasterViT.arch_zoo``), if any.
    """
    hints = []
    if isinstance(checkpoint, Mapping):
        if isinstance(checkpoint.get('arch'), str):
            hints.append(f'arch={checkpoint["arch"]!r}')
        model_name = getattr(checkpoint.get('args'), 'model', None)
        if isinstance(model_name, str):
            hints.append(f'args.model={model_name!r}')
    guess = describe_fastervit_weights(state_dict, getattr(model, 'arch_zoo', None))
    if guess:
        hints.append(guess)
    return ', '.join(hints)


def load_pretrained(
    model: nn.Module,
    filename: str,
    prefix: Optional[str] = None,
    map_location: Any = 'cpu',
    strict: bool = True,
    optional: Sequence[str] = (),
    prefer_ema: bool = False,
) -> StateDictReport:
    """Load pretrained weights into ``model``, or raise an error that names what does not fit.

    Args:
        model (nn.Module): The model (e.g. a backbone).
        filename (str): Path or URL of the checkpoint.
        prefix (str, optional): Take only the keys under this prefix (e.g. ``'backbone.'``).
            None takes ``backbone.`` automatically from a whole-model checkpoint.
        map_location (Any): As in :func:`torch.load`. Defaults to 'cpu'.
        strict (bool): Raise on missing or unexpected keys; shape mismatches and files sharing
            no key with the model always raise. Defaults to True.
        optional (Sequence[str]): Regular expressions of model keys that may be missing.
        prefer_ema (bool): Load the EMA weights when the file has both. Defaults to False.

    Returns:
        StateDictReport: What was compared (with ``strict=False`` it may list missing and
        unexpected keys, which are then also logged).

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointLoadError: The file cannot be read, has no weights, or does not fit.
    """
    filename = str(filename)
    checkpoint = read_checkpoint(filename, map_location)
    try:
        state_dict, source = extract_state_dict(checkpoint, prefer_ema)
    except ValueError as err:
        raise CheckpointLoadError(filename, str(err)) from None
    state_dict = _select_prefix(state_dict, prefix, list(model.state_dict()), filename)
    report = check_state_dict(model, state_dict, optional)
    fatal = report.shape_mismatches or not report.matched or (strict and not report.ok)
    if fatal:
        what = type(model).__name__
        message = f'does not fit this {what} (weights from "{source}"):\n  {report.describe()}'
        identity = _checkpoint_identity(checkpoint, state_dict, model)
        if identity:
            message += f'\n  The checkpoint: {identity}.'
        if not report.matched:
            message += (
                f'\n  No key matches: is it a {what} checkpoint? First checkpoint keys: '
                f'{list(state_dict)[:_SHOW]}; first model keys: '
                f'{list(model.state_dict())[:_SHOW]}.'
            )
        elif report.shape_mismatches:
            message += '\n  Check that the arch of the config is the one the file was trained as.'
        raise CheckpointLoadError(filename, message, report)
    model.load_state_dict(apply_load_pre_hooks(model, state_dict), strict=False)
    print_log(
        f'loaded {len(report.matched)} tensors from {filename} ("{source}")'
        + ('' if report.ok else f'; not strict:\n  {report.describe()}'),
        logger='current',
    )
    return report

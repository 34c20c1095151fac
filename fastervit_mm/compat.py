# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The supported range, and one small shim per API that is newer than its oldest end.

Supported: Python >= 3.8 and torch >= :data:`MIN_TORCH` (the torch of the last prebuilt mmcv
wheels, mmcv 2.1.0), up to the pinned stack of ``requirements/constraints.txt``
(``docs/install.md`` lists the whole range). :func:`check_torch_version` runs when
:mod:`fastervit_mm` is imported and fails with the installed and the required version.

Each shim is tested in ``tests/test_compat.py``, and the backbone tests run on the oldest
supported torch (``tools/setup_env_compat.sh``), where a call to the newer API without its shim
fails. This module patches nothing; the checkpoint-loading patches live in
:mod:`fastervit_mm.checkpoint`.
"""

import functools
import inspect
import re
from typing import Any, Callable, Optional, Tuple

import torch

__all__ = [
    'MIN_TORCH',
    'torch_version',
    'check_torch_version',
    'is_compiling',
    'register_load_state_dict_pre_hook',
    'is_autocast_enabled',
    'cpu_supports_float16_conv',
    'onnx_export',
]

#: Oldest supported torch (mmcv 2.1.0's prebuilt wheels are built for torch 2.1).
MIN_TORCH = (2, 1)


def torch_version(version: Optional[str] = None) -> Tuple[int, int]:
    """``(major, minor)`` of ``version`` (default: the installed torch), e.g. ``(2, 1)`` for
    ``'2.1.2+cu121'``."""
    match = re.match(r'(\d+)\.(\d+)', version or torch.__version__)
    if match is None:
        raise ValueError(f'cannot parse the torch version {version or torch.__version__!r}')
    return int(match.group(1)), int(match.group(2))


def check_torch_version(version: Optional[str] = None) -> None:
    """Raise if torch is older than :data:`MIN_TORCH`.

    Raises:
        ImportError: naming the installed and the required version, and how to upgrade.
    """
    installed = version or torch.__version__
    if torch_version(installed) < MIN_TORCH:
        required = '.'.join(map(str, MIN_TORCH))
        raise ImportError(
            f'fastervit_mm needs torch>={required}, but torch {installed} is installed. Install '
            f'torch {required} or newer (e.g. pip install "torch=={required}.2", which matches '
            'the prebuilt mmcv 2.1.0 wheels), see docs/install.md.'
        )


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


def is_autocast_enabled(device_type: str) -> bool:
    """``torch.is_autocast_enabled(device_type)``: whether autocast is on for that device type.

    The argument exists from torch 2.4; before, ``torch.is_autocast_enabled()`` meant CUDA and each
    other device type had its own function (``torch.is_autocast_cpu_enabled()``, ...).
    """
    if torch_version() >= (2, 4):
        return torch.is_autocast_enabled(device_type)
    if device_type == 'cuda':
        return torch.is_autocast_enabled()
    fn = getattr(torch, f'is_autocast_{device_type}_enabled', None)
    return bool(fn()) if fn is not None else False


@functools.lru_cache(maxsize=None)
def cpu_supports_float16_conv() -> bool:
    """Whether this torch runs float16 convolutions on the CPU (torch 2.1 has no such kernel:
    ``"slow_conv2d_cpu" not implemented for 'Half'``). Probed once with a 1-pixel convolution."""
    x = torch.zeros(1, 1, 1, 1, dtype=torch.float16)
    try:
        torch.nn.functional.conv2d(x, x)
    except RuntimeError:
        return False
    return True


def onnx_export(*args: Any, export: Optional[Callable] = None, **kwargs: Any) -> Any:
    """``torch.onnx.export(*args, dynamo=False, **kwargs)``: the TorchScript-based exporter.

    torch 2.5 added the ``dynamo`` argument (and 2.9 made ``dynamo=True`` the default); torch
    2.1-2.4 have only the TorchScript-based exporter and reject the argument.

    Args:
        export (callable, optional): The export function to call, e.g. the original
            ``torch.onnx.export`` inside an mmdeploy rewriter of it. Defaults to
            ``torch.onnx.export``.
    """
    export = torch.onnx.export if export is None else export
    if 'dynamo' in inspect.signature(export).parameters:
        kwargs['dynamo'] = False
    return export(*args, **kwargs)

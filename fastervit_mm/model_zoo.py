# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Where the installed configs are, for projects that inherit them.

mmengine's ``pkg::`` base syntax only knows a fixed list of OpenMMLab packages, so a downstream
config cannot write ``_base_ = 'fastervit_mm::...'``. It can, however, compute its base: mmengine
evaluates the ``_base_`` assignment as a Python expression (after ``{{$ENV:default}}``
substitution), so::

    _base_ = __import__('fastervit_mm.model_zoo').model_zoo.get_config_file(
        'mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py')

inherits the installed FasterViT Mask R-CNN config, and every tool that reads configs
(mmdet's and mmseg's ``tools/train.py``, ``mim train mmdet ...``, ``Config.fromfile``) follows it.
See ``docs/configs.md``.
"""
import difflib
import os
import os.path as osp
from typing import List

__all__ = ['config_root', 'get_config_file', 'list_configs']

_PACKAGE_DIR = osp.dirname(osp.abspath(__file__))


def config_root() -> str:
    """The folder holding fastervit_mm's configs.

    ``fastervit_mm/.mim/configs`` for ``pip install .`` (a copy) and ``pip install -e .`` (a
    link to the checkout's ``configs/``); ``configs/`` next to the package for a bare checkout.

    Raises:
        FileNotFoundError: if neither exists.
    """
    for candidate in (osp.join(_PACKAGE_DIR, '.mim', 'configs'),
                      osp.join(osp.dirname(_PACKAGE_DIR), 'configs')):
        if osp.isdir(candidate):
            return candidate
    raise FileNotFoundError(
        f'fastervit_mm configs not found next to {_PACKAGE_DIR}: reinstall fastervit_mm '
        '(pip install fastervit_mm, or pip install -e . in a checkout)')


def list_configs() -> List[str]:
    """Every config, as a path relative to :func:`config_root` (``_base_`` files excluded)."""
    root = config_root()
    out = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != '_base_' and not d.startswith(('.', '__')))
        out += [osp.relpath(osp.join(folder, f), root) for f in sorted(files) if f.endswith('.py')]
    return out


def get_config_file(config_path: str) -> str:
    """Absolute path of an installed config, e.g. ``'upernet/fastervit-2_upernet_...py'``.

    Args:
        config_path: Path relative to the configs folder (``.py`` optional). A bare file name
            is accepted when it is unique (like ``mim train`` does).

    Raises:
        FileNotFoundError: naming the closest existing configs.
    """
    name = config_path if config_path.endswith('.py') else config_path + '.py'
    root = config_root()
    path = osp.join(root, name)
    if osp.isfile(path):
        return path
    configs = list_configs()
    by_name = [c for c in configs if osp.basename(c) == osp.basename(name)]
    if len(by_name) == 1:
        return osp.join(root, by_name[0])
    close = difflib.get_close_matches(name, configs, n=5, cutoff=0.5)
    raise FileNotFoundError(f'no fastervit_mm config {config_path!r} in {root}; '
                            f'closest: {close or configs[:5]}')

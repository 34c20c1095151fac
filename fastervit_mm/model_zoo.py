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

``python -m fastervit_mm.model_zoo --link-for-mim`` makes an editable install visible to openmim
(:func:`link_for_mim`).
"""

import argparse
import difflib
import os
import os.path as osp
from typing import List, Optional

__all__ = ['config_root', 'get_config_file', 'list_configs', 'link_for_mim']

_PACKAGE_DIR = osp.dirname(osp.abspath(__file__))


def config_root() -> str:
    """The folder holding fastervit_mm's configs.

    ``fastervit_mm/.mim/configs`` for ``pip install .`` (a copy) and ``pip install -e .`` (a
    link to the checkout's ``configs/``); ``configs/`` next to the package for a bare checkout.

    Raises:
        FileNotFoundError: if neither exists.
    """
    for candidate in (
        osp.join(_PACKAGE_DIR, '.mim', 'configs'),
        osp.join(osp.dirname(_PACKAGE_DIR), 'configs'),
    ):
        if osp.isdir(candidate):
            return candidate
    raise FileNotFoundError(
        f'fastervit_mm configs not found next to {_PACKAGE_DIR}: reinstall fastervit_mm '
        '(pip install fastervit_mm, or pip install -e . in a checkout)'
    )


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
    raise FileNotFoundError(
        f'no fastervit_mm config {config_path!r} in {root}; closest: {close or configs[:5]}'
    )


def link_for_mim() -> Optional[str]:
    """Let openmim find an editable (PEP 660) install: link ``<site-packages>/fastervit_mm`` to
    this package's folder.

    openmim 0.3.9 looks for a package at ``<distribution location>/<name>``. For ``pip install .``
    and for legacy editable installs (``setup.py develop``) that is the package; for PEP 660
    editable installs (what pip does for projects with a ``pyproject.toml``) the location is
    ``site-packages``, which holds only a finder, so ``mim train/test/download`` fail. The link
    points there; Python then imports the same files through it.

    Returns:
        str | None: The link created, or None when there is nothing to link (mim finds the
        package already, or this environment has no editable pip install of it).
    """
    import glob
    import json
    import sysconfig
    from urllib.parse import unquote, urlparse

    site_packages = sysconfig.get_paths()['purelib']
    dist_infos = glob.glob(osp.join(site_packages, 'fastervit_mm-*.dist-info'))
    target = osp.join(site_packages, 'fastervit_mm')
    if not dist_infos or osp.lexists(target):
        return None  # not pip-installed in this environment, or mim finds it already
    try:  # PEP 610: where an editable install's sources are
        with open(osp.join(dist_infos[0], 'direct_url.json')) as f:
            info = json.load(f)
    except OSError:
        return None
    if not info.get('dir_info', {}).get('editable'):
        return None
    package_dir = osp.join(unquote(urlparse(info['url']).path), 'fastervit_mm')
    os.symlink(package_dir, target, target_is_directory=True)
    return target


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description='fastervit_mm configs')
    parser.add_argument(
        '--link-for-mim',
        action='store_true',
        help=link_for_mim.__doc__.split('\n\n')[0].replace('``', ''),
    )
    parser.add_argument('--list', action='store_true', help='list the configs')
    args = parser.parse_args()
    if args.link_for_mim:
        link = link_for_mim()
        print(
            f'linked {link} -> {os.readlink(link)}'
            if link
            else 'nothing to link: no PEP 660 editable install here, or mim finds it already'
        )
    if args.list or not args.link_for_mim:
        print(f'configs in {config_root()}:')
        print('\n'.join(list_configs()))

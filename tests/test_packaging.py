# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``pip install .`` and ``pip install -e .`` both give ``fastervit_mm/.mim`` for mim.

Each install goes into a clean virtual environment from a copy of the repository (so the checkout's
own ``.mim`` is untouched), the way users install: pip's isolated build environment (setuptools and
wheel from ``pyproject.toml``), ``--no-deps`` because only the packaging of fastervit_mm itself is
under test here.
"""

import os
import os.path as osp
import shutil
import subprocess
import venv

import pytest
from conftest import COPY_IGNORE, REPO_ROOT


def _venv(path):
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(path)
    return osp.join(path, 'bin', 'python')


def _package_dir(python):
    """Where the new venv imports fastervit_mm from, found without executing its __init__."""
    out = subprocess.run(
        [
            python,
            '-c',
            'import importlib.util as u; '
            'print(u.find_spec("fastervit_mm").submodule_search_locations[0]); '
            'print(u.find_spec("tests") is not None)',
        ],
        capture_output=True,
        text=True,
        cwd='/',
        check=True,
    )
    pkg, has_tests = out.stdout.split()
    return pkg, has_tests == 'True'


@pytest.mark.parametrize('editable', [False, True], ids=['pip-install', 'pip-install-e'])
def test_install_carries_mim_payload(tmp_path, editable):
    src = tmp_path / 'src'
    shutil.copytree(REPO_ROOT, src, ignore=COPY_IGNORE)
    python = _venv(str(tmp_path / 'venv'))
    cmd = [python, '-m', 'pip', 'install', '-q', '--no-deps']
    cmd += ['-e', str(src)] if editable else [str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]

    pkg, has_tests = _package_dir(python)
    if editable:
        assert osp.realpath(pkg) == osp.realpath(src / 'fastervit_mm')
    else:
        assert 'site-packages' in pkg
    mim = osp.join(pkg, '.mim')
    for name in ('configs', 'tools'):
        assert osp.isdir(osp.join(mim, name)), f'{mim}/{name} missing'
    assert osp.isfile(osp.join(mim, 'model-index.yml'))
    # The payload is the repository's, file for file (configs and tools are not empty shells).
    for name in ('configs', 'tools'):
        want = sorted(
            osp.relpath(osp.join(d, f), REPO_ROOT)
            for d, _, fs in os.walk(osp.join(REPO_ROOT, name))
            for f in fs
            if f.endswith(('.py', '.sh')) and '__pycache__' not in d
        )
        got = sorted(
            osp.relpath(osp.join(d, f), mim)
            for d, _, fs in os.walk(osp.join(mim, name), followlinks=True)
            for f in fs
            if f.endswith(('.py', '.sh')) and '__pycache__' not in d
        )
        assert want and got == want
    # tests/ is not installed as a top-level package.
    assert not has_tests

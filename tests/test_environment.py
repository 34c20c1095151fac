# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The environment made by tools/setup_env.sh holds the whole pinned stack, compiled ops too."""

import importlib.metadata as md

import pytest

PINS = {
    'torch': '2.13.0',
    'torchvision': '0.28.0',
    'mmengine': '0.10.7',
    'mmcv': '2.1.0',
    'mmdet': '3.3.0',
    'mmsegmentation': '1.2.2',
    'mmpretrain': '1.2.0',
}


@pytest.mark.parametrize('dist,version', sorted(PINS.items()))
def test_pinned_versions(dist, version):
    assert md.version(dist).split('+')[0] == version


def test_setuptools_keeps_pkg_resources():
    import setuptools

    assert int(setuptools.__version__.split('.')[0]) < 82
    import pkg_resources  # noqa: F401  (mmengine's pkg:: bases and openmim need it)


def test_stack_imports_with_compiled_ops():
    import fvcore  # noqa: F401
    import mmdet  # noqa: F401  (asserts the mmcv version range at import)
    import mmpretrain.models  # noqa: F401  (imports torchvision)
    import mmseg  # noqa: F401
    import torch
    from mmcv.ops import nms, roi_align

    import fastervit_mm  # noqa: F401

    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
    dets, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    feat = torch.arange(16.0).view(1, 1, 4, 4)
    out = roi_align(feat, torch.tensor([[0.0, 0.0, 0.0, 4.0, 4.0]]), (2, 2), 1.0, 2, 'avg', True)
    assert out.shape == (1, 1, 2, 2) and torch.isfinite(out).all()


def _canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    import re

    return re.sub(r'[-_.]+', '-', name).lower()


def _constraints() -> dict:
    import os.path as osp
    import re

    path = osp.join(
        osp.dirname(osp.dirname(osp.abspath(__file__))), 'requirements', 'constraints.txt'
    )
    pins = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        m = re.fullmatch(r'([A-Za-z0-9_.\-]+)==([^\s;]+)', line)
        assert m, f'constraints.txt: not a "name==version" pin: {line!r}'
        pins[_canonical(m.group(1))] = m.group(2)
    return pins


def test_constraints_hold_the_matrix():
    """The constraints file that setup_env.sh installs with agrees with the pinned matrix."""
    pins = _constraints()
    for dist, version in PINS.items():
        if dist != 'mmcv':  # installed from the wheel built here, not pinned by name
            assert pins.get(dist) == version, dist


def test_environment_matches_constraints():
    """Every distribution of this environment is pinned, at the version installed (setup_env.sh
    installs with ``-c requirements/constraints.txt``, so a fresh machine gets this stack)."""
    pins = _constraints()
    own = {'fastervit-mm', 'mmcv', 'pip', 'setuptools', 'wheel'}
    mismatched, unpinned = [], []
    for dist in md.distributions():
        name = _canonical(dist.metadata['Name'])
        if name in own:
            continue
        if name not in pins:
            unpinned.append(name)
        elif pins[name] != dist.version:
            mismatched.append(f'{name} {dist.version} (pinned {pins[name]})')
    assert not mismatched and not unpinned, (
        f'installed but not pinned: {unpinned}; other version than pinned: {mismatched}; '
        'regenerate requirements/constraints.txt (see its header) after an intended upgrade'
    )

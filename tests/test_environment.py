# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The environment made by tools/setup_env.sh holds the whole pinned stack, compiled ops included."""
import importlib.metadata as md

import pytest

PINS = {
    'torch': '2.13.0', 'torchvision': '0.28.0', 'mmengine': '0.10.7', 'mmcv': '2.1.0',
    'mmdet': '3.3.0', 'mmsegmentation': '1.2.2', 'mmpretrain': '1.2.0',
}


@pytest.mark.parametrize('dist,version', sorted(PINS.items()))
def test_pinned_versions(dist, version):
    assert md.version(dist).split('+')[0] == version


def test_setuptools_keeps_pkg_resources():
    import setuptools
    assert int(setuptools.__version__.split('.')[0]) < 82
    import pkg_resources  # noqa: F401  (mmengine's pkg:: bases and openmim need it)


def test_stack_imports_with_compiled_ops():
    import fastervit_mm  # noqa: F401
    import fvcore  # noqa: F401
    import mmdet  # noqa: F401  (asserts the mmcv version range at import)
    import mmpretrain.models  # noqa: F401  (imports torchvision)
    import mmseg  # noqa: F401
    import torch
    from mmcv.ops import nms, roi_align

    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
    dets, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    feat = torch.arange(16.).view(1, 1, 4, 4)
    out = roi_align(feat, torch.tensor([[0., 0., 0., 4., 4.]]), (2, 2), 1.0, 2, 'avg', True)
    assert out.shape == (1, 1, 2, 2) and torch.isfinite(out).all()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/get_flops.py: the attention handler, the published model sizes, configs of the
three hosts."""

import json
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import REPO_ROOT, SHARED_DIR, SPEC_GMACS

from fastervit_mm.analysis import model_factory

from .conftest import analysis_module

get_flops = analysis_module('get_flops')


class _Attention(nn.Module):
    def __init__(self, fused: bool) -> None:
        super().__init__()
        self.fused = fused

    def forward(self, q, k, v):
        if self.fused:
            return F.scaled_dot_product_attention(q, k, v)
        attn = torch.matmul(q, k.transpose(-2, -1) * q.shape[-1] ** -0.5).softmax(-1)
        return torch.matmul(attn, v)


def _macs(module, *inputs) -> int:
    analysis = get_flops.flop_analysis(module, inputs)
    return sum(v for k, v in analysis.by_operator().items() if k in get_flops.MAC_OPERATORS)


@pytest.mark.parametrize(
    'shapes',
    [
        ((2, 3, 49, 16), (2, 3, 49, 16), (2, 3, 49, 16)),
        ((5, 4, 53, 8), (5, 4, 20, 8), (5, 4, 20, 12)),
        ((7, 10, 32), (7, 6, 32), (7, 6, 32)),
    ],
)
def test_sdpa_handler_counts_like_explicit_attention(shapes):
    q, k, v = (torch.randn(s) for s in shapes)
    expected = _macs(_Attention(fused=False), q, k, v)
    assert expected > 0
    assert _macs(_Attention(fused=True), q, k, v) == expected


def test_fvcore_alone_misses_attention():
    """The reason for the handler: stock fvcore counts nothing for fused attention."""
    from fvcore.nn import FlopCountAnalysis

    q = torch.randn(1, 2, 49, 16)
    analysis = FlopCountAnalysis(_Attention(fused=True), (q, q, q))
    analysis.unsupported_ops_warnings(False)
    assert analysis.total() == 0
    assert 'aten::scaled_dot_product_attention' in analysis.unsupported_ops()


def test_published_model_counts():
    """FasterViT-0: the published parameter count and the spec's GMACs (within 2%)."""
    with open(osp.join(SHARED_DIR, 'fixtures', 'official', 'layouts.json')) as f:
        layouts = json.load(f)
    result = get_flops.count('faster_vit_0_224')
    assert result['shape'] == [224, 224]
    assert result['params'] == layouts['faster_vit_0_224']['params']
    assert result['macs'] / 1e9 == pytest.approx(SPEC_GMACS['faster_vit_0_224'], rel=0.02)
    assert result['macs_no_attention'] < result['macs'] <= result['flops']
    assert result['by_operator']['scaled_dot_product_attention'] > 0
    deployed = get_flops.count('faster_vit_0_224', deploy=True)
    assert deployed['macs'] < result['macs']  # the position MLPs are cached


@pytest.mark.parametrize('arch', sorted(SPEC_GMACS))
def test_every_variant_matches_the_spec(arch):
    """All 11 variants at their native size (counted on the meta device with torch's counter,
    which agrees with fvcore + the handler: see test_published_model_counts)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device('meta'):
        model = model_factory.build_arch(arch).eval()
        size = model_factory.native_size(arch)
        x = torch.randn(1, 3, size, size)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    assert counter.get_total_flops() / 2e9 == pytest.approx(SPEC_GMACS[arch], rel=0.02)


def test_classification_config_equals_arch():
    cfg = osp.join(REPO_ROOT, 'configs', 'fastervit', 'fastervit-0_32xb128_in1k.py')
    from_cfg = get_flops.count(cfg)
    from_arch = get_flops.count('faster_vit_0_224')
    assert from_cfg['shape'] == [224, 224]
    assert from_cfg['params'] == from_arch['params']
    assert from_cfg['macs'] == from_arch['macs']


def test_detection_config_by_part(tmp_path):
    cfg = osp.join(REPO_ROOT, 'configs', 'demo', 'mask-rcnn_fastervit-demo_fpn_synthetic-192.py')
    out = tmp_path / 'det.json'
    get_flops.main([cfg, '--shape', '128', '160', '--json', str(out)])
    result = json.loads(out.read_text())
    assert result['shape'] == [128, 160]
    assert {'backbone', 'neck', 'rpn_head', 'roi_head'} <= set(result['by_part'])
    assert result['by_part']['backbone'] > 0


def test_segmentation_config_default_size():
    cfg = osp.join(
        REPO_ROOT, 'configs', 'demo', 'fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py'
    )
    result = get_flops.count(cfg)
    assert result['shape'] == [128, 128]  # the config's crop_size
    assert {'backbone', 'decode_head'} <= set(result['by_part'])

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The runtime runners: float32 parity with PyTorch, bfloat16 switches, clear errors.

A small conv + attention network stands in for FasterViT so the tests do not depend on the
backbone export (tests/test_deploy/test_export*.py cover that file); what is tested here is the
runner layer: options reach the runtime, outputs come back in order and in float32.
"""

import numpy as np
import onnxruntime  # noqa: F401  (the deploy extra is part of the pinned environment)
import openvino  # noqa: F401
import pytest
import torch
import torch.nn as nn

from fastervit_mm.deploy import runtimes


class TinyNet(nn.Module):
    """Conv stem, one self-attention over the pixels, pooled logits and the feature map."""

    def __init__(self, dim: int = 16, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 3, stride=2, padding=1)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        f = self.stem(x)
        t = f.flatten(2).transpose(1, 2)
        q, k, v = self.qkv(t).chunk(3, -1)
        t = t + torch.softmax(q @ k.transpose(1, 2) / 4.0, -1) @ v
        return self.head(t.mean(1)), t


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = TinyNet().eval()
    path = str(tmp_path_factory.mktemp('rt') / 'tiny.onnx')
    torch.onnx.export(
        model,
        torch.randn(1, 3, 32, 32),
        path,
        dynamo=False,
        opset_version=17,
        input_names=['input'],
        output_names=['logits', 'tokens'],
        dynamic_axes={'input': {0: 'b', 2: 'h', 3: 'w'}},
    )
    return model, path


@pytest.mark.parametrize('runtime', ['onnxruntime', 'openvino'])
def test_float32_matches_pytorch(exported, runtime):
    model, path = exported
    runner = runtimes.build_runner(runtime, path, threads=1)
    ref = runtimes.build_runner('torch', model)
    for shape in [(1, 3, 32, 32), (3, 3, 40, 24)]:
        x = torch.randn(shape)
        outs, refs = runner(x), ref(x)
        assert [o.shape for o in outs] == [r.shape for r in refs]
        assert all(o.dtype == np.float32 for o in outs)
        for o, r in zip(outs, refs):
            assert runtimes.relative_error(o, r) < 1e-5


def test_runner_options_reach_the_runtime(exported):
    _, path = exported
    ov = runtimes.build_runner('openvino', path, threads=1, hint='LATENCY').options()
    assert ov['inference_num_threads'] == '1' and ov['performance_hint'] == 'LATENCY'
    assert 'float32' in ov['inference_precision_hint']
    ort = runtimes.build_runner('onnxruntime', path, threads=1)
    assert ort.session.get_session_options().intra_op_num_threads == 1


@pytest.mark.parametrize('runtime', ['torch', 'openvino'])
def test_bf16_is_close_but_not_float32(exported, runtime):
    model, path = exported
    target = model if runtime == 'torch' else path
    bf16 = runtimes.build_runner(runtime, target, precision='bf16', threads=1)
    f32 = runtimes.build_runner(runtime, target, threads=1)
    torch.manual_seed(1)
    report = runtimes.precision_report(
        bf16, f32, [torch.randn(4, 3, 32, 32) for _ in range(2)], classifier=True
    )
    assert report['images'] == 8 and 0.0 <= report['top1_agree'] <= 1.0
    assert max(report['rel_error']) < 3e-2
    if runtime == 'torch' or runtimes.cpu_has_native_bf16():
        # bf16 keeps 8 mantissa bits: an error of exactly zero means the switch did nothing.
        assert min(report['rel_error']) > 1e-5


def test_relative_error():
    ref = np.array([3.0, 4.0])
    assert runtimes.relative_error(ref, ref) == 0.0
    assert runtimes.relative_error(ref * 1.01, ref) == pytest.approx(0.01)
    with pytest.raises(ValueError, match='shapes differ'):
        runtimes.relative_error(ref, ref[:1])


def test_clear_errors(exported, tmp_path):
    model, path = exported
    with pytest.raises(ValueError, match='use one of torch, onnxruntime, openvino'):
        runtimes.build_runner('tensorrt', path)
    with pytest.raises(TypeError, match='needs the path of an exported .onnx file'):
        runtimes.build_runner('onnxruntime', model)
    with pytest.raises(TypeError, match='needs an nn.Module'):
        runtimes.build_runner('torch', path)
    with pytest.raises(FileNotFoundError, match='export the model first'):
        runtimes.build_runner('openvino', str(tmp_path / 'missing.onnx'))
    with pytest.raises(ValueError, match="use runtime='openvino' or 'torch' for bf16"):
        runtimes.build_runner('onnxruntime', path, precision='bf16')
    with pytest.raises(ValueError, match='hint='):
        runtimes.build_runner('openvino', path, hint='FAST')


def test_cpu_flags(tmp_path):
    info = tmp_path / 'cpuinfo'
    info.write_text('flags\t: fpu avx512f avx512_bf16\n')
    assert runtimes.cpu_has_native_bf16(str(info))
    info.write_text('flags\t: fpu avx2\n')
    assert not runtimes.cpu_has_native_bf16(str(info))
    assert not runtimes.cpu_has_native_bf16(str(tmp_path / 'absent'))
    assert runtimes.cpu_threads() >= 1

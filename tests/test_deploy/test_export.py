# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""ONNX export: one dynamic file per model, ONNX Runtime and OpenVINO (CPU) against PyTorch.

Each model is exported once (module-scoped fixtures) and run at every size: multiples of 7 and 32
and sizes that are neither, maps whose transformer stages are a single window (carrier tokens
masked in the graph) and large detection-like inputs; batch 1 and 3.
"""

import copy

import numpy as np
import onnx
import onnxruntime as ort
import openvino as ov
import pytest
import torch
import torch.nn as nn
from conftest import TINY_ARCH

from fastervit_mm.deploy import export_onnx, prepare_for_export
from fastervit_mm.deploy.export import pooling_matrix
from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers.hat import carrier_pooling

TOLERANCE = 1e-4
#: HAT in stages 3 and 4, propagation and layer scale (as FasterViT-3..6), small enough for CPU.
HAT34_ARCH = dict(TINY_ARCH, layer_scale=1e-1, do_propagation=True)
#: (H, W): 224², neither multiple of 7 nor 32, 64² (stages 3 and 4 a single window: 4x4 and 2x2
#: maps), 30² (single window, stage 4 a 1x1 map), 512², 800x1333.
SIZES = [(224, 224), (97, 131), (257, 383), (64, 64), (30, 30), (512, 512), (800, 1333)]


def _randomise_batchnorms(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.2, 0.2)
    return model


def _rel(out, ref) -> float:
    ref = np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(np.asarray(out, dtype=np.float64) - ref) / np.linalg.norm(ref))


class _Exported:
    """A model, its one dynamic ONNX file, and sessions of both runtimes on it."""

    def __init__(self, model, path):
        self.model = model
        self.path = str(export_onnx(model, str(path)))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.ort = ort.InferenceSession(self.path, options, providers=['CPUExecutionProvider'])
        core = ov.Core()
        config = {'INFERENCE_PRECISION_HINT': 'f32', 'INFERENCE_NUM_THREADS': 2}
        self.ov = core.compile_model(core.read_model(self.path), 'CPU', config)

    def check(self, runtime, batch, size):
        x = torch.randn(batch, 3, *size)
        with torch.no_grad():
            ref = self.model(x)
        ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
        if runtime == 'onnxruntime':
            outs = self.ort.run(None, {'input': x.numpy()})
        else:
            result = self.ov(x.numpy())
            outs = [result[o] for o in self.ov.outputs]
        assert len(outs) == len(ref)
        errors = {i: _rel(o, r.numpy()) for i, (o, r) in enumerate(zip(outs, ref))}
        for o, r in zip(outs, ref):
            assert o.shape == tuple(r.shape)
        assert all(e < TOLERANCE for e in errors.values()), (runtime, batch, size, errors)


@pytest.fixture(scope='module')
def hat34(tmp_path_factory):
    torch.manual_seed(0)
    model = _randomise_batchnorms(FasterViT(arch=copy.deepcopy(HAT34_ARCH))).eval()
    return _Exported(model, tmp_path_factory.mktemp('onnx') / 'hat34.onnx')


@pytest.fixture(scope='module')
def fastervit0(tmp_path_factory):
    torch.manual_seed(0)
    model = _randomise_batchnorms(FasterViT(arch='faster_vit_0_224')).eval()
    return _Exported(model, tmp_path_factory.mktemp('onnx') / 'fastervit0.onnx')


@pytest.mark.parametrize('runtime', ['onnxruntime', 'openvino'])
@pytest.mark.parametrize('batch', [1, 3])
@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
def test_custom_hat_arch_one_file_every_size(hat34, runtime, batch, size):
    hat34.check(runtime, batch, size)


@pytest.mark.parametrize('runtime', ['onnxruntime', 'openvino'])
@pytest.mark.parametrize(
    'batch, size',
    [(1, s) for s in SIZES] + [(3, (224, 224)), (3, (97, 131))],
    ids=lambda v: f'{v[0]}x{v[1]}' if isinstance(v, tuple) else f'b{v}',
)
def test_fastervit_0_one_file_every_size(fastervit0, runtime, batch, size):
    fastervit0.check(runtime, batch, size)


def test_graph_is_standard_onnx_with_named_dynamic_axes(hat34):
    model = onnx.load(hat34.path)
    onnx.checker.check_model(model, full_check=True)
    domains = {n.domain for n in model.graph.node}
    assert domains <= {'', 'ai.onnx'}, domains
    assert not any(n.op_type.startswith('ATen') for n in model.graph.node)
    assert [i.name for i in model.graph.input] == ['input']
    assert [o.name for o in model.graph.output] == ['stage0', 'stage1', 'stage2', 'stage3']
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ['batch', 3, 'height', 'width']
    # the convs' BatchNorms are folded; only the four output norms (no conv before them) remain
    assert sum(n.op_type == 'BatchNormalization' for n in model.graph.node) == 4


def test_graph_form_equals_eager_model():
    torch.manual_seed(0)
    model = _randomise_batchnorms(FasterViT(arch=copy.deepcopy(HAT34_ARCH))).eval()
    graph = prepare_for_export(model)
    for chain in (graph.patch_embed, graph.levels[0].blocks[0]):
        assert not any(isinstance(m, nn.BatchNorm2d) for m in chain.modules())
    for size in [(97, 131), (64, 64), (30, 30)]:
        x = torch.randn(2, 3, *size)
        with torch.no_grad():
            for a, b in zip(graph(x), model(x)):
                assert _rel(a.numpy(), b.numpy()) < 1e-6


def test_pooling_matrix_equals_the_published_pooling():
    x = torch.randn(2, 3, 28, 42)
    for rows, cols in [(4, 6), (8, 12), (2, 2), (28, 6)]:
        (kh, sh), (kw, sw) = carrier_pooling(28, rows), carrier_pooling(42, cols)
        ref = nn.functional.avg_pool2d(x, (kh, kw), (sh, sw))
        ph = pooling_matrix(torch.tensor(28), rows, x.dtype)
        pw = pooling_matrix(torch.tensor(42), cols, x.dtype)
        assert torch.allclose(ph @ x @ pw.T, ref, atol=1e-6)


def test_static_export_fixes_the_shape(tmp_path):
    model = FasterViT(arch=copy.deepcopy(HAT34_ARCH), out_indices=(3,)).eval()
    path = export_onnx(
        model, str(tmp_path / 'static.onnx'), example_shape=(2, 3, 96, 128), dynamic=False
    )
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [2, 3, 96, 128]
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    x = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        ref = model(x)[0].numpy()
    assert _rel(session.run(None, {'input': x.numpy()})[0], ref) < TOLERANCE


def test_classifier_exports_logits(tmp_path):
    from fastervit_mm.models.classifiers.image import FasterViTClassifier

    arch = copy.deepcopy(HAT34_ARCH)
    model = FasterViTClassifier(
        backbone=dict(type='fastervit_mm.FasterViT', arch=arch, out_indices=(3,)),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=7, in_channels=128),
    ).eval()
    path = export_onnx(model, str(tmp_path / 'cls.onnx'))
    graph = onnx.load(path).graph
    assert [o.name for o in graph.output] == ['logits']
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for size in [(224, 224), (97, 131)]:
        x = torch.randn(3, 3, *size)
        with torch.no_grad():
            ref = model(x, mode='tensor').numpy()
        out = session.run(None, {'input': x.numpy()})[0]
        assert out.shape == (3, 7) and _rel(out, ref) < TOLERANCE


def test_clear_errors(tmp_path):
    anyres = FasterViT(arch=copy.deepcopy(HAT34_ARCH), compat_anyres=True)
    with pytest.raises(ValueError, match='compat_anyres'):
        export_onnx(anyres, str(tmp_path / 'x.onnx'))
    with pytest.raises(TypeError, match='FasterViT'):
        export_onnx(nn.Conv2d(3, 3, 1), str(tmp_path / 'x.onnx'))
    model = FasterViT(arch=copy.deepcopy(HAT34_ARCH))
    with pytest.raises(ValueError, match='opset'):
        export_onnx(model, str(tmp_path / 'x.onnx'), opset=13)
    with pytest.raises(ValueError, match='example_shape'):
        export_onnx(model, str(tmp_path / 'x.onnx'), example_shape=(3, 224, 224))


def test_graph_form_in_place_inside_another_model(tmp_path):
    """A detector-like model holding a FasterViT (as mmdeploy exports it, legacy exporter)."""
    from fastervit_mm.deploy import to_graph_form_

    class Detector(nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = FasterViT(arch=copy.deepcopy(HAT34_ARCH), out_indices=(2, 3))
            self.neck = nn.Conv2d(128, 8, 1)

        def forward(self, x):
            c3, c4 = self.backbone(x)
            return c3.mean((2, 3)), self.neck(c4)

    torch.manual_seed(0)
    model = Detector()
    with pytest.raises(RuntimeError, match='eval'):
        to_graph_form_(copy.deepcopy(model))  # BatchNorms in training mode are not folded
    model.eval()
    graph = to_graph_form_(copy.deepcopy(model))
    path = str(tmp_path / 'det.onnx')
    with torch.no_grad():
        torch.onnx.export(
            graph,
            (torch.randn(1, 3, 128, 160),),
            path,
            dynamo=False,
            input_names=['input'],
            dynamic_axes={'input': {0: 'b', 2: 'h', 3: 'w'}},
            opset_version=17,
        )
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for size in [(128, 160), (97, 131), (300, 420)]:
        x = torch.randn(2, 3, *size)
        with torch.no_grad():
            ref = model(x)
        for out, r in zip(session.run(None, {'input': x.numpy()}), ref):
            assert _rel(out, r.numpy()) < TOLERANCE


def test_deploy_mode_model_still_exports_dynamically(tmp_path):
    model = FasterViT(arch=copy.deepcopy(HAT34_ARCH), out_indices=(3,), deploy=True).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        model(x)  # frozen terms for 224² exist in the model
    session = ort.InferenceSession(
        export_onnx(model, str(tmp_path / 'd.onnx')), providers=['CPUExecutionProvider']
    )
    x = torch.randn(1, 3, 97, 131)
    with torch.no_grad():
        ref = model(x)[0].numpy()
    assert _rel(session.run(None, {'input': x.numpy()})[0], ref) < TOLERANCE

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/deployment/export_onnx.py: configs and arch names, --static, --verify."""

import importlib.util
from pathlib import Path

import onnx  # noqa: F401  (the deploy extra is part of the pinned environment: fail, never skip)
import onnxruntime  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        'export_onnx_tool', ROOT / 'tools/deployment/export_onnx.py'
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_classification_config_dynamic_with_verify(tmp_path, capsys):
    config = ROOT / 'configs/demo/fastervit-demo_cls_1xb64-8e_synthetic-shapes-64px.py'
    out = tmp_path / 'cls.onnx'
    assert _tool().main([str(config), '--out', str(out), '--verify']) == 0
    printed = capsys.readouterr().out
    assert 'dynamic batch, height, width' in printed
    assert printed.count('logits') >= 5 and 'ok' in printed  # example size + the verify sizes
    assert 'onnxruntime 1x3x97x131' in printed and 'onnxruntime 3x3x97x131' in printed  # 1 and 3
    assert [o.name for o in onnx.load(str(out)).graph.output] == ['logits']


def test_detection_config_exports_the_backbone_static(tmp_path, capsys):
    config = ROOT / 'configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py'
    out = tmp_path / 'backbone.onnx'
    assert (
        _tool().main(
            [
                str(config),
                '--out',
                str(out),
                '--static',
                '--shape',
                '96',
                '128',
                '--verify',
                '--runtimes',
                'onnxruntime',
                'openvino',
            ]
        )
        == 0
    )
    graph = onnx.load(str(out)).graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == [1, 3, 96, 128]
    assert all(o.name.startswith('stage') for o in graph.output)
    printed = capsys.readouterr().out
    assert 'onnxruntime 1x3x96x128' in printed and 'openvino 1x3x96x128' in printed

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The supported range and the API shims of :mod:`fastervit_mm.compat`.

These run in every environment CI builds (the pinned one and tools/setup_env_compat.sh's torch 2.1
/ Python 3.8 and Python 3.12 ones), where each shim meets the API it papers over.
"""

import ast
import importlib
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from conftest import run_python

import fastervit_mm
from fastervit_mm import compat

PACKAGE = Path(fastervit_mm.__file__).parent

#: Packages of the optional extras: a module needing one of them may fail to import without it.
OPTIONAL = (
    'mmcv',
    'mmdet',
    'mmseg',
    'mmpretrain',
    'mmdeploy',
    'onnx',
    'onnxruntime',
    'onnxscript',
    'openvino',
    'fvcore',
    'cv2',
    'torchvision',
    'matplotlib',
    'scipy',
)

#: APIs newer than the oldest supported torch (2.1) or Python (3.8), outside compat.py.
NEWER_APIS = {
    r'torch\.compiler\.is_compiling': 'torch 2.3: compat.is_compiling',
    r'\.register_load_state_dict_pre_hook\(': 'torch 2.2: compat.register_load_state_dict_pre_hook',
    r'torch\.is_autocast_enabled\(\s*[^)\s]': 'torch 2.4: compat.is_autocast_enabled',
    r'\.register_state_dict_post_hook\(': 'torch 2.5',
    r'torch\.nn\.attention': 'torch 2.2',
    r'dynamo=': 'torch.onnx.export(dynamo=) is torch 2.5: compat.onnx_export',
    r'\.removeprefix\(|\.removesuffix\(': 'Python 3.9',
    r'functools\.cache\b|from functools import [^\n]*\bcache\b': 'Python 3.9',
    r'zip\([^)\n]*strict=': 'Python 3.10',
    r'import tomllib': 'Python 3.11',
}


@pytest.mark.parametrize(
    'version,ok',
    [
        ('2.1.2+cu121', True),
        ('2.1.0', True),
        ('2.13.0', True),
        ('10.0.0a0', True),
        ('2.0.1', False),
        ('1.13.1+cpu', False),
    ],
)
def test_torch_version_check(version, ok):
    if ok:
        compat.check_torch_version(version)
        return
    with pytest.raises(ImportError) as err:
        compat.check_torch_version(version)
    assert f'torch {version} is installed' in str(err.value)
    assert 'torch>=2.1' in str(err.value)


def test_import_fails_clearly_on_an_old_torch():
    """``import fastervit_mm`` with a torch below the minimum names both versions."""
    proc = run_python(
        textwrap.dedent("""
        import torch
        torch.__version__ = '2.0.1+cu118'
        import fastervit_mm
    """)
    )
    assert proc.returncode != 0
    assert (
        'ImportError: fastervit_mm needs torch>=2.1, but torch 2.0.1+cu118 is installed'
        in proc.stderr
    ), proc.stderr[-2000:]


def test_is_compiling():
    """False in eager mode, True while torch.compile traces (the eager backend: no compiler)."""
    assert compat.is_compiling() is False
    if not hasattr(torch, 'compile'):
        pytest.fail('torch.compile missing')

    def fn(x):
        return x + (1 if compat.is_compiling() else 0)

    x = torch.zeros(2)
    assert fn(x).tolist() == [0, 0]
    torch._dynamo.reset()
    assert torch.compile(fn, backend='eager')(x).tolist() == [1, 1]


def test_register_load_state_dict_pre_hook():
    """The hook gets (module, state_dict, prefix, ...) and may rename keys before loading."""
    calls = []

    def hook(module, state_dict, prefix, *args):
        calls.append((module, prefix))
        if prefix + 'old.weight' in state_dict:
            state_dict[prefix + 'weight'] = state_dict.pop(prefix + 'old.weight')

    parent = nn.Sequential(nn.Linear(2, 2, bias=False))
    compat.register_load_state_dict_pre_hook(parent[0], hook)
    weight = torch.ones(2, 2)
    parent.load_state_dict({'0.old.weight': weight}, strict=True)
    assert calls == [(parent[0], '0.')]
    assert torch.equal(parent[0].weight, weight)


def test_is_autocast_enabled():
    assert compat.is_autocast_enabled('cpu') is False
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert compat.is_autocast_enabled('cpu') is True
        assert compat.is_autocast_enabled('cuda') is False
    assert compat.is_autocast_enabled('cpu') is False


def test_float16_on_the_cpu():
    """Without a float16 CPU convolution (torch 2.1) a float16 backbone fails with a clear error;
    with one, it runs."""
    from fastervit_mm.models import FasterViT

    model = (
        FasterViT(
            arch=dict(
                dim=8,
                in_dim=8,
                depths=[1, 1, 1, 1],
                num_heads=[1, 1, 2, 2],
                window_size=7,
                ct_size=2,
                mlp_ratio=2,
                hat=False,
            ),
            out_indices=(0,),
        )
        .half()
        .eval()
    )
    x = torch.randn(1, 3, 32, 32, dtype=torch.float16)
    if compat.cpu_supports_float16_conv():
        assert model(x)[0].dtype == torch.float16
    else:
        with pytest.raises(TypeError, match='float16 on the CPU: this torch'):
            model(x)


def test_onnx_export(tmp_path):
    """The TorchScript-based exporter on every torch (``dynamo=False`` only where it exists)."""
    path = tmp_path / 'linear.onnx'
    compat.onnx_export(
        nn.Linear(3, 2).eval(),
        (torch.randn(1, 3),),
        str(path),
        input_names=['x'],
        output_names=['y'],
        opset_version=17,
    )
    import onnx  # every CI environment has it (requirements/tests-compat.txt)

    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ['x']


def test_onnx_export_passes_dynamo_only_where_it_exists():
    """``export=``: the function called (e.g. mmdeploy's original); ``dynamo`` only if it has it."""
    calls = []

    def old_export(model, args, f, opset_version=None):  # torch 2.1-2.4
        calls.append(('old', opset_version))

    def new_export(model, args, f, opset_version=None, dynamo=True):  # torch >= 2.5
        calls.append(('new', opset_version, dynamo))

    compat.onnx_export(None, (), 'x.onnx', export=old_export, opset_version=17)
    compat.onnx_export(None, (), 'x.onnx', export=new_export, opset_version=17)
    assert calls == [('old', 17), ('new', 17, False)]


def test_no_newer_api_outside_compat():
    """Newer APIs are called through their shim only (one place per API, tested above)."""
    found = []
    for path in sorted(PACKAGE.rglob('*.py')):
        if path.name == 'compat.py':
            continue
        text = path.read_text(encoding='utf-8')
        for pattern, what in NEWER_APIS.items():
            for m in re.finditer(pattern, text):
                found.append(
                    f'{path.relative_to(PACKAGE)}:{text[: m.start()].count(chr(10)) + 1}:'
                    f' {m.group(0)} ({what})'
                )
    assert not found, '\n'.join(found)


def test_runtime_annotations_are_python38():
    """No ``list[int]`` / ``X | Y`` annotation is evaluated at import time on Python 3.8 (modules
    without ``from __future__ import annotations``)."""
    found = []
    for path in sorted(PACKAGE.rglob('*.py')):
        tree = ast.parse(path.read_text(encoding='utf-8'))
        if any(
            isinstance(n, ast.ImportFrom)
            and n.module == '__future__'
            and any(a.name == 'annotations' for a in n.names)
            for n in tree.body
        ):
            continue
        for node in ast.walk(tree):
            annotations = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                annotations += [
                    a.annotation
                    for a in args.args + args.kwonlyargs + getattr(args, 'posonlyargs', [])
                    if a.annotation
                ]
                annotations += [node.returns] if node.returns else []
            elif isinstance(node, ast.AnnAssign):
                annotations.append(node.annotation)
            for ann in annotations:
                for sub in ast.walk(ann):
                    builtin_generic = (
                        isinstance(sub, ast.Subscript)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id in ('list', 'dict', 'tuple', 'set', 'type')
                    )
                    union = isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.BitOr)
                    if builtin_generic or union:
                        found.append(f'{path.relative_to(PACKAGE)}:{ann.lineno}')
    assert not found, found


def test_every_module_imports():
    """Every module imports here, except where an optional extra is not installed."""
    failed = []
    for info in pkgutil.walk_packages([str(PACKAGE)], 'fastervit_mm.'):
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as err:
            if (err.name or '').split('.')[0] not in OPTIONAL:
                failed.append(f'{info.name}: {err!r}')
        except ImportError as err:  # e.g. mmpretrain present but its torchvision broken
            if not any(p in str(err) for p in OPTIONAL):
                failed.append(f'{info.name}: {err!r}')
    assert not failed, failed

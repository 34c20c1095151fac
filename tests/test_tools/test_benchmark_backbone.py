# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/benchmark_backbone.py: JSON lines for this backbone, and the published model
timed in the same loop (here a stand-in package named ``fastervit`` with the published factory
names, since the real one is not a dependency)."""

import json
import sys
import textwrap

import pytest
import torch

from .conftest import analysis_module

bench = analysis_module('benchmark_backbone')

FIELDS = {
    'arch',
    'implementation',
    'batch',
    'size',
    'mode',
    'median_ms',
    'img_per_s',
    'peak_mem_mb',
    'torch_compile',
}


def run(capsys, *argv):
    bench.main(['--device', 'cpu', '--iters', '1', '--warmup', '0', *argv])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ours_one_line_per_measurement(capsys):
    lines = run(capsys, '--arch', '0', '--batch', '1', '2', '--size', '64', '40x72')
    assert [(r['batch'], r['size']) for r in lines] == [
        (1, [64, 64]),
        (1, [40, 72]),
        (2, [64, 64]),
        (2, [40, 72]),
    ]
    for r in lines:
        assert FIELDS <= set(r) and r['implementation'] == 'ours' and r['img_per_s'] > 0


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A package ``fastervit.models`` with ``faster_vit_0_224`` and ``faster_vit_0_any_res``
    (records the resolution it was built for)."""
    pkg = tmp_path / 'fastervit' / 'models'
    pkg.mkdir(parents=True)
    (tmp_path / 'fastervit' / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text('')
    (pkg / 'faster_vit.py').write_text(
        textwrap.dedent('''
        import torch.nn as nn
        BUILT = []
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.patch_embed = nn.Conv2d(3, 4, 3, 2, 1)
                self.head = nn.Linear(4, 10)
            def forward(self, x):
                return self.head(self.patch_embed(x).mean((2, 3)))
        def faster_vit_0_224():
            BUILT.append(224)
            return Net()
    ''')
    )
    (pkg / 'faster_vit_any_res.py').write_text(
        textwrap.dedent('''
        from .faster_vit import BUILT, Net
        def faster_vit_0_any_res(resolution):
            BUILT.append(list(resolution))
            return Net()
    ''')
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(bench, 'PUBLISHED_PATH', str(tmp_path / 'none'))  # not the real package
    for name in [m for m in sys.modules if m == 'fastervit' or m.startswith('fastervit.')]:
        monkeypatch.delitem(sys.modules, name)
    yield tmp_path
    for name in [m for m in sys.modules if m == 'fastervit' or m.startswith('fastervit.')]:
        del sys.modules[name]


def test_published_native_and_any_resolution(capsys, published):
    lines = run(capsys, '--implementation', 'published', '--size', '224', '48x80')
    assert [r['implementation'] for r in lines] == ['published'] * 2
    from fastervit.models.faster_vit import BUILT

    assert BUILT == [224, [48, 80]]  # the any-resolution model is built for its size


def test_published_loads_weights_and_names_missing_ones(capsys, published, tmp_path):
    from fastervit.models.faster_vit import Net

    torch.manual_seed(1)
    sd = Net().state_dict()
    torch.save({'state_dict': sd}, tmp_path / 'w.pth')
    out = tmp_path / 'out.pt'
    run(
        capsys,
        '--implementation',
        'published',
        '--state-dict',
        str(tmp_path / 'w.pth'),
        '--save-output',
        str(out),
    )
    saved = torch.load(out)
    ref = Net()
    ref.load_state_dict(sd)
    with torch.no_grad():
        assert torch.equal(saved['output'], ref.eval()(saved['input']))
    del sd['head.weight']
    torch.save(sd, tmp_path / 'partial.pth')
    with pytest.raises(SystemExit, match='lacks 1 weights'):
        run(capsys, '--implementation', 'published', '--state-dict', str(tmp_path / 'partial.pth'))


def test_published_errors(capsys, monkeypatch, published):
    with pytest.raises(SystemExit, match='--deploy applies to --implementation ours only'):
        run(capsys, '--implementation', 'published', '--deploy')
    with pytest.raises(SystemExit, match='no such model'):
        run(capsys, '--implementation', 'published', '--arch', 'faster_vit_9_224')
    for name in ('fastervit', 'fastervit.models'):  # not installed
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(SystemExit, match='pip install --no-deps --target .* fastervit==1.0.0'):
        run(capsys, '--implementation', 'published')


def test_timm_backbone_built_for_each_size(capsys, monkeypatch):
    import types

    built = []

    def create_model(name, **kwargs):
        built.append((name, kwargs))
        return torch.nn.Conv2d(3, 4, 3, 2, 1)

    monkeypatch.setitem(sys.modules, 'timm', types.SimpleNamespace(create_model=create_model))
    lines = run(capsys, '--implementation', 'timm:swin_t', '--size', '32', '32x48')
    assert [r['arch'] for r in lines] == ['swin_t', 'swin_t']
    assert [b[1]['img_size'] for b in built] == [(32, 32), (32, 48)]
    assert all(b[0] == 'swin_t' and b[1]['features_only'] for b in built)
    with pytest.raises(SystemExit, match='--state-dict and --with-head'):
        run(capsys, '--implementation', 'timm:swin_t', '--with-head')
    with pytest.raises(SystemExit):  # argparse: not one of the three forms
        run(capsys, '--implementation', 'timm:')


def test_published_under_bf16_autocast(capsys, published, tmp_path):
    f32, bf16 = tmp_path / 'f32.pt', tmp_path / 'bf16.pt'
    run(capsys, '--implementation', 'published', '--save-output', str(f32))
    (line,) = run(
        capsys, '--implementation', 'published', '--precision', 'bf16', '--save-output', str(bf16)
    )
    assert line['precision'] == 'bf16' and line['runtime_options']['autocast'] == 'torch.bfloat16'
    a, b = torch.load(f32)['output'], torch.load(bf16)['output']
    assert b.dtype == torch.float32 and 1e-5 < ((a - b).norm() / a.norm()).item() < 0.1


def _rel(a, b):
    return ((a - b).norm() / b.norm()).item()


def test_ours_bf16_autocast_and_flops(capsys, tmp_path):
    f32, bf16 = tmp_path / 'f32.pt', tmp_path / 'bf16.pt'
    args = ('--arch', '0', '--with-head', '--batch', '2', '--size', '64')
    (f32_line,) = run(capsys, *args, '--save-output', str(f32), '--flops')
    (bf16_line,) = run(
        capsys, *args, '--save-output', str(bf16), '--precision', 'bf16', '--matmul-peak', '256'
    )
    assert (f32_line['precision'], bf16_line['precision']) == ('f32', 'bf16')
    assert 1e-4 < _rel(torch.load(bf16)['output'], torch.load(f32)['output']) < 0.1
    # gmacs: get_flops' count of one image times the batch; achieved = 2 * macs / time
    from fastervit_mm.analysis.flops import count

    macs = count('0', [64, 64])['macs']
    assert macs > 0 and f32_line['gmacs'] == round(2 * macs / 1e9, 3)
    assert f32_line['achieved_gflop_s'] == pytest.approx(
        2 * f32_line['gmacs'] / f32_line['median_ms'] * 1000, rel=0.01
    )
    assert 'peak_fraction' not in f32_line and 'matmul_peak_gflop_s' not in f32_line
    peaks = bf16_line['matmul_peak_gflop_s']  # --matmul-peak implies --flops
    assert set(peaks) == {'f32', 'bf16'} and min(peaks.values()) > 0
    assert bf16_line['peak_fraction'] == pytest.approx(
        bf16_line['achieved_gflop_s'] / peaks['bf16'], rel=0.01
    )


def test_exported_runtimes_one_file_every_size(capsys, tmp_path, monkeypatch):
    import fastervit_mm.deploy as deploy

    exports = []
    real = deploy.export_onnx
    monkeypatch.setattr(
        deploy, 'export_onnx', lambda *a, **k: exports.append(a[1]) or real(*a, **k)
    )
    onnx = str(tmp_path / 'b.onnx')
    args = ('--arch', '0', '--size', '64', '40x72', '--onnx', onnx)
    ort = run(capsys, *args, '--runtime', 'onnxruntime', '--batch', '1', '2')
    assert exports == [onnx] and [(r['batch'], r['size']) for r in ort] == [
        (1, [64, 64]),
        (1, [40, 72]),
        (2, [64, 64]),
        (2, [40, 72]),
    ]
    for r in ort:
        assert r['runtime'] == 'onnxruntime' and r['exported'] and r['onnx_file'] == onnx
        assert r['rel_error_vs_torch'] < 1e-4 and r['runtime_options']['threads'] >= 1
    (ov32,) = run(capsys, *args[:4], '--onnx', onnx, '--runtime', 'openvino')
    (ov16,) = run(capsys, *args[:4], '--onnx', onnx, '--runtime', 'openvino', '--precision', 'bf16')
    assert exports == [onnx] and not ov32['exported'] and not ov16['exported']  # file reused
    assert 'float32' in ov32['runtime_options']['inference_precision_hint']
    assert 'bfloat16' in ov16['runtime_options']['inference_precision_hint']
    assert ov32['rel_error_vs_torch'] < 1e-4 < ov16['rel_error_vs_torch'] < 0.05
    with pytest.raises(SystemExit, match='holds another model'):  # other weights: seed 1
        run(capsys, *args[:4], '--onnx', onnx, '--runtime', 'openvino', '--seed', '1')


@pytest.mark.parametrize(
    'argv,message',
    [
        (['--runtime', 'onnxruntime', '--precision', 'bf16'], 'float32 only'),
        (['--runtime', 'openvino', '--mode', 'train'], 'drop --mode train'),
        (['--runtime', 'openvino', '--implementation', 'published'], 'drop --implementation'),
        (['--onnx', 'x.onnx'], '--onnx applies to'),
        (['--amp', '--precision', 'bf16'], 'not both'),
    ],
)
def test_runtime_flag_errors(capsys, argv, message):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert message in capsys.readouterr().err


cmp = analysis_module('compare_with_reference')


def _flag(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_compare_commands_runtime_and_published_reference(tmp_path):
    args = cmp.parse_args(
        [
            '--size',
            '800x1344',
            '--batch',
            '1',
            '--runtime',
            'openvino',
            '--precision',
            'bf16',
            '--reference',
            'published',
            '--reference-precision',
            'bf16',
            '--iters',
            '3',
        ]
    )
    assert args.tolerance == 1e-4
    cmds = cmp.commands(args, str(tmp_path))
    assert '--compat-anyres' in cmds['check_ours']  # non-square: the published grids
    assert '--compat-anyres' not in cmds['ours'] + cmds['check_runtime']
    assert _flag(cmds['ours'], '--runtime') == 'openvino'
    assert (
        _flag(cmds['ours'], '--precision') == 'bf16' and '--precision' not in cmds['check_runtime']
    )  # checks run float32
    assert _flag(cmds['ours'], '--onnx') == _flag(cmds['check_runtime'], '--onnx')
    ref = cmds['reference']
    assert _flag(ref, '--implementation') == 'published' and _flag(ref, '--precision') == 'bf16'
    assert _flag(ref, '--state-dict') == _flag(cmds['check_ours'], '--save-state-dict')
    assert _flag(ref, '--iters') == _flag(cmds['ours'], '--iters') == '3'
    script = cmp.commands(cmp.parse_args([]), str(tmp_path))
    assert 'check_runtime' not in script and script['reference'][0] == 'bash'
    assert cmp.parse_args([]).tolerance == 1e-5


@pytest.mark.parametrize(
    'argv,message',
    [
        (['--reference-precision', 'bf16'], 'float32 only'),
        (['--runtime', 'onnxruntime', '--mode', 'train'], 'no --mode train'),
    ],
)
def test_compare_flag_errors(capsys, argv, message):
    with pytest.raises(SystemExit):
        cmp.parse_args(argv)
    assert message in capsys.readouterr().err


def _precision_tool():
    import importlib.util
    import os.path as osp

    from conftest import REPO_ROOT

    spec = importlib.util.spec_from_file_location(
        'precision_report_tool', osp.join(REPO_ROOT, 'tools', 'deployment', 'precision_report.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_precision_report_tool(capsys, tmp_path):
    tool = _precision_tool()
    lines = tool.main(
        [
            '0',
            '--size',
            '64',
            '--images',
            '4',
            '--batch',
            '2',
            '--train-images',
            '8',
            '--classes',
            '2',
            '--runs',
            'torch:bf16',
            'onnxruntime:f32',
            '--json',
            str(tmp_path / 'r.json'),
        ]
    )
    setup, bf16, ort = lines
    assert setup['head'] == 'fit' and 0 <= setup['fit_accuracy'] <= 1
    for line, runtime in ((bf16, 'torch'), (ort, 'onnxruntime')):
        assert line['runtime'] == runtime and line['images'] == 4 and 0 <= line['top1_agree'] <= 1
        assert len(line['features_rel_error']) == 4 and len(line['logits_rel_error']) == 1
    # bf16-rounded, not float32 (> 1e-4), and not another model (< 0.1); the file: float32
    assert all(1e-4 < e < 0.1 for e in bf16['features_rel_error'])
    assert max(ort['features_rel_error'] + ort['logits_rel_error']) < 1e-4
    assert ort['top1_agree'] == 1
    assert json.loads((tmp_path / 'r.json').read_text()) == lines
    assert [json.loads(t) for t in capsys.readouterr().out.splitlines()] == lines
    with pytest.raises(SystemExit):
        tool.parse_args(['--runs', 'onnxruntime:bf16'])
    assert 'f32 only' in capsys.readouterr().err
    assert tool.parse_args(['--state-dict', 'w.pth']).head == 'init'


def test_published_found_in_its_folder(capsys, published, monkeypatch):
    """Not installed, but in $FASTERVIT_PUBLISHED_PATH (here the stub's folder): appended to
    sys.path, after the environment's own packages."""
    monkeypatch.setattr(sys, 'path', [p for p in sys.path if p != str(published)])
    monkeypatch.setattr(bench, 'PUBLISHED_PATH', str(published))
    (line,) = run(capsys, '--implementation', 'published')
    assert line['implementation'] == 'published' and sys.path[-1] == str(published)

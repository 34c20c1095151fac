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

FIELDS = {'arch', 'implementation', 'batch', 'size', 'mode', 'median_ms', 'img_per_s',
          'peak_mem_mb', 'torch_compile'}


def run(capsys, *argv):
    bench.main(['--device', 'cpu', '--iters', '1', '--warmup', '0', *argv])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ours_one_line_per_measurement(capsys):
    lines = run(capsys, '--arch', '0', '--batch', '1', '2', '--size', '64', '40x72')
    assert [(r['batch'], r['size']) for r in lines] == [(1, [64, 64]), (1, [40, 72]),
                                                       (2, [64, 64]), (2, [40, 72])]
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
    (pkg / 'faster_vit.py').write_text(textwrap.dedent('''
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
    '''))
    (pkg / 'faster_vit_any_res.py').write_text(textwrap.dedent('''
        from .faster_vit import BUILT, Net
        def faster_vit_0_any_res(resolution):
            BUILT.append(list(resolution))
            return Net()
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
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
    run(capsys, '--implementation', 'published', '--state-dict', str(tmp_path / 'w.pth'),
        '--save-output', str(out))
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

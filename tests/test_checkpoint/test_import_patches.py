# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What ``import fastervit_mm`` patches (:func:`fastervit_mm.checkpoint.patch_checkpoint_loading`),
each shown to be needed and to work: the weights-only allow-list (torch >= 2.6) and mmengine's
local-checkpoint diagnostics.

Every check runs in a fresh interpreter so that the allow-list of one check cannot leak into the
"without the patch" half of another.
"""

import textwrap

import pytest
from conftest import run_python

# A tiny mmengine training run that writes iteration checkpoints with a message hub
# (HistoryBuffer objects, numpy arrays and numpy scalars), optimizer and scheduler states.
TRAIN = textwrap.dedent('''
    import sys, torch, torch.nn as nn
    from torch.utils.data import Dataset
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Data(Dataset):
        def __len__(self):
            return 16
        def __getitem__(self, i):
            g = torch.Generator().manual_seed(i)
            return dict(x=torch.randn(4, generator=g), y=torch.randn(1, generator=g))

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 1)
        def forward(self, x, y, mode='loss'):
            return dict(loss=((self.fc(x) - y) ** 2).mean())

    def runner(work_dir, max_iters, resume=False):
        return Runner(
            model=Toy(), work_dir=work_dir, resume=resume,
            train_dataloader=dict(dataset=Data(), batch_size=4,
                                  sampler=dict(type='DefaultSampler', shuffle=True),
                                  collate_fn=dict(type='default_collate')),
            train_cfg=dict(by_epoch=False, max_iters=max_iters),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2)),
            param_scheduler=dict(type='MultiStepLR', milestones=[3], by_epoch=False),
            default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False)),
            randomness=dict(seed=0), log_level='WARNING')
''')


@pytest.fixture(scope='module')
def training_checkpoint(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('toy_run')
    out = run_python(TRAIN + f'runner({str(work_dir)!r}, 4).train()\n')
    assert out.returncode == 0, out.stderr[-3000:]
    assert (work_dir / 'iter_4.pth').is_file()
    return work_dir


def test_training_checkpoint_needs_the_shim(training_checkpoint):
    """Without fastervit_mm, torch's default weights_only load rejects an mmengine checkpoint."""
    out = run_python(f'import torch; torch.load({str(training_checkpoint / "iter_4.pth")!r})')
    assert out.returncode != 0
    assert 'Weights only load failed' in out.stderr


def test_training_checkpoint_loads_and_resumes(training_checkpoint):
    """With fastervit_mm imported, mmengine resumes the run with weights_only left on."""
    ckpt = training_checkpoint / 'iter_4.pth'
    code = TRAIN + textwrap.dedent(f'''
        import fastervit_mm
        state = torch.load({str(ckpt)!r})  # torch's default: weights_only=True
        hub = state['message_hub']
        assert len(hub['log_scalars']['train/loss'].data[0]) > 0, hub
        r = runner({str(training_checkpoint)!r}, 6, resume=True)
        r.train()
        assert r.iter == 6, r.iter
        print('resumed-at', state['meta']['iter'], 'finished-at', r.iter)
    ''')
    out = run_python(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'resumed-at 4 finished-at 6' in out.stdout


def test_official_style_checkpoint_loads():
    """timm CheckpointSaver files (official FasterViT weights) carry an argparse.Namespace."""
    code = textwrap.dedent('''
        import argparse, io, torch
        buf = io.BytesIO()
        torch.save(dict(epoch=309, arch='faster_vit_0_224', state_dict={'w': torch.ones(2)},
                        optimizer={}, version=2, amp_scaler={}, metric=82.1,
                        args=argparse.Namespace(model='faster_vit_0_224', lr=5e-3,
                                                input_size=(3, 224, 224), mean=None)), buf)
        def load():
            buf.seek(0)
            return torch.load(buf)
        try:
            load()
        except Exception as e:
            print('without-shim:', type(e).__name__)
        import fastervit_mm
        ck = load()
        print('with-shim:', ck['args'].model, ck['metric'])
    ''')
    out = run_python(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'without-shim: UnpicklingError' in out.stdout
    assert 'with-shim: faster_vit_0_224 82.1' in out.stdout


def test_getattr_stays_restricted(tmp_path):
    """The getattr mapping resolves HistoryBuffer statistics only: other uses are refused."""
    import pickle

    import torch
    from mmengine.logging import HistoryBuffer

    import fastervit_mm  # noqa: F401

    class Exploit:
        def __init__(self, obj, name):
            self.obj, self.name = obj, name

        def __reduce__(self):
            return getattr, (self.obj, self.name)

    for obj, name in [('text', 'upper'), (HistoryBuffer, '__init__')]:
        path = tmp_path / 'exploit.pt'
        torch.save({'x': Exploit(obj, name)}, path)
        with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
            torch.load(path)
    torch.save({'x': Exploit(HistoryBuffer, 'mean')}, path)
    assert torch.load(path)['x'] is HistoryBuffer.mean


def test_import_enables_checkpoint_diagnostics(tmp_path):
    """``import fastervit_mm`` alone (no fastervit_mm.engine) routes mmengine's local checkpoint
    loader (``load_from``, ``--resume``) through the diagnostics: a truncated file is named with
    its cause and the checkpoints to resume from instead; patching again changes nothing."""
    good, bad = tmp_path / 'iter_2.pth', tmp_path / 'iter_4.pth'
    code = textwrap.dedent(f'''
        import sys, torch
        from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

        def load(path):
            try:
                return _load_checkpoint(path, map_location='cpu')['state_dict']['w'].tolist()
            except Exception as e:
                return f'{{type(e).__name__}}: {{e}}'.replace('\\n', ' ')  # one line

        torch.save({{'state_dict': {{'w': torch.ones(3)}}}}, {str(good)!r})
        with open({str(good)!r}, 'rb') as f:
            data = f.read()
        with open({str(bad)!r}, 'wb') as f:
            f.write(data[:100])
        print('without:', load({str(bad)!r}))
        import fastervit_mm
        assert 'fastervit_mm.engine' not in sys.modules, 'fastervit_mm.engine imported'
        print('with:', load({str(bad)!r}))
        schemes = dict(CheckpointLoader._schemes)
        fastervit_mm.checkpoint.patch_checkpoint_loading()
        assert CheckpointLoader._schemes == schemes
        print('good:', load({str(good)!r}))
    ''')
    out = run_python(code)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = dict(line.split(': ', 1) for line in out.stdout.splitlines() if ': ' in line)
    assert str(bad) not in lines['without']  # mmengine alone: a zip-reader error, no file name
    assert lines['with'].startswith(f'CheckpointLoadError: {bad}: ')
    assert 'truncated' in lines['with'] and "['iter_2.pth']" in lines['with']
    assert lines['good'] == '[1.0, 1.0, 1.0]'


def test_backbone_imports_without_the_runner_extras():
    """Backbone-only machines (torch + mmengine core, no OpenCV): importing still works."""
    proc = run_python(
        textwrap.dedent("""
        import sys
        sys.modules['cv2'] = None  # as if OpenCV were not installed
        import fastervit_mm
        from fastervit_mm.models import FasterViT
        import torch
        print(FasterViT('0', out_indices=(3,))(torch.randn(1, 3, 64, 64))[0].shape)
    """)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'torch.Size([1, 512, 2, 2])' in proc.stdout


def test_import_patches_nothing_else():
    """``import fastervit_mm`` changes the safe-globals list and mmengine's local scheme only, and
    the checkpoint package needs no model (no cycle through ``fastervit_mm.models``)."""
    proc = run_python(
        textwrap.dedent("""
        import sys, torch
        from mmengine.runner.checkpoint import CheckpointLoader
        before = dict(CheckpointLoader._schemes)
        safe_before = len(torch.serialization.get_safe_globals())
        torch_attrs = {k: id(v) for k, v in vars(torch).items()}
        import fastervit_mm.checkpoint
        models = [m for m in sys.modules if m.startswith('fastervit_mm.models')]
        assert not models, models
        changed = [k for k, v in CheckpointLoader._schemes.items() if before.get(k) is not v]
        assert changed == [''], changed
        assert CheckpointLoader._schemes[''].__module__ == 'fastervit_mm.checkpoint.loading'
        assert len(torch.serialization.get_safe_globals()) > safe_before
        assert {k: id(v) for k, v in vars(torch).items() if k in torch_attrs} == torch_attrs
        print('ok')
    """)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == 'ok'

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Every kind of mmengine training checkpoint loads with ``torch.load(weights_only=True)``, torch's
default from 2.6 on, once fastervit_mm is imported - and nothing beyond what these files hold.

Each case is written the way mmengine writes it (``Runner.save_checkpoint``: ``meta``,
``state_dict``, ``message_hub``, ``optimizer``, ``param_schedulers``, hooks' extras) and read back
with ``weights_only=True`` passed explicitly, so the test means the same on every torch >= 2.6.
"""

import pickle
import textwrap
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as nn
from conftest import run_python
from mmengine.logging import HistoryBuffer, MessageHub

import fastervit_mm  # noqa: F401  (the allow-list)
from fastervit_mm.compat import torch_version

pytestmark = pytest.mark.skipif(
    torch_version() < (2, 6),
    reason='weights_only=True is the '
    'default from torch 2.6; older torch loads these files as they are',
)

NUMPY_DTYPES = (
    'float16',
    'float32',
    'float64',
    'int8',
    'int16',
    'int32',
    'int64',
    'uint8',
    'uint16',
    'uint32',
    'uint64',
    'bool',
)


def _hub(buffers) -> dict:
    """A ``MessageHub`` state dict holding ``buffers`` (name -> HistoryBuffer)."""
    hub = MessageHub(f'hub{id(buffers)}')
    for name, buffer in buffers.items():
        hub._log_scalars[name] = buffer
        hub._resumed_keys[name] = True
    hub.update_info('iter', 4)
    hub.update_info('keep_ckpt_ids', [2, 4])
    return hub.state_dict()


def _filled(*values) -> HistoryBuffer:
    buffer = HistoryBuffer()
    for v in values:
        buffer.update(v)
    return buffer


def _model_and_optim():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    optim = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model(torch.randn(5, 4)).pow(2).mean().backward()
    optim.step()
    return model, optim


def _checkpoint(**extra) -> dict:
    model, optim = _model_and_optim()
    ckpt = dict(
        meta=dict(
            epoch=1,
            iter=4,
            mmengine_version='0.10.7',
            seed=0,
            experiment_name='run_20260101_000000',
            time='20260101_000000',
            cfg="model = dict(type='FasterViT')",
            dataset_meta=dict(classes=('a', 'b')),
        ),
        state_dict=model.state_dict(),
        optimizer=optim.state_dict(),
    )
    ckpt.update(extra)
    return ckpt


def _cases():
    sched_model, sched_optim = _model_and_optim()
    multistep = torch.optim.lr_scheduler.MultiStepLR(sched_optim, milestones=[3, 6])
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(sched_optim, T_max=10)
    sched_optim.step()
    multistep.step(), cosine.step()
    ema_model, _ = _model_and_optim()
    ema = OrderedDict((f'module.{k}', v.clone()) for k, v in ema_model.state_dict().items())
    ema['steps'] = torch.tensor(4)
    return {
        # a buffer saved before its first value: the empty arrays pickle their data as bytes()
        'empty history buffer': _checkpoint(
            message_hub=_hub({'train/loss': HistoryBuffer(), 'val/acc': HistoryBuffer()})
        ),
        'filled history buffer': _checkpoint(
            message_hub=_hub(
                {
                    'train/loss': _filled(1.5, 1.25),
                    'train/lr': _filled(1e-3),
                    'train/time': _filled(*np.linspace(0.1, 0.2, 5)),
                }
            )
        ),
        'numpy scalars of every dtype': _checkpoint(
            message_hub=_hub(
                {f'train/{d}': _filled(np.array(1, dtype=d).item()) for d in NUMPY_DTYPES}
            ),
            extra={d: np.array(1, dtype=d)[()] for d in NUMPY_DTYPES},
        ),
        'numpy arrays of every dtype, empty too': _checkpoint(
            extra={
                **{f'{d}': np.arange(3).astype(d) for d in NUMPY_DTYPES},
                **{f'empty_{d}': np.zeros(0, dtype=d) for d in NUMPY_DTYPES},
                'matrix': np.ones((2, 3), dtype='float32'),
                'zero_d': np.array(2.5),
            }
        ),
        'EMA weights': _checkpoint(
            ema_state_dict=ema, message_hub=_hub({'train/loss': _filled(0.5)})
        ),
        'optimizer and param_scheduler states': _checkpoint(
            optimizer=sched_optim.state_dict(),
            param_schedulers=[multistep.state_dict(), cosine.state_dict()],
        ),
        'resumed run (RNG states, message hub after resume)': _checkpoint(
            message_hub=_hub({'train/loss': _filled(1.0, 0.9), 'train/grad_norm': HistoryBuffer()}),
            rng_state=[dict(python=None, numpy=np.random.get_state(), torch=torch.get_rng_state())],
        ),
    }


def _equal(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, HistoryBuffer):
        return _equal(a.data, b.data)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize('case', list(_cases()))
def test_mmengine_checkpoint_loads_with_weights_only(case, tmp_path):
    ckpt = _cases()[case]
    path = tmp_path / 'iter_4.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, map_location='cpu', weights_only=True)
    assert _equal(ckpt, loaded), case


def test_empty_buffer_needs_the_bytes_entry(tmp_path):
    """With the allow-list less its ``bytes`` entries, an empty buffer fails as the issue reported
    (``Unsupported global: GLOBAL bytes``)."""
    path = tmp_path / 'empty.pth'
    torch.save(_checkpoint(message_hub=_hub({'train/loss': HistoryBuffer()})), path)
    code = textwrap.dedent(f'''
        import torch
        add = torch.serialization.add_safe_globals
        torch.serialization.add_safe_globals = lambda entries: add(
            [e for e in entries if not (isinstance(e, tuple) and e[1].endswith('.bytes'))])
        import fastervit_mm
        torch.load({str(path)!r}, weights_only=True)
    ''')
    out = run_python(code)
    assert out.returncode != 0
    assert 'Unsupported global: GLOBAL bytes' in out.stderr, out.stderr[-2000:]


@pytest.mark.parametrize('args', [(10**12,), (b'abc',), ('text', 'utf-8')])
def test_bytes_stays_restricted(args, tmp_path):
    """Only ``bytes()`` is built: any argument (e.g. a huge size) is refused."""

    class Exploit:
        def __reduce__(self):
            return bytes, args

    path = tmp_path / 'exploit.pt'
    torch.save({'x': Exploit()}, path)
    with pytest.raises(pickle.UnpicklingError, match=r'refusing bytes'):
        torch.load(path, weights_only=True)

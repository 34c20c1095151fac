# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared helpers of the backbone tests: the parity-fixture directory and small architectures."""
import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[3]

#: A small FasterViT with carrier tokens in both transformer stages (fast on CPU).
TINY_ARCH = dict(dim=16, in_dim=8, depths=[1, 1, 2, 2], num_heads=[1, 2, 4, 8],
                 window_size=[7, 7, 7, 7], ct_size=2, mlp_ratio=2, hat=[False, False, True, True])


def parity_dir() -> Path:
    """``$FASTERVIT_MM_PARITY_DIR``, default ``../shared/fixtures/official`` from the repo root."""
    default = REPO_ROOT.parent / 'shared' / 'fixtures' / 'official'
    return Path(os.environ.get('FASTERVIT_MM_PARITY_DIR', default))


def require_parity_dir() -> Path:
    """The fixture directory, failing (never skipping) with a clear message if it is missing."""
    path = parity_dir()
    if not path.is_dir():
        pytest.fail(f'parity fixtures not found at {path}: set FASTERVIT_MM_PARITY_DIR to the '
                    'directory holding case_*.pt and layouts.json (shared/fixtures/official)')
    return path


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def rel_err(out: torch.Tensor, ref: torch.Tensor) -> float:
    return ((out.double() - ref.double()).norm() / ref.double().norm()).item()

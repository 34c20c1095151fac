# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Helpers of the backbone tests: a small architecture and seeded, thread-restoring tests. The
parity-fixture directory, ``rel_err`` and ``REPO_ROOT`` come from tests/conftest.py (shared)."""
from pathlib import Path

import pytest
import torch

from conftest import REPO_ROOT as _REPO_ROOT  # tests/conftest.py
from conftest import parity_dir, rel_err, require_parity_dir

__all__ = ['REPO_ROOT', 'TINY_ARCH', 'parity_dir', 'require_parity_dir', 'rel_err']

REPO_ROOT = Path(_REPO_ROOT)

#: A small FasterViT with carrier tokens in both transformer stages (fast on CPU).
TINY_ARCH = dict(dim=16, in_dim=8, depths=[1, 1, 2, 2], num_heads=[1, 2, 4, 8],
                 window_size=[7, 7, 7, 7], ct_size=2, mlp_ratio=2, hat=[False, False, True, True])


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)

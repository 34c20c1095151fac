# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Helpers of the backbone tests: seeded, thread-restoring tests. The small architecture comes from
tests/test_models/conftest.py; the parity-fixture directory, ``rel_err`` and ``REPO_ROOT`` from
tests/conftest.py (shared with other folders)."""

from pathlib import Path

import pytest
import torch
from conftest import REPO_ROOT as _REPO_ROOT  # tests/conftest.py
from conftest import parity_dir, rel_err, require_parity_dir

from ..conftest import TINY_ARCH  # tests/test_models/conftest.py

__all__ = ['REPO_ROOT', 'TINY_ARCH', 'parity_dir', 'require_parity_dir', 'rel_err']

REPO_ROOT = Path(_REPO_ROOT)


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What the backbone and layer tests share: a small architecture (defined in tests/conftest.py,
which the export tests use too)."""

from conftest import TINY_ARCH  # tests/conftest.py

__all__ = ['TINY_ARCH']

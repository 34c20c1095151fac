# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Shared pieces of the tool tests: loading the analysis scripts as modules."""

import importlib
import os.path as osp
import sys

from conftest import REPO_ROOT  # tests/conftest.py

ANALYSIS_DIR = osp.join(REPO_ROOT, 'tools', 'analysis')


def analysis_module(name: str):
    """Import the script ``tools/analysis/<name>.py`` as a module (``main(argv)`` and helpers)."""
    if ANALYSIS_DIR not in sys.path:
        sys.path.insert(0, ANALYSIS_DIR)
    return importlib.import_module(name)

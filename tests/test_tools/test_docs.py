# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The documentation site builds with warnings as errors (broken links, pages missing from the
navigation, unknown anchors), as CI builds it."""

import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
from conftest import REPO_ROOT


def test_docs_build_strict(tmp_path):
    if importlib.util.find_spec('mkdocs') is None:
        pytest.fail(
            'mkdocs is not installed in this environment: run tools/setup_env.sh '
            '(requirements/docs.txt)'
        )
    res = subprocess.run(
        [
            sys.executable,
            '-m',
            'mkdocs',
            'build',
            '--strict',
            '--config-file',
            osp.join(REPO_ROOT, 'mkdocs.yml'),
            '--site-dir',
            str(tmp_path / 'site'),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    site = tmp_path / 'site'
    assert (site / 'index.html').is_file()
    for page in (
        'getting_started',
        'model_zoo',
        'configs',
        'checkpoint_conversion',
        'benchmarks',
        'faq',
    ):
        assert (site / page / 'index.html').is_file(), page

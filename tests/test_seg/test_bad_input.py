# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Bad input fails early with errors that name the problem: a missing dataset path (a
``num_classes`` that does not fit the dataset's classes or its annotations:
tests/test_engine/test_hooks/test_seg_num_class_check.py)."""

import subprocess
import sys

from .conftest import DEMO_CONFIG, REPO_ROOT


def test_train_missing_dataset_path(tmp_path):
    """tools/train.py stops before building anything, naming the path, the key and the fix."""
    missing = str(tmp_path / 'synthetic_ade20k')
    proc = subprocess.run(
        [
            sys.executable,
            'tools/train.py',
            DEMO_CONFIG,
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            f'train_dataloader.dataset.data_root={missing}',
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert 'FileNotFoundError' in proc.stderr, proc.stderr[-3000:]
    assert repr(missing) in proc.stderr
    assert 'train_dataloader.dataset.data_root' in proc.stderr
    assert 'make_demo_data.py seg' in proc.stderr

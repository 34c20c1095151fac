# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The demo tools: one data generator for the three tasks (tools/misc/make_demo_data.py) and one
runner (tools/run_demo.sh [det|seg|cls], det by default: README command 1)."""

import os.path as osp
import subprocess
import sys

import pytest
from conftest import REPO_ROOT

#: task -> a file the generator writes for it.
WRITES = {
    'det': 'annotations/instances_val.json',
    'seg': 'annotations/validation/ADE_val_00000001.png',
    'cls': 'meta.json',
}


@pytest.mark.parametrize('task', [None, 'det', 'seg', 'cls'])
def test_make_demo_data(tmp_path, task):
    out = str(tmp_path / 'data')
    cmd = [sys.executable, 'tools/misc/make_demo_data.py'] + ([task] if task else [])
    proc = subprocess.run(
        cmd + ['--out', out, '--num-train', '4', '--num-val', '2', '--size', '96', '96'],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(osp.join(out, WRITES[task or 'det'])), proc.stdout  # det by default
    assert f'dataset written to {out}' in proc.stdout


def test_make_demo_data_rejects_det_options_elsewhere(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            'tools/misc/make_demo_data.py',
            'seg',
            '--num-classes',
            '2',
            '--out',
            str(tmp_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and '--num-classes applies to the det data only' in proc.stderr


def test_run_demo_names_its_tasks():
    proc = subprocess.run(
        ['bash', 'tools/run_demo.sh', 'detection'],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and '[det|seg|cls]' in proc.stderr

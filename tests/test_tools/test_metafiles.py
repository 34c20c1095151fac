# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""model-index.yml and the per-folder metafiles: every config listed once, names = file names,
published sizes and results for ImageNet, no weights and paper-reported marks for COCO/ADE20K."""

import glob
import json
import os.path as osp

import pytest
import yaml
from conftest import REPO_ROOT, SHARED_DIR

from .test_get_flops import SPEC_GMACS

FOLDERS = ('fastervit', 'mask_rcnn', 'cascade_rcnn', 'upernet')
HF = 'https://huggingface.co/ahatamiz/FasterViT/resolve/main/'


def _index():
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        return yaml.safe_load(f)


def _models():
    models = []
    for path in _index()['Import']:
        with open(osp.join(REPO_ROOT, path)) as f:
            models += [(path, m) for m in yaml.safe_load(f)['Models']]
    return models


def test_index_imports_every_folder():
    assert sorted(_index()['Import']) == sorted(f'configs/{d}/metafile.yml' for d in FOLDERS)


def test_every_config_listed_once_by_its_file_name():
    models = _models()
    names = [m['Name'] for _, m in models]
    assert len(names) == len(set(names))
    for path, m in models:
        assert m['Config'] == f'{osp.dirname(path)}/{m["Name"]}.py', m['Name']
        assert osp.isfile(osp.join(REPO_ROOT, m['Config']))
        assert m['Metadata']['Parameters'] > 0 and m['Metadata']['FLOPs'] > 0
    configs = [
        osp.relpath(p, REPO_ROOT)
        for d in FOLDERS
        for p in glob.glob(osp.join(REPO_ROOT, 'configs', d, '*.py'))
    ]
    assert sorted(configs) == sorted(m['Config'] for _, m in models)


WEIGHTS = dict(
    faster_vit_4_21k_224='fastervit_4_21k_224_w14.pth.tar',
    faster_vit_4_21k_384='fastervit_4_21k_384_w24.pth.tar',
    faster_vit_4_21k_512='fastervit_4_21k_512_w32.pth.tar',
    faster_vit_4_21k_768='fastervit_4_21k_768_w48.pth.tar',
)


def test_imagenet_entries():
    """Published parameters, the spec's GMACs (within 2%), the published weights and results."""
    from conftest import cls_config_variants

    VARIANTS = cls_config_variants()
    with open(osp.join(SHARED_DIR, 'fixtures', 'official', 'layouts.json')) as f:
        layouts = json.load(f)
    models = {m['Name']: m for path, m in _models() if 'fastervit/' in path}
    assert sorted(models) == sorted(VARIANTS)
    for name, variant in VARIANTS.items():
        arch, size, m = variant.name, variant.img_size, models[name]
        assert m['Metadata']['Parameters'] == layouts[arch]['params'], name
        assert m['Metadata']['FLOPs'] / 1e9 == pytest.approx(SPEC_GMACS[arch], rel=0.02), name
        assert m['Metadata']['Input Size'] == size
        default = arch.replace('faster_vit_', 'fastervit_') + '_1k.pth.tar'
        assert m['Weights'] == HF + WEIGHTS.get(arch, default), name
        metrics = m['Results'][0]['Metrics']
        assert 80 < metrics['Top 1 Accuracy'] < 90 and 95 < metrics['Top 5 Accuracy'] < 99
        # ... and exactly what the variant table holds
        assert (m['Metadata']['Parameters'], m['Metadata']['FLOPs']) == (
            variant.params,
            variant.macs,
        ), name
        assert m['Weights'] == m['Converted From']['Weights'] == variant.url, name
        assert (metrics['Top 1 Accuracy'], metrics['Top 5 Accuracy']) == (
            variant.top1,
            variant.top5,
        ), name


def test_dense_entries_have_no_weights_and_mark_paper_results():
    dense = [m for path, m in _models() if 'fastervit/' not in path]
    assert dense
    for m in dense:
        assert 'Weights' not in m, m['Name']
        if 'Results' in m:
            note = m['Metadata']['Results Source']
            assert 'paper-reported' in note and 'unverified' in note, m['Name']
    with_results = {m['Name'] for m in dense if 'Results' in m}
    assert len(with_results) == 6  # Cascade 3x and UperNet for FasterViT-2/3/4 (paper Tables 3-4)


def test_modelindex_loads():
    from modelindex.load_model_index import load

    index = load(osp.join(REPO_ROOT, 'model-index.yml'))
    assert len(index.models) == len(_models())

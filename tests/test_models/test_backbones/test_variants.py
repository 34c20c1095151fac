# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The variant table: its entries against the published facts, and FasterViT.arch_zoo built from
it. (Configs, metafiles and docs are checked against the table in their own tests.)"""

import json

import pytest
from conftest import SPEC_GMACS

from fastervit_mm.models import FasterViT
from fastervit_mm.models.backbones import variants
from fastervit_mm.models.backbones.variants import (
    ANY_RES_VARIANTS,
    VARIANTS,
    get_variant,
    list_variants,
)

from .conftest import require_parity_dir

# fmt: off
#: The published hyper-parameters as the spec tabulates them (§1.1): name -> (dim, in_dim,
#: depths, heads, windows, hat stages, layer scale, drop path, crop_pct, crop mode).
_H2, _H4, _W7 = (2, 4, 8, 16), (4, 8, 16, 32), (7, 7, 7, 7)
SPEC = {
    'faster_vit_0_224': (64, 64, (2, 3, 6, 5), _H2, _W7, (2, ), None, 0.2, 0.875, 'center'),
    'faster_vit_1_224': (80, 32, (1, 3, 8, 5), _H2, _W7, (2, ), None, 0.2, 1.0, 'center'),
    'faster_vit_2_224': (96, 64, (3, 3, 8, 5), _H2, _W7, (2, ), None, 0.2, 1.0, 'center'),
    'faster_vit_3_224': (128, 64, (3, 3, 12, 5), _H2, _W7, (2, ), 1e-5, 0.3, 1.0, 'center'),
    'faster_vit_4_224': (196, 64, (3, 3, 12, 5), _H4, _W7, (2, ), 1e-5, 0.3, 1.0, 'center'),
    'faster_vit_5_224': (320, 64, (3, 3, 12, 5), _H4, _W7, (2, ), 1e-5, 0.3, 1.0, 'center'),
    'faster_vit_6_224': (320, 64, (3, 3, 16, 8), _H4, _W7, (2, ), 1e-5, 0.5, 1.0, 'center'),
    'faster_vit_4_21k_224': (196, 64, (3, 3, 12, 5), _H4, (7, 7, 14, 7), (), 1e-5, 0.42, 0.95,
                             'squash'),
    'faster_vit_4_21k_384': (196, 64, (3, 3, 12, 5), _H4, (7, 7, 24, 12), (), 1e-5, 0.42, 1.0,
                             'squash'),
    'faster_vit_4_21k_512': (196, 64, (3, 3, 12, 5), _H4, (7, 7, 32, 16), (), 1e-5, 0.42, 1.0,
                             'squash'),
    'faster_vit_4_21k_768': (196, 64, (3, 3, 12, 5), _H4, (7, 7, 48, 24), (), 1e-5, 0.42, 0.93,
                             'squash'),
}
# fmt: on
#: Published Acc@1 (README, spec §1.4).
TOP1 = dict(
    faster_vit_0_224=82.1,
    faster_vit_1_224=83.2,
    faster_vit_2_224=84.2,
    faster_vit_3_224=84.9,
    faster_vit_4_224=85.4,
    faster_vit_5_224=85.6,
    faster_vit_6_224=85.8,
    faster_vit_4_21k_224=86.6,
    faster_vit_4_21k_384=87.6,
    faster_vit_4_21k_512=87.8,
    faster_vit_4_21k_768=87.9,
)


def test_table_holds_the_published_variants():
    assert sorted(VARIANTS) == sorted(SPEC)
    for name, (
        dim,
        in_dim,
        depths,
        heads,
        windows,
        hat_stages,
        ls,
        dpr,
        crop_pct,
        mode,
    ) in SPEC.items():
        v = VARIANTS[name]
        assert (v.dim, v.in_dim, v.depths, v.num_heads, v.window_size) == (
            dim,
            in_dim,
            depths,
            heads,
            windows,
        ), name
        assert tuple(i for i, h in enumerate(v.hat) if h) == hat_stages, name
        assert v.layer_scale == ls and v.do_propagation == (ls is not None), name
        assert (v.drop_path_rate, v.crop_pct, v.crop_mode) == (dpr, crop_pct, mode), name
        assert v.interpolation == 'bicubic' and (v.ct_size, v.mlp_ratio) == (2, 4), name
        assert v.top1 == TOP1[name] and 95 < v.top5 < 99, name
        assert v.macs / 1e9 == pytest.approx(SPEC_GMACS[name], abs=0.005), name
        assert v.channels == tuple(dim * 2**i for i in range(4))
        assert v.resolution == (v.img_size,) * 2 and not v.any_res


def test_native_resolution_and_checkpoints():
    assert {n: v.img_size for n, v in VARIANTS.items() if v.img_size != 224} == dict(
        faster_vit_4_21k_384=384, faster_vit_4_21k_512=512, faster_vit_4_21k_768=768
    )
    assert get_variant('0').url == (
        'https://huggingface.co/ahatamiz/FasterViT/resolve/main/fastervit_0_224_1k.pth.tar'
    )
    assert [get_variant(f'4-21k-{s}').checkpoint for s in (224, 384, 512, 768)] == [
        'fastervit_4_21k_224_w14.pth.tar',
        'fastervit_4_21k_384_w24.pth.tar',
        'fastervit_4_21k_512_w32.pth.tar',
        'fastervit_4_21k_768_w48.pth.tar',
    ]
    resize = {n: v.resize_size for n, v in VARIANTS.items() if v.resize_size != v.img_size}
    assert resize == dict(faster_vit_0_224=256, faster_vit_4_21k_224=235, faster_vit_4_21k_768=825)


def test_counted_parameters_equal_the_published_models():
    """``params`` is the published model's count (the parity fixtures' layouts)."""
    with open(require_parity_dir() / 'layouts.json') as f:
        layouts = json.load(f)
    for name, v in VARIANTS.items():
        assert v.params == layouts[name]['params'], name
        assert v.params / 1e6 == pytest.approx(v.params_m, rel=1e-3) or name in (
            'faster_vit_4_224',
            'faster_vit_5_224',
        ), name  # published figures off (spec §1.4)


def test_any_res_variants():
    assert sorted(ANY_RES_VARIANTS) == sorted(
        [f'faster_vit_{k}_any_res' for k in range(7)]
        + [f'faster_vit_4_21k_{s}_any_res' for s in (224, 384, 512, 768)]
    )
    for v in ANY_RES_VARIANTS.values():
        base = VARIANTS[v.name.replace('_any_res', '' if '21k' in v.name else '_224')]
        assert v.arch == base.arch and v.checkpoint == base.checkpoint and v.any_res
        assert v.resolution == ((541, 960) if v.name == 'faster_vit_2_any_res' else (576, 960))
        assert v.drop_path_rate == (0.3 if '21k' in v.name else base.drop_path_rate)
        assert v.top1 is None and v.params is None
    with pytest.raises(ValueError, match='non-square'):
        get_variant('0-any-res').img_size
    assert list_variants() == tuple(VARIANTS)
    assert len(list_variants(any_res=True)) == 22


def test_arch_zoo_is_the_table():
    assert list(FasterViT.arch_zoo) == list(VARIANTS)
    for name, v in VARIANTS.items():
        s = FasterViT.parse_arch(name)
        for key in ('dim', 'in_dim', 'ct_size', 'mlp_ratio', 'layer_scale', 'do_propagation'):
            assert s[key] == getattr(v, key), (name, key)
        for key in ('depths', 'num_heads', 'window_size', 'hat'):
            assert s[key] == list(getattr(v, key)), (name, key)
        assert FasterViT.parse_arch(v.alias) == s
    assert sorted(FasterViT.arch_aliases) == sorted(
        [str(k) for k in range(7)]
        + [f'faster_vit_{k}' for k in range(7)]
        + [f'4-21k-{s}' for s in (224, 384, 512, 768)]
    )


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match="Unknown FasterViT variant 'faster_vit_7'.*valid names"):
        get_variant('faster_vit_7')
    assert get_variant('FASTER_VIT_3_224') is VARIANTS['faster_vit_3_224']
    assert variants.CHECKPOINT_URL.endswith('/resolve/main/')


def _published_configs():
    """The configs of published variants (demo configs use a tiny arch; DINO's backbone differs
    from the ImageNet recipe by design, spec §3.2)."""
    import glob

    from .conftest import REPO_ROOT

    return sorted(
        p
        for d in ('fastervit', 'mask_rcnn', 'cascade_rcnn', 'upernet')
        for p in glob.glob(str(REPO_ROOT / 'configs' / d / '*.py'))
    )


@pytest.mark.parametrize('path', _published_configs(), ids=lambda p: p.split('configs/')[-1])
def test_configs_agree_with_the_table(path):
    """Every config's backbone takes a published arch with its table facts: drop-path rate,
    checkpoint, and the channels the neck / heads are given."""
    from mmengine.config import Config

    model = Config.fromfile(path).model
    backbone = model.backbone
    assert backbone.type == 'fastervit_mm.FasterViT'
    v = get_variant(backbone.arch)
    assert backbone.drop_path_rate == v.drop_path_rate
    channels = [v.channels[i] for i in backbone.get('out_indices', (0, 1, 2, 3))]
    if 'neck' in model and 'in_channels' in model.neck:
        assert list(model.neck.in_channels) == channels
    if 'decode_head' in model:
        assert list(model.decode_head.in_channels) == channels
        assert model.auxiliary_head.in_channels == v.channels[2]
    if 'head' in model:
        assert model.head.in_channels == v.channels[-1]
    checkpoint = (backbone.get('init_cfg') or {}).get('checkpoint')
    if checkpoint is not None:
        assert checkpoint == v.url


def test_model_zoo_doc_agrees_with_the_table():
    """docs/model_zoo.md's ImageNet table: resolution, eval crop, results and weights per config."""
    from conftest import cls_config_variants

    from .conftest import REPO_ROOT

    CONFIG_VARIANTS = cls_config_variants()
    rows = {}
    for line in (REPO_ROOT / 'docs' / 'model_zoo.md').read_text().splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if len(cells) == 7 and cells[1].startswith('`'):
            rows[cells[1].strip('`')] = cells[2:]
    assert sorted(rows) == sorted(CONFIG_VARIANTS)
    for stem, v in CONFIG_VARIANTS.items():
        expected = [
            str(v.img_size),
            f'{v.crop_pct}, {v.crop_mode}',
            str(v.top1),
            str(v.top5),
            f'[{v.checkpoint}]({v.url})',
        ]
        assert rows[stem] == expected, stem

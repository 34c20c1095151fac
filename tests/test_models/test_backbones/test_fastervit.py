# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""FasterViT backbone: variants, any input size, dense-task contract, deploy mode, errors."""

import copy
import math

import pytest
import torch
import torch.nn as nn
from mmengine.registry import MODELS as ROOT_MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from fastervit_mm.models import FasterViT
from fastervit_mm.models.layers import ContinuousPositionBias, MLPPositionEmbedding, WindowGrid
from fastervit_mm.models.layers.hat import TokenInitializer, carrier_pooling
from fastervit_mm.models.layers.pos_embed import log_spaced_offsets, normalised_positions
from fastervit_mm.models.layers.windows import (
    grid_positions,
    published_carrier_shuffle,
    raster_gather,
    window_gather,
)
from fastervit_mm.registry import MODELS

from .conftest import TINY_ARCH

OFFICIAL_NAMES = [f'faster_vit_{i}_224' for i in range(7)] + [
    f'faster_vit_4_21k_{s}' for s in (224, 384, 512, 768)
]


def tiny(**kwargs) -> FasterViT:
    return FasterViT(arch=copy.deepcopy(TINY_ARCH), **kwargs)


# --------------------------------------------------------------------------- variants
def test_arch_zoo_has_the_published_variants():
    assert sorted(FasterViT.arch_zoo) == sorted(OFFICIAL_NAMES)
    fv4 = FasterViT.parse_arch('4')
    assert (fv4['dim'], fv4['in_dim'], fv4['depths'], fv4['num_heads']) == (
        196,
        64,
        [3, 3, 12, 5],
        [4, 8, 16, 32],
    )
    assert fv4['layer_scale'] == 1e-5 and fv4['do_propagation'] and fv4['hat'] == [0, 0, 1, 0]
    assert FasterViT.parse_arch('0')['layer_scale'] is None
    assert FasterViT.parse_arch('faster_vit_1')['in_dim'] == 32
    assert FasterViT.parse_arch('6')['depths'] == [3, 3, 16, 8]
    w = {s: FasterViT.parse_arch(f'4-21k-{s}')['window_size'] for s in (224, 384, 512, 768)}
    assert w == {224: [7, 7, 14, 7], 384: [7, 7, 24, 12], 512: [7, 7, 32, 16], 768: [7, 7, 48, 24]}
    assert not any(FasterViT.parse_arch('4-21k-384')['hat'])
    for name in OFFICIAL_NAMES:
        assert FasterViT.parse_arch(name)['ct_size'] == 2


def test_arch_errors_list_what_is_valid():
    with pytest.raises(ValueError, match='faster_vit_0_224'):
        FasterViT(arch='faster_vit_7_224')
    bad = dict(TINY_ARCH, heads=[1, 2, 4, 8])
    with pytest.raises(ValueError, match=r"Unknown arch keys \['heads'\].*required keys"):
        FasterViT(arch=bad)
    missing = {k: v for k, v in TINY_ARCH.items() if k not in ('ct_size', 'hat')}
    with pytest.raises(ValueError, match=r"misses required keys \['ct_size', 'hat'\]"):
        FasterViT(arch=missing)
    with pytest.raises(ValueError, match='4 entries'):
        FasterViT(arch=dict(TINY_ARCH, depths=[1, 1, 2]))
    with pytest.raises(TypeError):
        FasterViT(arch=3)


def test_custom_arch_optional_keys_and_scalars():
    model = FasterViT(
        arch=dict(
            TINY_ARCH,
            window_size=7,
            hat=False,
            layer_scale=0.1,
            layer_scale_conv=0.2,
            layer_norm_last=True,
        )
    )
    assert model.arch_settings['window_size'] == [7] * 4
    assert model.levels[0].blocks[0].gamma is not None
    assert torch.allclose(model.levels[2].blocks[0].gamma3, torch.full((64,), 0.1))
    assert not hasattr(model.levels[2].blocks[0], 'hat_attn')
    assert model.levels[2].global_tokenizer is None
    assert isinstance(model.norm3, nn.LayerNorm) and model.norm3.eps == 1e-6


def test_registered_names():
    model = MODELS.build(dict(type='fastervit_mm.FasterViT', arch=TINY_ARCH, out_indices=(1, 2)))
    assert isinstance(model, FasterViT) and model.out_channels == [32, 64]
    # from a host library's scope, through the scope prefix
    assert isinstance(ROOT_MODELS.build(dict(type='fastervit_mm.FasterViT', arch='0')), FasterViT)
    for name in ('FasterViT', 'HAT', 'SwinHAT'):
        assert MODELS.get(name) is not None, name


def test_published_eps_and_module_names():
    model = FasterViT(arch='0')
    stem = model.patch_embed.conv_down
    assert stem[1].eps == 1e-4 and stem[4].eps == 1e-4 and not stem[0].bias
    block = model.levels[0].blocks[0]
    assert block.norm1.eps == 1e-5 and isinstance(block.act1, nn.GELU)
    assert block.act1.approximate == 'none'
    assert model.levels[0].downsample.norm.eps == 1e-6
    hat = model.levels[2].blocks[0]
    assert all(getattr(hat, n).eps == 1e-5 for n in ('norm1', 'norm2', 'hat_norm1', 'hat_norm2'))
    assert model.norm3.eps == 1e-5 and isinstance(model.norm3, nn.BatchNorm2d)
    assert hat.attn.pos_emb_funct.cpb_mlp[2].bias is None
    assert model.levels[3].global_tokenizer is None and model.levels[3].downsample is None


# --------------------------------------------------------------------------- any size
@pytest.mark.parametrize('size', [(224, 224), (512, 512), (800, 1333), (33, 47)])
def test_one_model_runs_any_size(size):
    model = tiny().eval()
    H, W = size
    with torch.no_grad():
        outs = model(torch.randn(1, 3, H, W))
    assert isinstance(outs, tuple) and len(outs) == 4
    h, w = H, W
    for i, out in enumerate(outs):
        h, w = -(-h // (4 if i == 0 else 2)), -(-w // (4 if i == 0 else 2))
        assert out.shape == (1, model.out_channels[i], h, w), (i, out.shape)
        assert torch.isfinite(out).all()


def test_carrier_grid_follows_the_runtime_size():
    model = tiny().eval()
    seen = []
    for stage in model.levels[2:]:
        stage.global_tokenizer.register_forward_hook(lambda m, a, out: seen.append(out.shape[1]))
    with torch.no_grad():
        for H, W in [(224, 224), (448, 448), (800, 1333)]:
            seen.clear()
            model(torch.randn(1, 3, H, W))
            expected = []
            for i in (2, 3):
                grid = model.levels[i].grid(
                    math.ceil(H / 2 ** (i + 2)), math.ceil(W / 2 ** (i + 2))
                )
                if grid.carrier:
                    expected.append(4 * grid.num_windows)
            assert seen == expected, (H, W, seen, expected)
    assert expected == [4 * 8 * 12, 4 * 4 * 6]  # 800x1333: stage 3 50x84, stage 4 25x42


def test_batch_elements_do_not_mix_on_non_square_grids():
    model = tiny().eval()
    x = torch.randn(3, 3, 230, 330)
    with torch.no_grad():
        batched = model(x)
        single = [model(x[i : i + 1]) for i in range(3)]
    for i, out in enumerate(batched):
        assert torch.allclose(out, torch.cat([s[i] for s in single]), atol=1e-5, rtol=1e-4)


def test_pooling_and_grid_geometry():
    assert carrier_pooling(14, 4) == (5, 3)  # 224 input, stage 3
    assert carrier_pooling(28, 8) == (7, 3)
    assert carrier_pooling(56, 16) == (11, 3)
    grid = WindowGrid.from_size(50, 84, 7, 2, True)
    assert (grid.rows, grid.cols, grid.padded_height, grid.padded_width) == (8, 12, 56, 84)
    assert (grid.ct_rows, grid.ct_cols, grid.num_carrier) == (16, 24, 384)
    assert not WindowGrid.from_size(7, 5, 7, 2, True).carrier  # one window: plain attention
    tokens = TokenInitializer(8)(torch.randn(2, 8, 56, 84), grid)
    assert tokens.shape == (2, 384, 8)


def test_carrier_tokens_keep_their_windows_on_non_square_grids():
    rows, cols, ct = 2, 3, 2  # a 2x3 window grid, 4x6 carrier grid
    order = window_gather(2 * ct, 3 * ct, ct)
    assert torch.equal(raster_gather(2 * ct, 3 * ct, ct)[order], torch.arange(24))
    pos = grid_positions(2 * ct, 3 * ct, ct)
    window_of_token = (pos[:, 0] // ct) * cols + pos[:, 1] // ct
    assert torch.equal(window_of_token, torch.arange(rows * cols).repeat_interleave(ct * ct))
    # the default path never permutes carrier tokens; the published any-res code does
    model = tiny()
    grid = model.levels[2].grid(20, 30)
    assert grid.rows != grid.cols and grid.carrier
    assert model.levels[2].blocks[0].position_terms(grid).carrier_shuffle is None
    shuffle = published_carrier_shuffle(2 * ct, 3 * ct, ct)
    assert shuffle is not None and not torch.equal(shuffle, torch.arange(24))
    assert (window_of_token[shuffle] != window_of_token).any()
    assert published_carrier_shuffle(6, 6, 2) is None


def test_position_terms_use_the_actual_carrier_grid():
    cpb = ContinuousPositionBias(num_heads=3)
    raster = cpb(4, 6)
    order = window_gather(4, 6, 2)
    assert torch.allclose(cpb(4, 6, window=2), raster[:, order][:, :, order])
    assert raster.shape == (3, 24, 24) and (raster > 0).all()  # no zero-padded rows
    table = log_spaced_offsets(4, 6)
    assert torch.allclose(table.abs().amax(0), torch.full((2,), math.log2(9) / 3))
    padded = cpb(7, 7, num_prefix=4)
    assert padded.shape == (3, 53, 53) and padded[:, :4].abs().sum() == 0
    assert padded[:, :, :4].abs().sum() == 0
    assert torch.equal(padded[:, 4:, 4:], cpb(7, 7))
    emb = MLPPositionEmbedding(5)
    assert torch.allclose(emb(4, 6, window=2), emb(4, 6)[order])
    assert torch.allclose(normalised_positions(7, 7)[:7, 1], torch.linspace(-1, 1, 7), atol=1e-6)
    assert normalised_positions(4, 4)[:4, 1].tolist() == [-1, -0.5, 0, 0.5]
    assert torch.isfinite(normalised_positions(1, 3)).all()


def test_compat_switch_construction():
    model = tiny(compat_anyres=[False, False, True, False])
    hat3, hat4 = model.levels[2].blocks[0], model.levels[3].blocks[0]
    assert hat3.hat_pos_embed is None and hat4.hat_pos_embed is not None
    grid = model.levels[2].grid(24, 40)  # 4x6 windows, 8x12 carrier grid: 96 tokens, side 9
    pos = hat3.position_terms(grid)
    assert pos.carrier_shuffle is not None and pos.carrier_embed is None
    assert pos.carrier_bias.shape == (4, 96, 96)
    assert (pos.carrier_bias == 0).sum() == 4 * (96 * 96 - 81 * 81)
    with pytest.raises(ValueError, match='compat_anyres'):
        tiny(compat_anyres=[True, False])


# --------------------------------------------------------------------------- dense contract
def test_out_indices_and_channels():
    model = tiny(out_indices=(1, -1)).eval()
    assert model.out_indices == (1, 3) and model.out_channels == [32, 128]
    assert not hasattr(model, 'norm0') and hasattr(model, 'norm3')
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [32, 128]
    early = tiny(out_indices=0).eval()
    called = []
    early.levels[1].register_forward_hook(lambda *a: called.append(1))
    with torch.no_grad():
        assert len(early(torch.randn(1, 3, 64, 64))) == 1
    assert not called  # stages after the last output are not run
    with pytest.raises(ValueError):
        tiny(out_indices=(4,))
    with pytest.raises(ValueError):
        tiny(out_indices=(2, 1))


def test_forward_raw_is_pre_norm():
    model = tiny().eval()
    for i in range(4):
        nn.init.uniform_(getattr(model, f'norm{i}').weight, 0.5, 1.5)
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        raw = model.forward_raw(x)
        outs = model(x)
    for i in range(4):
        assert torch.allclose(getattr(model, f'norm{i}')(raw[i]), outs[i])
        assert not torch.allclose(raw[i], outs[i])


@pytest.mark.parametrize('frozen', [-1, 0, 2, 4])
def test_frozen_stages(frozen):
    model = tiny(frozen_stages=frozen)
    modules = [model.patch_embed] + list(model.levels)
    norms = [getattr(model, f'norm{i}') for i in range(4)]

    def check():
        for idx, module in enumerate(modules):  # idx 0 is the stem, idx k is stage k-1
            is_frozen = idx <= frozen
            assert all(p.requires_grad != is_frozen for p in module.parameters()), idx
            assert all(m.training != is_frozen for m in module.modules()), idx
        for i, norm in enumerate(norms):
            assert all(p.requires_grad != (i < frozen) for p in norm.parameters()), i

    model.train()
    check()
    model.eval().train()
    check()
    fresh = tiny(frozen_stages=frozen)  # frozen at construction already (DDP wraps before train())
    assert [p.requires_grad for p in fresh.parameters()] == [
        p.requires_grad for p in model.parameters()
    ]
    with pytest.raises(ValueError):
        tiny(frozen_stages=5)


def test_norm_eval():
    model = tiny(norm_eval=True).train()
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and not any(m.training for m in bns)
    assert model.levels[2].blocks[0].norm1.training
    assert tiny(norm_eval=False).train().patch_embed.conv_down[1].training


def test_norm_cfg_syncbn_and_ln_out_norms():
    model = tiny(norm_cfg=dict(type='SyncBN'), out_norm_cfg=dict(type='LN'))
    assert isinstance(model.patch_embed.conv_down[1], nn.SyncBatchNorm)
    assert model.patch_embed.conv_down[1].eps == 1e-4
    assert isinstance(model.levels[1].blocks[0].norm2, nn.SyncBatchNorm)
    assert isinstance(model.norm0, nn.LayerNorm)
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64))[0].shape == (1, 16, 16, 16)
    with pytest.raises(ValueError, match='num_groups'):
        tiny(norm_cfg=dict(type='GN'))


def test_with_cp_matches_plain_forward_and_backward():
    plain = tiny().train()
    ckpt = tiny(with_cp=True).train()
    ckpt.load_state_dict(plain.state_dict())
    blocks = [b for stage in ckpt.levels for b in stage.blocks]
    assert blocks and all(b.with_cp for b in blocks)
    x = torch.randn(1, 3, 230, 330)
    grads = []
    for model in (plain, ckpt):
        model.zero_grad()
        out = model(x)
        sum((o * torch.linspace(0, 1, o.numel()).view_as(o)).sum() for o in out).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
    for name, grad in grads[0].items():
        assert torch.allclose(grad, grads[1][name], rtol=1e-4, atol=1e-6), name


def test_gradients_reach_every_parameter():
    model = tiny().train()
    out = model(torch.randn(2, 3, 230, 330))  # carrier tokens in stages 3 (3x4) and 4 (2x2)
    sum(o.mean() for o in out).backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert not no_grad


def test_drop_path_rate_is_linear_over_all_blocks():
    model = tiny(drop_path_rate=0.5)
    rates = [
        b.drop_path.drop_prob if hasattr(b.drop_path, 'drop_prob') else 0.0
        for stage in model.levels
        for b in stage.blocks
    ]
    assert rates == pytest.approx(torch.linspace(0, 0.5, 6).tolist())


def test_get_layer_depth():
    model = FasterViT(arch='0')  # depths 2, 3, 6, 5 -> 18 layers
    depth = model.get_layer_depth
    assert depth('backbone.patch_embed.conv_down.0.weight', 'backbone.') == (0, 18)
    assert depth('levels.0.blocks.0.conv1.weight') == (1, 18)
    assert depth('levels.1.blocks.2.conv1.weight') == (5, 18)
    assert depth('levels.1.downsample.reduction.0.weight') == (5, 18)
    assert depth('levels.2.global_tokenizer.pos_embed.weight') == (6, 18)
    assert depth('levels.3.blocks.4.mlp.fc2.weight') == (16, 18)
    assert depth('norm3.weight') == (17, 18)
    assert depth('head.fc.weight', 'backbone.') == (17, 18)
    ids = [depth(n)[0] for n, _ in model.named_parameters()]
    assert min(ids) == 0 and max(ids) == 17


# --------------------------------------------------------------------------- position terms
def _count_cpb_calls(model):
    counts = {}
    for name, module in model.named_modules():
        if name.endswith('cpb_mlp'):
            counts[name] = 0
            module.register_forward_hook(
                lambda m, a, o, name=name: counts.__setitem__(name, counts[name] + 1)
            )
    return counts


def test_each_position_mlp_runs_once_per_forward():
    model = tiny(with_cp=True).train()
    counts = _count_cpb_calls(model)
    out = model(torch.randn(2, 3, 230, 330))
    sum(o.sum() for o in out).backward()  # checkpoint recomputation must not re-run them
    assert counts and set(counts.values()) == {1}, counts


def test_deploy_mode_caches_and_gives_identical_outputs():
    model = tiny().eval()
    deployed = tiny(deploy=True).eval()
    deployed.load_state_dict(model.state_dict())
    counts = _count_cpb_calls(deployed)
    history = []
    with torch.no_grad():
        # 3x3 / 2x2 windows, the same again, then 4x5 / 2x3 windows (new carrier grids)
        for size in [(230, 330), (230, 330), (340, 460)]:
            x = torch.randn(1, 3, *size)
            for a, b in zip(model(x), deployed(x)):
                assert torch.equal(a, b)
            history.append(dict(counts))
    assert set(history[0].values()) == {1} and history[1] == history[0]
    carrier_terms = [n for n in counts if '.hat_' in n]
    assert carrier_terms and all(history[2][n] == 2 for n in carrier_terms)
    assert all(history[2][n] == 1 for n in counts if n not in carrier_terms)  # same window size
    deployed.load_state_dict(model.state_dict())  # loading weights clears the caches
    with torch.no_grad():
        deployed(torch.randn(1, 3, 230, 330))
    assert all(counts[n] == history[2][n] + 1 for n in counts)


def test_channels_last_and_bf16_autocast():
    model = tiny().eval()
    x = torch.randn(2, 3, 128, 160)
    with torch.no_grad():
        ref = model(x)
        cl = model(x.contiguous(memory_format=torch.channels_last))
        with torch.autocast('cpu', dtype=torch.bfloat16):
            amp = model(x)
    for a, b, c in zip(ref, cl, amp):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4)
        assert ((c.float() - a).norm() / a.norm()) < 0.05


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    'x, error, match',
    [
        (torch.randn(1, 4, 32, 32), ValueError, 'expected 3 input channels'),
        (torch.randn(1, 32, 32, 3), ValueError, 'channels-last'),
        (torch.randn(3, 32, 32), ValueError, r'4-D .*x\[None\]'),
        (torch.randn(0, 3, 32, 32), ValueError, 'empty batch'),
        (torch.zeros(1, 3, 32, 32, dtype=torch.uint8), TypeError, 'floating-point'),
        (torch.randn(1, 3, 0, 32), ValueError, 'at least 1'),
        ([[0.0]], TypeError, 'torch.Tensor'),
    ],
)
def test_clear_input_errors(x, error, match):
    with pytest.raises(error, match=match):
        tiny()(x)


def test_official_fastervit_0_forward():
    model = FasterViT(arch='faster_vit_0_224').eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 224, 224))
    assert [tuple(o.shape) for o in outs] == [
        (1, 64, 56, 56),
        (1, 128, 28, 28),
        (1, 256, 14, 14),
        (1, 512, 7, 7),
    ]

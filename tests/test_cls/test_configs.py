# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The ImageNet configs: one per published checkpoint, the published model sizes, evaluation
pipelines and training recipe."""

import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from .conftest import CLS_CONFIGS, DEMO_CONFIG, VARIANTS, official_layouts

LAMB_VARIANTS = ('4', '5', '6')
DROP_PATH = {'0': 0.2, '1': 0.2, '2': 0.2, '3': 0.3, '4': 0.3, '5': 0.3, '6': 0.5}


def _cfg(stem: str) -> Config:
    return Config.fromfile(osp.join(osp.dirname(CLS_CONFIGS[0]), stem + '.py'))


def test_one_config_per_published_checkpoint():
    assert sorted(osp.basename(p)[:-3] for p in CLS_CONFIGS) == sorted(VARIANTS)


@pytest.mark.parametrize('stem', sorted(VARIANTS))
def test_model_is_the_published_one(stem):
    """Arch, drop path and head width of the variant table and, built on the meta device, the
    published parameter count."""
    variant = VARIANTS[stem]
    arch = variant.name
    cfg = _cfg(stem)
    assert cfg.default_scope == 'mmpretrain'
    assert 'fastervit_mm.models.classifiers' in cfg.custom_imports['imports']
    assert cfg.model.type == 'fastervit_mm.FasterViTClassifier'
    assert cfg.model.backbone.arch == arch and tuple(cfg.model.backbone.out_indices) == (3,)
    assert cfg.model.backbone.drop_path_rate == variant.drop_path_rate
    assert cfg.model.head.in_channels == variant.channels[-1]
    init_default_scope('mmpretrain')
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert model.head.fc.in_features == model.backbone.out_channels[0]
    assert model.head.fc.out_features == 1000
    params = sum(p.numel() for p in model.parameters())
    assert params == official_layouts()[arch]['params']


def _pipeline_output(pipeline, img: np.ndarray) -> np.ndarray:
    from mmengine.dataset import Compose

    init_default_scope('mmpretrain')
    transforms = Compose(
        [t for t in pipeline if t['type'] not in ('LoadImageFromFile', 'PackInputs')]
    )
    return transforms(dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))['img']


def _timm_eval(img: np.ndarray, size: int, crop_pct: float, mode: str) -> np.ndarray:
    """timm's ``transforms_imagenet_eval`` (PIL bicubic), written out with torchvision."""
    from PIL import Image
    from torchvision import transforms as T

    scale = int(np.floor(size / crop_pct))
    resize = T.Resize(
        (scale, scale) if mode == 'squash' else scale, interpolation=T.InterpolationMode.BICUBIC
    )
    out = T.CenterCrop(size)(resize(Image.fromarray(img)))
    return np.asarray(out)


CROP_PCT = {
    'fastervit-0_32xb128_in1k': 0.875,
    'fastervit-4_in21k-pre_3rdparty_in1k': 0.95,
    'fastervit-4_in21k-pre_3rdparty_in1k-768px': 0.93,
}


@pytest.mark.parametrize('stem', sorted(VARIANTS))
def test_test_pipeline_is_timm_eval(stem):
    """The test pipeline equals timm's evaluation transform with the published crop_pct and crop
    mode, pixel for pixel, on a non-square image."""
    variant = VARIANTS[stem]
    size, resize, mode = variant.img_size, variant.resize_size, variant.crop_mode
    cfg = _cfg(stem)
    pipeline = cfg.test_dataloader.dataset.pipeline
    assert cfg.val_dataloader.dataset.pipeline == pipeline
    for t in pipeline:
        if t['type'] in ('Resize', 'ResizeEdge'):
            assert t['interpolation'] == 'bicubic' and t['backend'] == 'pillow'
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (size + 77, size + 141, 3), dtype=np.uint8)
    out = _pipeline_output(pipeline, img)
    crop_pct = CROP_PCT.get(stem, 1.0)
    assert crop_pct == variant.crop_pct
    assert int(np.floor(size / crop_pct)) == resize
    ref = _timm_eval(img, size, crop_pct, mode)
    assert out.shape == ref.shape == (size, size, 3)
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize('k', sorted(DROP_PATH))
def test_training_recipe(k):
    cfg = _cfg(f'fastervit-{k}_32xb128_in1k')
    assert cfg.model.backbone.drop_path_rate == DROP_PATH[k]
    assert cfg.train_dataloader.batch_size == 128 and cfg.auto_scale_lr.base_batch_size == 4096
    optim = cfg.optim_wrapper
    assert optim.type == 'AmpOptimWrapper' and optim.clip_grad.max_norm == 5.0
    assert optim.optimizer.lr == 5e-3
    if k in LAMB_VARIANTS:
        assert optim.optimizer.type == 'Lamb' and optim.optimizer.weight_decay == 0.12
    else:
        assert optim.optimizer.type == 'AdamW' and optim.optimizer.weight_decay == 0.005
    assert optim.paramwise_cfg.norm_decay_mult == optim.paramwise_cfg.bias_decay_mult == 0.0
    warmup, cosine = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and warmup.end == 20
    assert warmup.start_factor * optim.optimizer.lr == pytest.approx(1e-6)
    assert cosine.type == 'CosineAnnealingLR' and (cosine.begin, cosine.end) == (20, 300)
    assert cosine.eta_min == 5e-6 and cfg.train_cfg.max_epochs == 310
    ema, rng_state = cfg.custom_hooks
    assert rng_state.type == 'fastervit_mm.RNGStateHook'  # resumed runs continue bit-identically
    assert ema.type == 'EMAHook' and ema.momentum == pytest.approx(1 - 0.9998)
    assert [a.type for a in cfg.model.train_cfg.augments] == ['Mixup', 'CutMix']
    assert [a.alpha for a in cfg.model.train_cfg.augments] == [0.8, 1.0]
    assert cfg.model.head.loss.label_smooth_val == 0.1
    names = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert names[1:4] == ['RandomResizedCrop', 'RandomFlip', 'RandAugment']
    assert 'RandomErasing' in names


@pytest.mark.parametrize('path', CLS_CONFIGS + [DEMO_CONFIG], ids=osp.basename)
def test_checkpoints_are_written_atomically(path):
    """AtomicCheckpointHook replaces mmpretrain's CheckpointHook, whose settings stay, and the
    runner's hook registry builds it under the mmpretrain scope."""
    from mmengine.registry import HOOKS

    from fastervit_mm.engine import AtomicCheckpointHook

    cfg = Config.fromfile(path)
    checkpoint = cfg.default_hooks.checkpoint
    assert checkpoint.type == 'fastervit_mm.AtomicCheckpointHook'
    assert checkpoint.interval == (8 if path == DEMO_CONFIG else 1)
    init_default_scope('mmpretrain')
    assert type(HOOKS.build(checkpoint)) is AtomicCheckpointHook


@pytest.mark.parametrize('stem', [s for s in VARIANTS if '21k' in s])
def test_21k_configs_are_evaluation_only(stem):
    cfg = _cfg(stem)
    assert cfg.train_dataloader is None and cfg.train_cfg is None and cfg.optim_wrapper is None
    assert cfg.model.backbone.drop_path_rate == 0.42


def test_one_training_step_of_the_recipe():
    """The real recipe (data preprocessor with Mixup/CutMix, label smoothing, paramwise decay,
    LAMB) runs one step on a small model (CPU: plain OptimWrapper)."""
    from mmengine.optim import build_optim_wrapper
    from mmpretrain.structures import DataSample

    cfg = _cfg('fastervit-4_32xb128_in1k')
    init_default_scope('mmpretrain')
    cfg.model.backbone.arch = dict(
        dim=16,
        in_dim=8,
        depths=[1, 1, 2, 1],
        num_heads=[1, 2, 2, 4],
        window_size=[7, 7, 7, 7],
        ct_size=2,
        mlp_ratio=2,
        hat=[False, False, True, False],
        layer_scale=1e-5,
        do_propagation=True,
    )
    cfg.model.head.in_channels = 128
    cfg.model.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(cfg.model)
    cfg.optim_wrapper.type = 'OptimWrapper'
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(optim.optimizer).__name__ == 'Lamb'
    data = dict(
        inputs=[torch.randint(0, 256, (3, 224, 224), dtype=torch.uint8) for _ in range(4)],
        data_samples=[DataSample().set_gt_label(i) for i in range(4)],
    )
    model.train()
    losses = model.train_step(data, optim)
    assert torch.isfinite(losses['loss'])

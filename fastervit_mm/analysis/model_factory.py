# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Build "a config or an arch" as a module that takes one image tensor (used by
``tools/analysis/get_flops.py``, ``benchmark.py`` and ``benchmark_detector.py``).

* an **arch** (``faster_vit_0_224``, ``4-21k-384``, ... any name or alias of
  ``fastervit_mm.FasterViT.arch_zoo``) gives the published classification model: backbone,
  final norm, global average pooling and a 1000-class linear head; its native resolution is the
  one in the name (224 unless ``_384``/``_512``/``_768``);
* a **config** (mmpretrain, mmdet or mmseg) gives ``cfg.model``, run in ``mode='tensor'``
  (detectors get data samples describing the input, so the RPN and RoI heads run as at test
  time); default sizes: the classifier's test crop, 1280x800 (W x H) for detectors, the config's
  ``crop_size`` (else 512x512) for segmentors. SyncBN is reverted to BN, no weights are loaded.
"""

import argparse
import json
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .classifier import Classifier
from .sizes import as_hw, published_size

DET_SHAPE = (800, 1280)  # (H, W): the paper's 1280x800 detection test size
SEG_SHAPE = (512, 512)


def is_config(spec: str) -> bool:
    return spec.endswith('.py') or osp.isfile(spec)


def _flatten(out: Any) -> List[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return []


class TensorModel(nn.Module):
    """``model`` behind a ``forward(images) -> tuple of tensors`` (what tracers and timers need).

    Args:
        model: The model.
        kind: ``'arch'`` (a plain module), ``'cls'``, ``'seg'`` or ``'det'``.
    """

    def __init__(self, model: nn.Module, kind: str) -> None:
        super().__init__()
        self.model = model
        self.kind = kind

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.kind == 'arch':
            return tuple(_flatten(self.model(x)))
        if self.kind == 'det':
            return tuple(_flatten(self.model(x, _det_samples(x), mode='tensor')))
        return tuple(_flatten(self.model(x, mode='tensor')))


def _det_samples(x: torch.Tensor) -> list:
    from mmdet.structures import DetDataSample

    h, w = x.shape[-2:]
    meta = dict(
        img_shape=(h, w),
        ori_shape=(h, w),
        pad_shape=(h, w),
        batch_input_shape=(h, w),
        scale_factor=(1.0, 1.0),
    )
    return [DetDataSample(metainfo=meta) for _ in range(x.shape[0])]


def native_size(arch: str) -> int:
    """The resolution an arch (name or alias) was published for."""
    from fastervit_mm.models import FasterViT

    return published_size(FasterViT.arch_aliases.get(arch.lower(), arch.lower()))


def build_arch(arch: str, num_classes: int = 1000, **kwargs) -> nn.Module:
    """The published classification model of ``arch``: ``head(avgpool(norm(features)))``;
    ``kwargs`` go to ``FasterViT``."""
    from fastervit_mm.models import FasterViT

    return Classifier(FasterViT(arch=arch, out_indices=(3,), **kwargs), num_classes)


def _test_crop(cfg) -> Optional[Tuple[int, int]]:
    """Size of a classification config's test images (last crop / resize of its pipeline)."""
    pipeline = (
        cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline')
        or cfg.get('test_pipeline')
        or []
    )
    size = None
    for t in pipeline:
        value = (
            t.get('crop_size')
            if t.get('type') == 'CenterCrop'
            else (t.get('scale') if t.get('type') in ('Resize', 'RandomResizedCrop') else None)
        )
        if value is not None:
            size = (value, value) if isinstance(value, int) else (value[1], value[0])
    return size


def resolve_config(config: str) -> str:
    """The file of ``config``: a path as it is, ``pkg::rel/path.py`` inside pkg's ``.mim/configs``
    (how mmengine resolves ``_base_ = 'mmdet::...'``; never installs anything)."""
    if '::' not in config:
        return config
    from mmengine.config.utils import _get_external_cfg_base_path, _get_package_and_cfg_path
    from mmengine.utils import get_installed_path

    package, rel = _get_package_and_cfg_path(config)
    try:
        return _get_external_cfg_base_path(get_installed_path(package), rel)
    except FileNotFoundError as e:
        raise SystemExit(f'{config}: no such config ({e})')


def build_config(path: str, cfg_options: Optional[dict] = None) -> Tuple[nn.Module, str, tuple]:
    """Build ``cfg.model`` of a config (a path or ``pkg::rel/path.py``, see
    :func:`resolve_config`); returns (model, kind, default (H, W))."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    cfg = Config.fromfile(resolve_config(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    scope = cfg.get('default_scope', 'mmengine')
    init_default_scope(scope)
    model = MODELS.build(cfg.model)
    try:
        from mmengine.model import revert_sync_batchnorm

        model = revert_sync_batchnorm(model)
    except ImportError:  # pragma: no cover
        pass
    module = type(model).__module__
    if scope == 'mmdet' or module.startswith('mmdet.'):
        return model, 'det', DET_SHAPE
    if scope == 'mmseg' or module.startswith('mmseg.'):
        crop = cfg.get('crop_size')
        return model, 'seg', tuple(crop) if crop else SEG_SHAPE
    crop = _test_crop(cfg) or (224, 224)
    return model, 'cls', crop


def build(
    spec: str,
    shape: Optional[Sequence[int]] = None,
    batch_size: int = 1,
    cfg_options: Optional[dict] = None,
) -> Tuple[TensorModel, torch.Tensor]:
    """A :class:`TensorModel` for ``spec`` (config path or arch name) in eval mode and its input.

    Args:
        spec: A config file or an arch name.
        shape: (H, W) of the input, or one int for a square; None for the default size.
        batch_size: Images per batch.
        cfg_options: Overrides merged into a config.
    """
    if is_config(spec):
        model, kind, default = build_config(spec, cfg_options)
    else:
        size = native_size(spec)
        model, kind, default = build_arch(spec), 'arch', (size, size)
    wrapped = TensorModel(model, kind).eval()
    return wrapped, torch.randn(batch_size, 3, *as_hw(shape, default))


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every analysis tool takes: the model (``spec``), ``--shape``,
    ``--cfg-options`` and ``--json``."""
    from mmengine.config import DictAction

    parser.add_argument(
        'spec',
        help='config file, or a FasterViT arch name / alias (e.g. faster_vit_0_224, 4-21k-384)',
    )
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        metavar='N',
        help='input H W (or one size for a square); default: the native size '
        'of an arch, the test crop of a classifier, 800 1280 for a detector, '
        'the crop size of a segmentor',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of a config, key=value',
    )
    parser.add_argument('--json', default=None, help='also write the result to this file')


def write_json(result: dict, path: Optional[str]) -> None:
    """Write ``result`` to ``path`` (nothing when ``path`` is None)."""
    if path:
        with open(path, 'w') as f:
            json.dump(result, f, indent=2)


def load_published_layout(path: str) -> dict:
    """A state dict of published names from ``path`` (a state dict or a checkpoint holding one)."""
    try:
        from fastervit_mm.checkpoint import allow_checkpoint_globals

        allow_checkpoint_globals()
        sd = torch.load(path, map_location='cpu')
    except ImportError:  # without mmengine: a plain state dict (benchmark_backbone.py writes those)
        sd = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(sd, dict) and key in sd:
            sd = sd[key]
    return {k[len('module.') :] if k.startswith('module.') else k: v for k, v in sd.items()}


def build_ours(
    arch: str, with_head: bool = False, state_dict: Optional[str] = None, **kwargs
) -> nn.Module:
    """This project's FasterViT backbone of ``arch`` (all four maps), or with ``with_head`` the
    published classifier on it (:class:`Classifier` of ``FasterViT(out_indices=(3, ))``).

    Args:
        arch: A FasterViT arch name or alias.
        with_head: Build the classifier. Defaults to False.
        state_dict: Published-layout weights to load (:func:`load_published_layout`); the
            classifier takes the published ``head`` too. Defaults to None (the initialisation).
        **kwargs: Further ``FasterViT`` arguments (e.g. ``with_cp``, ``compat_anyres``).

    Raises:
        SystemExit: when ``state_dict`` lacks weights of the model.
    """
    from fastervit_mm.models import FasterViT

    model = build_arch(arch, **kwargs) if with_head else FasterViT(arch=arch, **kwargs)
    if state_dict:
        sd = load_published_layout(state_dict)
        backbone = model.backbone if with_head else model
        result = backbone.load_state_dict(sd, strict=False)
        if result.missing_keys:
            raise SystemExit(f'{state_dict} lacks {result.missing_keys[:3]}...')
        if with_head:
            model.head.load_state_dict({'weight': sd['head.weight'], 'bias': sd['head.bias']})
    return model

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Check, before anything runs, that a segmentor's ``num_classes`` fits its dataset.

Without it a wrong ``num_classes`` fails late and obscurely: a label the head cannot predict makes
the cross-entropy raise "Target 7 is out of bounds" at the first step (or a device-side assert
on GPU), and a head with more outputs than the dataset has classes trains silently and breaks
``IoUMetric`` at the first validation. :func:`check_seg_num_classes` names the head, the dataset,
and, for labels out of range, the annotation file.
"""

import io
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch.nn as nn
from mmengine import fileio
from mmengine.hooks import Hook
from PIL import Image

from fastervit_mm.registry import HOOKS

__all__ = ['check_seg_num_classes', 'SegNumClassCheckHook']


def _heads(model: nn.Module) -> Iterator[Tuple[str, nn.Module]]:
    model = getattr(model, 'module', model)
    for key in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, key, None)
        if isinstance(heads, nn.ModuleList):
            yield from ((f'{key}[{i}]', h) for i, h in enumerate(heads))
        elif heads is not None:
            yield key, heads


def _base_dataset(dataset):
    """The first dataset under wrappers (RepeatDataset, ConcatDataset ...)."""
    while True:
        if hasattr(dataset, 'datasets'):
            dataset = dataset.datasets[0]
        elif hasattr(dataset, 'dataset'):
            dataset = dataset.dataset
        else:
            return dataset


def _label_values(dataset, max_files: int) -> Iterator[Tuple[str, np.ndarray]]:
    """Yield (file, label ids as the pipeline will see them) for up to ``max_files`` maps."""
    dataset = _base_dataset(dataset)
    if not hasattr(dataset, 'get_data_info') or not len(dataset):
        return
    count = len(dataset)
    for index in sorted(set(np.linspace(0, count - 1, min(count, max_files)).astype(int))):
        info = dataset.get_data_info(int(index))
        path = info.get('seg_map_path')
        if not path:
            continue
        raw = fileio.get(path, backend_args=getattr(dataset, 'backend_args', None))
        seg = np.asarray(Image.open(io.BytesIO(raw))).astype(np.int64)  # as mmseg reads it
        if info.get('reduce_zero_label'):  # mmseg's LoadAnnotations: 0 and 255 become 255
            seg[seg == 0] = 255
            seg = seg - 1
            seg[seg == 254] = 255
        label_map = info.get('label_map')
        if label_map:
            mapped = seg.copy()
            for old, new in label_map.items():
                mapped[seg == old] = new
            seg = mapped
        yield path, np.unique(seg)


def check_seg_num_classes(model: nn.Module, dataset, max_files: int = 32) -> None:
    """Raise ``ValueError`` if ``model``'s heads do not fit ``dataset``.

    Checks that every decode/auxiliary head's ``num_classes`` equals the number of classes in the
    dataset's metainfo, and that the label ids of up to ``max_files`` annotation maps (evenly
    spread over the dataset, after ``reduce_zero_label`` and ``label_map``) are below
    ``num_classes`` or equal to the ignore index.

    Args:
        model (nn.Module): A segmentor (mmseg ``EncoderDecoder`` or one wrapped in DDP).
        dataset: The dataset (dataset wrappers are looked through).
        max_files (int): How many annotation maps to read. Defaults to 32.
    """
    heads: List[Tuple[str, nn.Module]] = [
        (n, h) for n, h in _heads(model) if isinstance(getattr(h, 'num_classes', None), int)
    ]
    if not heads:
        return
    meta = getattr(dataset, 'metainfo', None) or {}
    classes: Optional[tuple] = meta.get('classes')
    base = _base_dataset(dataset)
    described = f'{type(base).__name__}' + (
        f' (data_root={base.data_root!r})' if getattr(base, 'data_root', None) else ''
    )
    if classes is not None:
        for name, head in heads:
            if head.num_classes != len(classes):
                raise ValueError(
                    f'model.{name}.num_classes={head.num_classes} but the dataset {described} '
                    f'has {len(classes)} classes {tuple(classes)}: set '
                    f'model.{name}.num_classes={len(classes)} (and the other heads alike)'
                )
    num_classes = min(h.num_classes for _, h in heads)
    ignore = getattr(heads[0][1], 'ignore_index', 255)
    for path, values in _label_values(dataset, max_files):
        bad = [int(v) for v in values if v >= num_classes and v != ignore]
        if bad:
            reduce = bool(getattr(base, 'reduce_zero_label', False))
            raise ValueError(
                f'annotation {path!r} of the dataset {described} holds label ids {bad} but the '
                f'model predicts {num_classes} classes (ids 0..{num_classes - 1}; '
                f'{ignore} is ignored; reduce_zero_label={reduce}'
                + (', so the file values are these ids + 1' if reduce else '')
                + '): set num_classes of the heads and the dataset classes to match the '
                'annotations'
            )


@HOOKS.register_module()
class SegNumClassCheckHook(Hook):
    """Run :func:`check_seg_num_classes` before training, validation and testing (once per
    dataset).

    Args:
        max_files (int): Annotation maps read per dataset. Defaults to 32.
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_files: int = 32) -> None:
        self.max_files = max_files
        self._checked = set()

    def _check(self, runner, loop_name: str) -> None:
        loop = getattr(runner, loop_name, None)
        dataset = getattr(getattr(loop, 'dataloader', None), 'dataset', None)
        if dataset is None or id(dataset) in self._checked:
            return
        check_seg_num_classes(runner.model, dataset, self.max_files)
        self._checked.add(id(dataset))

    def before_train(self, runner) -> None:
        self._check(runner, 'train_loop')

    def before_val(self, runner) -> None:
        self._check(runner, 'val_loop')

    def before_test(self, runner) -> None:
        self._check(runner, 'test_loop')

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The embedded classification dataset: one synthetic shape per image, class = its shape.

ImageNet cannot be downloaded everywhere (CI, air-gapped machines), so the classification demo
trains on images drawn here: a circle, square, triangle or star of random colour, size, position
and rotation on a noisy two-colour gradient (the drawing helpers of :mod:`.drawing`). The
colour carries no information: only the shape does.

Files are written in mmpretrain's ``CustomDataset`` folder layout, so mmpretrain reads them too::

    <data_root>/train/circle/000000.png ...
    <data_root>/val/star/000123.png ...
    <data_root>/meta.json          # the arguments that produced the files

Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments give identical
files; 2800 images of 64x64 take a few seconds. :class:`SyntheticShapeDataset` writes them on first
use; ``tools/misc/make_demo_data.py cls`` writes them beforehand (``tools/train.py`` checks that
dataset paths exist before it starts).
"""

import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from mmengine.dataset import BaseDataset

from fastervit_mm.registry import DATASETS

from .drawing import SHAPES, add_noise, gradient_background, shape_mask

__all__ = ['SHAPE_CLASSES', 'draw_shape', 'make_synthetic_cls', 'SyntheticShapeDataset']

#: The class names, in label order.
SHAPE_CLASSES: Tuple[str, ...] = SHAPES
_META = 'meta.json'


def draw_shape(
    rng: np.random.Generator,
    label: int,
    size: Tuple[int, int] = (64, 64),
    radius: Tuple[float, float] = (0.18, 0.42),
    noise: float = 8.0,
) -> np.ndarray:
    """Draw one image (RGB ``uint8``) holding one shape of class ``label``.

    Args:
        rng: The random generator (the only source of randomness).
        label: Index into :data:`SHAPE_CLASSES`.
        size: (height, width).
        radius: Range of the circumradius as a fraction of the shorter side.
        noise: Standard deviation of the per-pixel Gaussian noise.
    """
    h, w = size
    img = gradient_background(rng, size)
    r = float(rng.uniform(*radius)) * min(h, w)
    cx, cy = rng.uniform(r, w - r), rng.uniform(r, h - r)
    mask = shape_mask(SHAPE_CLASSES[label], (cx, cy), r, rng.uniform(0, 2 * np.pi), size)
    # a random colour that stands out from the background it covers
    under = img[mask.astype(bool)].mean(0) if mask.any() else img.mean((0, 1))
    colour = rng.uniform(0, 255, 3)
    while np.abs(colour - under).max() < 60:
        colour = rng.uniform(0, 255, 3)
    img[mask.astype(bool)] = colour
    return add_noise(rng, img, noise)


def make_synthetic_cls(
    out_dir: str,
    num_train: int = 800,
    num_val: int = 200,
    size: Sequence[int] = (64, 64),
    seed: int = 0,
) -> Dict[str, str]:
    """Write the dataset (both splits, balanced classes); see the module docstring for the layout.

    Returns:
        dict: split name -> its folder.
    """
    size = (int(size[0]), int(size[1]))
    splits = (('train', num_train), ('val', num_val))
    for stream, (split, count) in zip(np.random.SeedSequence(seed).spawn(len(splits)), splits):
        rng = np.random.default_rng(stream)
        for name in SHAPE_CLASSES:
            os.makedirs(osp.join(out_dir, split, name), exist_ok=True)
        for i in range(count):
            label = i % len(SHAPE_CLASSES)
            img = draw_shape(rng, label, size)
            path = osp.join(out_dir, split, SHAPE_CLASSES[label], f'{i:06d}.png')
            cv2.imwrite(path, img[..., ::-1])
    meta = dict(
        num_train=num_train,
        num_val=num_val,
        size=list(size),
        seed=seed,
        classes=list(SHAPE_CLASSES),
    )
    with open(osp.join(out_dir, _META), 'w') as f:
        json.dump(meta, f)
    return {split: osp.join(out_dir, split) for split, _ in splits}


def _has_dataset(root: str, meta: dict) -> bool:
    try:
        with open(osp.join(root, _META)) as f:
            return json.load(f) == meta
    except (OSError, ValueError):
        return False


@DATASETS.register_module()
class SyntheticShapeDataset(BaseDataset):
    """Synthetic shape classification (4 classes), written to ``data_root`` on first use.

    The files are generated once (atomically, so concurrent processes are safe) and reused while
    ``meta.json`` matches the arguments. Samples are ``dict(img_path, gt_label)``, as from
    mmpretrain's ``CustomDataset``, so mmpretrain's pipelines, ``PackInputs`` and ``Accuracy``
    apply unchanged.

    Args:
        data_root (str): Where the dataset lives (or is generated).
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        num_train (int): Training images. Defaults to 800.
        num_val (int): Validation images. Defaults to 200.
        size (Sequence[int]): (height, width). Defaults to (64, 64).
        seed (int): Seed of the whole dataset. Defaults to 0.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset` (``pipeline``, ``test_mode``,
            ``indices``, ...).
    """

    METAINFO = dict(classes=SHAPE_CLASSES)

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        num_train: int = 800,
        num_val: int = 200,
        size: Sequence[int] = (64, 64),
        seed: int = 0,
        **kwargs,
    ) -> None:
        if split not in ('train', 'val'):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        self.split = split
        self.generation = dict(
            num_train=num_train,
            num_val=num_val,
            size=list(size),
            seed=seed,
            classes=list(SHAPE_CLASSES),
        )
        super().__init__(data_root=data_root, **kwargs)

    def _ensure_files(self) -> None:
        root = self.data_root
        if _has_dataset(root, self.generation):
            return
        parent = osp.dirname(osp.abspath(root)) or '.'
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix='.synthetic_cls_', dir=parent)
        g = self.generation
        make_synthetic_cls(tmp, g['num_train'], g['num_val'], g['size'], g['seed'])
        if osp.isdir(root) and not _has_dataset(root, self.generation):
            shutil.rmtree(root, ignore_errors=True)  # stale: other arguments
        try:
            os.rename(tmp, root)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
            if not _has_dataset(root, self.generation):
                raise

    def load_data_list(self) -> List[dict]:
        self._ensure_files()
        folder = osp.join(self.data_root, self.split)
        data_list = []
        for label, name in enumerate(SHAPE_CLASSES):
            for fname in sorted(os.listdir(osp.join(folder, name))):
                data_list.append(dict(img_path=osp.join(folder, name, fname), gt_label=label))
        return data_list

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The embedded default segmentation dataset: synthetic scenes in ADE20K's format.

ADE20K cannot be downloaded everywhere (CI, air-gapped machines), so the segmentation demo and
tests train on scenes drawn here. Each scene has two "stuff" classes split by a wavy horizon
(``sky`` above, ``ground`` below) and a few "thing" shapes (``circle``, ``square``, ``triangle``,
``star``, the shapes and colours of the synthetic COCO dataset). Like ADE20K, annotation value 0
means "other" (not one of the classes) and classes are 1..N: the scenes also hold a few grey blobs
and a thin band along the horizon labelled 0, which ``reduce_zero_label=True`` turns into the
ignore index (255) so they count neither in the loss nor in mIoU.

Images are JPEG (RGB content, written as usual by OpenCV); annotations are *indexed* (palette)
PNGs whose pixel values are the label ids and whose palette shows the class colours, so they read
as ids with mmseg's ``LoadAnnotations`` (pillow backend) and look right in an image viewer.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same arguments give identical
scenes. 500 images of 128x128 take about a second.

Layout written by :func:`make_synthetic_ade20k` (mirrors ``ADEChallengeData2016``)::

    <out_dir>/images/training/ADE_train_00000001.jpg ...
    <out_dir>/images/validation/ADE_val_00000001.jpg ...
    <out_dir>/annotations/training/ADE_train_00000001.png ...
    <out_dir>/annotations/validation/ADE_val_00000001.png ...
"""

import os
import os.path as osp
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from .drawing import SHAPE_COLOURS, SHAPES, add_noise, jitter, shape_mask

__all__ = [
    'SYNTHETIC_ADE_METAINFO',
    'draw_seg_scene',
    'make_synthetic_ade20k',
    'SEG_DEMO_DATA_HINT',
]

#: Class names (annotation values 1..N; 0 is "other") and the label colours used to show them
#: (annotation PNG palette, prediction pictures): unlike the colours the scenes are drawn in, so a
#: blended prediction shows what the model decided.
SYNTHETIC_ADE_METAINFO = dict(
    classes=('sky', 'ground') + tuple(SHAPES),
    palette=[
        (70, 70, 180),
        (150, 220, 90),
        (255, 0, 255),
        (255, 140, 0),
        (0, 230, 230),
        (160, 40, 0),
    ],
)
#: The mean RGB colour each class is drawn in (the shapes: those of the synthetic COCO data).
_DRAW_COLOURS = [(135, 190, 235), (140, 105, 70)] + [tuple(c) for c in SHAPE_COLOURS]

#: How to make the dataset, for error messages (``{root}`` is the missing data root).
SEG_DEMO_DATA_HINT = (
    'the synthetic ADE20K-format dataset is made with '
    '`python tools/misc/make_demo_data.py seg --out {root}`'
)

_SPLITS = (('training', 'train'), ('validation', 'val'))


def draw_seg_scene(
    rng: np.random.Generator,
    size: Tuple[int, int] = (128, 128),
    num_objects: Tuple[int, int] = (2, 5),
    radius: Tuple[float, float] = (10.0, 28.0),
    num_other: Tuple[int, int] = (0, 2),
    noise: float = 6.0,
) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one scene and its label map.

    Args:
        rng: The random generator (the only source of randomness).
        size: (height, width) of the image.
        num_objects: Inclusive range of the number of shapes.
        radius: Range of the shapes' circumradius in pixels.
        num_other: Inclusive range of the number of unlabelled grey blobs ("other", value 0).
        noise: Standard deviation of the per-pixel Gaussian noise.

    Returns:
        tuple: the RGB ``uint8`` image and the ``uint8`` label map (0 = other, 1..N = the classes
        of :data:`SYNTHETIC_ADE_METAINFO`).
    """
    h, w = size
    colours = _DRAW_COLOURS
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Stuff: sky above a wavy horizon, ground below, each a vertical gradient of its colour.
    horizon = rng.uniform(0.3, 0.7) * h + rng.uniform(0, 0.08) * h * np.sin(
        2 * np.pi * rng.uniform(0.5, 2.0) * xx[0] / w + rng.uniform(0, 2 * np.pi)
    )
    sky = yy < horizon[None, :]
    label = np.where(sky, 1, 2).astype(np.uint8)
    label[np.abs(yy - horizon[None, :]) < 1.0] = 0  # the horizon itself is "other"
    t = (yy / h)[..., None]
    img = np.where(
        sky[..., None],
        jitter(rng, colours[0], 20) * (0.85 + 0.3 * t),
        jitter(rng, colours[1], 20) * (1.15 - 0.3 * t),
    ).astype(np.float32)
    # "Other": grey ellipses behind the shapes, unlabelled like ADE20K's 0.
    for _ in range(int(rng.integers(num_other[0], num_other[1] + 1))):
        mask = np.zeros(size, np.uint8)
        axes = tuple(int(a) for a in rng.uniform(radius[0], radius[1], 2))
        cv2.ellipse(
            mask,
            (int(rng.uniform(0, w)), int(rng.uniform(0, h))),
            axes,
            float(rng.uniform(0, 180)),
            0,
            360,
            1,
            -1,
        )
        grey = rng.uniform(60, 200)
        img[mask.astype(bool)] = jitter(rng, (grey, grey, grey), 8)
        label[mask.astype(bool)] = 0
    # Things: coloured shapes, later ones on top.
    for _ in range(int(rng.integers(num_objects[0], num_objects[1] + 1))):
        cls = int(rng.integers(len(SHAPES)))
        r = float(rng.uniform(*radius))
        centre = (rng.uniform(r * 0.5, w - r * 0.5), rng.uniform(r * 0.5, h - r * 0.5))
        mask = shape_mask(SHAPES[cls], centre, r, rng.uniform(0, 2 * np.pi), size).astype(bool)
        img[mask] = jitter(rng, colours[2 + cls], 25)
        label[mask] = 3 + cls
    return add_noise(rng, img, noise), label


def _annotation_palette() -> list:
    """A 256-entry PIL palette: 0 black, 1..N the class colours, the rest white."""
    colours = [(0, 0, 0)] + [tuple(c) for c in SYNTHETIC_ADE_METAINFO['palette']]
    colours += [(255, 255, 255)] * (256 - len(colours))
    return [v for c in colours for v in c]


def make_synthetic_ade20k(
    out_dir: str,
    num_train: int = 400,
    num_val: int = 100,
    size: Sequence[int] = (128, 128),
    seed: int = 0,
    **scene_kwargs,
) -> Dict[str, int]:
    """Write the synthetic ADE20K-format dataset; see the module docstring for the layout.

    Args:
        out_dir: Output directory (created; files of the same names are overwritten).
        num_train: Number of training images.
        num_val: Number of validation images.
        size: (height, width) of every image.
        seed: Seed of the whole dataset; the splits use independent streams derived from it.
        **scene_kwargs: Forwarded to :func:`draw_seg_scene`.

    Returns:
        dict: split directory name (``training``/``validation``) -> number of images.
    """
    size = (int(size[0]), int(size[1]))
    palette = _annotation_palette()
    counts = {}
    streams = np.random.SeedSequence(seed).spawn(len(_SPLITS))
    for stream, (split, prefix), count in zip(streams, _SPLITS, (num_train, num_val)):
        rng = np.random.default_rng(stream)
        img_dir = osp.join(out_dir, 'images', split)
        ann_dir = osp.join(out_dir, 'annotations', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for i in range(1, count + 1):
            img, label = draw_seg_scene(rng, size, **scene_kwargs)
            name = f'ADE_{prefix}_{i:08d}'
            cv2.imwrite(
                osp.join(img_dir, name + '.jpg'), img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95]
            )
            ann = Image.frombytes('P', (size[1], size[0]), np.ascontiguousarray(label).tobytes())
            ann.putpalette(palette)
            ann.save(osp.join(ann_dir, name + '.png'))
        counts[split] = count
    return counts


try:  # the dataset class needs mmseg; the generator above does not
    from mmseg.datasets import ADE20KDataset
except ImportError:  # pragma: no cover - mmseg is an optional extra
    ADE20KDataset = None

if ADE20KDataset is not None:
    from fastervit_mm.registry import DATASETS

    @DATASETS.register_module()
    class SyntheticADE20KDataset(ADE20KDataset):
        """The synthetic ADE20K-format dataset of :func:`make_synthetic_ade20k`.

        An :class:`mmseg.datasets.ADE20KDataset` (``.jpg`` images, ``.png`` maps,
        ``reduce_zero_label=True``) with this dataset's classes and palette, which fails early,
        naming the path and how to make the data, when a directory is missing or empty.
        """

        METAINFO = dict(
            classes=SYNTHETIC_ADE_METAINFO['classes'],
            palette=[list(c) for c in SYNTHETIC_ADE_METAINFO['palette']],
        )

        def load_data_list(self) -> list:
            root = self.data_root or ''
            for key in ('img_path', 'seg_map_path'):
                path = self.data_prefix.get(key)
                if path and not osp.isdir(path):
                    raise FileNotFoundError(
                        f'{type(self).__name__}: data_prefix.{key} directory {path!r} does not '
                        f'exist (data_root={root!r}, working directory {os.getcwd()!r}); '
                        + SEG_DEMO_DATA_HINT.format(root=root or '<data_root>')
                    )
            data_list = super().load_data_list()
            if not data_list:
                raise FileNotFoundError(
                    f'{type(self).__name__}: no {self.img_suffix} images under '
                    f'{self.data_prefix.get("img_path")!r}; '
                    + SEG_DEMO_DATA_HINT.format(root=root or '<data_root>')
                )
            return data_list

    __all__.append('SyntheticADE20KDataset')

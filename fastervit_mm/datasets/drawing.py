# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Drawing helpers shared by the synthetic datasets (COCO-, ADE20K-format and classification).

The three embedded datasets draw the same four shapes, each class in its own colour, on noisy
backgrounds; what they share lives here. Every function draws only from the
``numpy.random.Generator`` it is given, so the datasets stay byte-identical for a seed.
"""

from typing import Sequence, Tuple

import cv2
import numpy as np

__all__ = ['SHAPES', 'SHAPE_COLOURS', 'shape_mask', 'gradient_background', 'jitter', 'add_noise']

#: The shape classes, in label order.
SHAPES: Tuple[str, ...] = ('circle', 'square', 'triangle', 'star')
#: The RGB colour each shape is drawn in (also its palette colour in the COCO-format dataset).
SHAPE_COLOURS = [(220, 40, 40), (40, 170, 60), (40, 90, 230), (240, 190, 20)]

_NUM_VERTICES = {'square': 4, 'triangle': 3}


def shape_mask(
    shape: str, center: Tuple[float, float], radius: float, angle: float, size: Tuple[int, int]
) -> np.ndarray:
    """A filled ``uint8`` mask (0/1) of one shape.

    Args:
        shape: One of :data:`SHAPES`.
        center: (x, y) of the centre in pixels.
        radius: Circumradius in pixels.
        angle: Rotation in radians (ignored for circles).
        size: (height, width) of the mask.
    """
    h, w = size
    mask = np.zeros((h, w), np.uint8)
    cx, cy = center
    if shape == 'circle':
        cv2.circle(mask, (int(round(cx)), int(round(cy))), int(round(radius)), 1, -1)
        return mask
    if shape == 'star':
        k = np.arange(10)
        r = np.where(k % 2 == 0, radius, 0.45 * radius)
        theta = angle + k * np.pi / 5
    else:
        n = _NUM_VERTICES[shape]
        r = np.full(n, radius)
        theta = angle + np.arange(n) * 2 * np.pi / n
    pts = np.stack([cx + r * np.cos(theta), cy + r * np.sin(theta)], 1)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask


def gradient_background(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A muted two-colour gradient in a random direction (float32 RGB, ``size`` = (h, w))."""
    h, w = size
    c0, c1 = rng.uniform(70, 170, (2, 3))
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1) / 2
    return (c0 * (1 - t[..., None]) + c1 * t[..., None]).astype(np.float32)


def jitter(rng: np.random.Generator, colour: Sequence[float], amount: float) -> np.ndarray:
    """``colour`` (RGB) with each channel moved by up to ``amount``, clipped to [0, 255]."""
    return np.clip(np.asarray(colour, np.float32) + rng.uniform(-amount, amount, 3), 0, 255)


def add_noise(rng: np.random.Generator, img: np.ndarray, noise: float) -> np.ndarray:
    """``img`` plus per-pixel Gaussian noise of standard deviation ``noise``, as ``uint8``."""
    return np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)

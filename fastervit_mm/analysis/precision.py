# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Inputs and a classifier for measuring reduced-precision error without a trained checkpoint.

Top-1 agreement between bfloat16 and float32 says something only for a classifier whose logits
have the margins of a trained one: a randomly initialised model gives near-uniform logits, whose
argmax flips at the slightest rounding. Where no trained weights are at hand, :func:`fit_head`
trains the linear head of a classifier (the backbone untouched) on :func:`synthetic_classes`, a
data set of random images whose class is a random low-frequency pattern, so that the head makes
decisions with learned margins; the agreement is then measured on held-out images of the same
classes. This is a stand-in for a trained model, and is reported as such.
"""

from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def synthetic_classes(
    n: int,
    num_classes: int,
    size: Tuple[int, int],
    seed: int = 0,
    pattern_seed: int = 0,
    amplitude: float = 1.0,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """``n`` images of ``size`` and their labels: class ``c`` is a random 3 x 4 x 4 pattern
    (drawn with ``pattern_seed``, so train and test sets share it) upsampled to ``size``, times
    ``amplitude``, plus standard normal noise (drawn with ``seed``). Labels cycle over classes.

    Returns:
        tuple: images ``(n, 3, H, W)`` float32 and labels ``(n, )`` int64.
    """
    patterns = torch.randn(
        num_classes, 3, 4, 4, generator=torch.Generator().manual_seed(pattern_seed)
    )
    patterns = F.interpolate(patterns, size=tuple(size), mode='bilinear', align_corners=False)
    labels = torch.arange(n) % num_classes
    noise = torch.randn(n, 3, *size, generator=torch.Generator().manual_seed(seed))
    return amplitude * patterns[labels] + noise, labels


def batches(x: torch.Tensor, batch: int) -> List[torch.Tensor]:
    """``x`` split into contiguous batches along the first axis."""
    return [x[i : i + batch].contiguous() for i in range(0, len(x), batch)]


@torch.no_grad()
def pooled_features(classifier: nn.Module, images: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """``pool(backbone(x)[-1]).flatten(1)`` of a :class:`~.classifier.Classifier`, in float32."""
    classifier.eval()
    return torch.cat(
        [classifier.pool(classifier.backbone(x)[-1]).flatten(1) for x in batches(images, batch)]
    )


def fit_head(
    classifier: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int = 300,
    lr: float = 1e-2,
    batch: int = 32,
) -> float:
    """Train ``classifier.head`` (a linear layer) by full-batch Adam on cross-entropy over the
    pooled features of ``images``; the backbone is not changed.

    Returns:
        float: the accuracy of the head on these images after training.
    """
    features = pooled_features(classifier, images, batch)
    head = classifier.head
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    with torch.enable_grad():
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(head(features), labels).backward()
            opt.step()
    with torch.no_grad():
        return (head(features).argmax(1) == labels).float().mean().item()

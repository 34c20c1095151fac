# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The published classification model on a backbone, for timing and counting."""

import torch
import torch.nn as nn


class Classifier(nn.Module):
    """``head(avgpool(features))`` on the last map of a backbone that returns a tuple of maps: the
    published FasterViT classifier when the backbone is ``FasterViT(out_indices=(3, ))`` (whose
    ``norm3`` is the published final norm), so timing it does the reference's work.

    Args:
        backbone: A module returning a tuple of NCHW maps, with ``out_channels``.
        num_classes: Outputs of the linear head. Defaults to 1000.
    """

    def __init__(self, backbone: nn.Module, num_classes: int = 1000) -> None:
        super().__init__()
        self.backbone = backbone
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(backbone.out_channels[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.backbone(x)[-1]).flatten(1))

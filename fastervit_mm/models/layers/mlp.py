# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Transformer feed-forward network."""

from typing import Optional

import torch.nn as nn
from torch import Tensor

from .inplace import GELU


class Mlp(nn.Module):
    """Linear -> GELU (erf) -> Dropout -> Linear -> Dropout.

    Args:
        in_features (int): Input and output channels.
        hidden_features (int, optional): Hidden channels. Defaults to ``in_features``.
        drop (float): Dropout after the activation and after ``fc2``. Defaults to 0.
    """

    def __init__(self, in_features: int, hidden_features: Optional[int] = None, drop: float = 0.0):
        super().__init__()
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = GELU(inplace=True)
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop = nn.Dropout(drop) if drop > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(self.act(self.fc1(x)))
        return self.drop(self.fc2(x))

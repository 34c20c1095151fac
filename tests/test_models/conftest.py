# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What the backbone and layer tests share: a small architecture."""

#: A small FasterViT with carrier tokens in both transformer stages (fast on CPU).
TINY_ARCH = dict(
    dim=16,
    in_dim=8,
    depths=[1, 1, 2, 2],
    num_heads=[1, 2, 4, 8],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, True],
)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .fastervit import FasterViT, fastervit
from .swin_hat import SwinHAT

__all__ = ['FasterViT', 'SwinHAT', 'fastervit']

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .fastervit import FasterViT, convert_official_keys, convert_official_state_dict, fastervit
from .swin_hat import SwinHAT

__all__ = [
    'FasterViT', 'SwinHAT', 'convert_official_keys', 'convert_official_state_dict', 'fastervit'
]

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .channel_check import ChannelCheckHook, check_channels
from .rng_state import RNGStateHook, get_rng_state, set_rng_state
from .seg_num_class_check import SegNumClassCheckHook, check_seg_num_classes

__all__ = [
    'ChannelCheckHook',
    'check_channels',
    'RNGStateHook',
    'get_rng_state',
    'set_rng_state',
    'SegNumClassCheckHook',
    'check_seg_num_classes',
]

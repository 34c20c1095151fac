# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .channel_check import ChannelCheckHook, check_channels
from .seg_num_class_check import SegNumClassCheckHook, check_seg_num_classes

__all__ = ['ChannelCheckHook', 'check_channels', 'SegNumClassCheckHook', 'check_seg_num_classes']

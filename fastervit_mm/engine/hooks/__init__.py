# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .channel_check import ChannelCheckHook, check_channels

__all__ = ['ChannelCheckHook', 'check_channels']

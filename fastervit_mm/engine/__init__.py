# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Training-side components: optimizer-wrapper constructors, hooks and the distributed start-up.

Importing this package registers them in ``fastervit_mm.registry`` (configs refer to them as
``fastervit_mm.LayerDecayOptimWrapperConstructor``, ``fastervit_mm.ChannelCheckHook``,
``fastervit_mm.RNGStateHook``, ``fastervit_mm.AtomicCheckpointHook``).
"""

from .checkpoint import AtomicCheckpointHook, AtomicLocalBackend
from .dist import init_cpu_dist, replace_sync_bn, setup_distributed
from .hooks import ChannelCheckHook, RNGStateHook, check_channels
from .optimizers import LayerDecayOptimWrapperConstructor

__all__ = [
    'AtomicCheckpointHook',
    'AtomicLocalBackend',
    'ChannelCheckHook',
    'LayerDecayOptimWrapperConstructor',
    'RNGStateHook',
    'check_channels',
    'init_cpu_dist',
    'replace_sync_bn',
    'setup_distributed',
]

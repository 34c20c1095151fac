# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .layer_decay import LayerDecayOptimWrapperConstructor

__all__ = ['LayerDecayOptimWrapperConstructor']

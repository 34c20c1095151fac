# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""fastervit_mm: FasterViT (ICLR 2024) backbones and Hierarchical Attention for OpenMMLab."""
from .compat import apply_all as _apply_compat
from .version import __version__, version_info

_apply_compat()

__all__ = ['__version__', 'version_info']

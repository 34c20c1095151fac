# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""fastervit_mm: FasterViT (ICLR 2024) backbones and Hierarchical Attention for OpenMMLab.

Importing it checks the torch version (:func:`fastervit_mm.compat.check_torch_version`) and makes
the two process-wide checkpoint-loading changes that
:func:`fastervit_mm.checkpoint.patch_checkpoint_loading` lists; nothing else is patched.
"""

from .compat import check_torch_version as _check_torch_version

_check_torch_version()

from .checkpoint import patch_checkpoint_loading as _patch_checkpoint_loading  # noqa: E402
from .version import __version__, version_info  # noqa: E402

_patch_checkpoint_loading()

__all__ = ['__version__', 'version_info']

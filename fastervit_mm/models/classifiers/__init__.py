# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Classification models on top of mmpretrain (only registered when mmpretrain is installed)."""

try:
    import mmpretrain.models  # noqa: F401  (needs a working torchvision)
except ImportError:  # pragma: no cover - detection / segmentation-only installs
    __all__ = []
else:
    from .image import FasterViTClassifier, official_to_classifier_keys

    __all__ = ['FasterViTClassifier', 'official_to_classifier_keys']

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""mmpretrain's ``ImageClassifier`` that also reads the published FasterViT checkpoints."""

from mmpretrain.models import ImageClassifier

from fastervit_mm.checkpoint.published import published_to_classifier
from fastervit_mm.compat import register_load_state_dict_pre_hook
from fastervit_mm.registry import MODELS


def official_to_classifier_keys(module, state_dict, prefix, *args) -> None:
    """Load-state-dict pre-hook: a published classifier's keys -> ``backbone.*`` / ``head.fc.*``
    (:func:`fastervit_mm.checkpoint.published_to_classifier`); other layouts pass unchanged."""
    published_to_classifier(state_dict, prefix)


@MODELS.register_module()
class FasterViTClassifier(ImageClassifier):
    """An mmpretrain ``ImageClassifier`` that loads published FasterViT weights as they are.

    Identical to ``ImageClassifier`` (same arguments, same ``backbone.* / neck.* / head.*`` state
    dict), plus a load-state-dict pre-hook (:func:`official_to_classifier_keys`) so that the
    published ``fastervit_*.pth.tar`` files load through every path that loads a state dict:
    ``load_from``, ``tools/test.py CONFIG CHECKPOINT``, ``mim test ... --checkpoint``,
    ``init_cfg=dict(type='Pretrained', ...)``. Use it with a ``fastervit_mm.FasterViT`` backbone
    with ``out_indices=(3,)`` (whose ``norm3`` takes the published final norm), a
    ``GlobalAveragePooling`` neck and a ``LinearClsHead``, which together compute the published
    ``head(avgpool(norm(x)))``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        register_load_state_dict_pre_hook(self, official_to_classifier_keys)

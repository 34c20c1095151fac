# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""mmpretrain's ``ImageClassifier`` that also reads the published FasterViT checkpoints."""
from typing import Dict

from mmpretrain.models import ImageClassifier

from fastervit_mm.registry import MODELS
from ..backbones.fastervit import convert_official_state_dict

#: First key components of the published classification model (timm layout).
_OFFICIAL_ROOTS = ('patch_embed', 'levels', 'norm', 'head')


def official_to_classifier_keys(state_dict: Dict, prefix: str = '', *args) -> None:
    """Load-state-dict pre-hook: published layout -> ``backbone.*`` / ``head.fc.*``, in place.

    A state dict is taken to be in the published layout when it has ``levels.*`` keys under
    ``prefix`` and no ``backbone.*`` key; anything else (e.g. a checkpoint written by mmpretrain)
    passes unchanged. The conversion is
    :func:`~fastervit_mm.models.backbones.fastervit.convert_official_state_dict`: the final
    ``norm`` becomes the backbone's ``norm3``, ``head`` the ``LinearClsHead``'s ``fc``, and the
    position-bias caches and the aliased carrier-initialiser conv are dropped.
    """
    names = [k[len(prefix):] for k in state_dict if k.startswith(prefix)]
    if not any(n.startswith('levels.') for n in names) or any(
            n.startswith('backbone.') for n in names):
        return
    official = {n: state_dict.pop(prefix + n) for n in names
                if n.split('.', 1)[0] in _OFFICIAL_ROOTS}
    for name, value in convert_official_state_dict(official).items():
        state_dict[prefix + name] = value


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
        self._register_load_state_dict_pre_hook(official_to_classifier_keys)

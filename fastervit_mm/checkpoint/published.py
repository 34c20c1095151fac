# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""The published FasterViT checkpoint layout and this package's, in both directions.

The published classification model (a timm model, ``fastervit_*.pth.tar``) differs from
:class:`~fastervit_mm.models.FasterViT` in five ways, all handled here:

* **stale caches**: every position-bias module stored its geometry caches
  (:data:`STALE_CACHE_KEYS`); this package recomputes them for the input at hand, so they are
  dropped;
* **an alias**: the carrier-token initialiser registered its conv twice, as
  ``global_tokenizer.pos_embed`` and ``global_tokenizer.to_global_feature.pos``; the alias fills
  ``pos_embed`` when only the alias is given and is dropped otherwise;
* **the final norm** ``norm`` is the backbone's output norm ``norm3`` (dropped when the backbone
  does not return stage 3);
* **the classifier** ``head`` is not part of a backbone (dropped by :func:`published_to_backbone`);
* **whole-model layout**: an mmpretrain classifier holds ``backbone.*`` and ``head.fc.*``
  (:func:`published_to_classifier`).

:func:`published_to_backbone` is the one mapping; the backbone's load-state-dict pre-hook, the
classifier's and the offline converter (:func:`convert_official_state_dict`) all apply it.
:func:`to_published_layout` is the reverse, to load this package's weights into the published
model (``tools/analysis/benchmark_backbone.py --implementation published``).

Only torch-free dict manipulation: importable without mmengine and without the models.
"""

import re
from typing import Any, Dict, Mapping, MutableMapping, Optional

__all__ = [
    'STALE_CACHE_KEYS',
    'TOKENIZER_ALIAS',
    'published_to_backbone',
    'is_published_layout',
    'published_to_classifier',
    'convert_official_state_dict',
    'to_published_layout',
    'describe_fastervit_weights',
]

#: Last key components of the published model's geometry caches (recomputed, never loaded).
STALE_CACHE_KEYS = ('relative_bias', 'relative_coords_table', 'relative_position_index')
#: (published alias, this package's name) of the carrier-token initialiser's conv.
TOKENIZER_ALIAS = ('.to_global_feature.pos.', '.pos_embed.')
#: First key components of the published classification model.
_PUBLISHED_ROOTS = ('patch_embed', 'levels', 'norm', 'head')


def published_to_backbone(
    state_dict: MutableMapping[str, Any], prefix: str = '', keep_norm: bool = True
) -> MutableMapping[str, Any]:
    """Map, in place, the published keys under ``prefix`` to a FasterViT backbone's.

    Drops the position-bias caches and ``head.*``; the initialiser alias fills ``pos_embed``
    where that is absent; ``norm.*`` becomes ``norm3.*`` (dropped if ``keep_norm`` is False).
    Keys already in this package's layout pass unchanged, so applying it twice is harmless.

    Args:
        state_dict (MutableMapping): The state dict being loaded (changed in place).
        prefix (str): Where the backbone's keys start, e.g. ``'backbone.'``. Defaults to ''.
        keep_norm (bool): Whether the backbone has ``norm3`` (returns stage 3). Defaults to True.

    Returns:
        MutableMapping: ``state_dict``.
    """
    alias, name = TOKENIZER_ALIAS
    for key in [k for k in state_dict if k.startswith(prefix)]:
        rest = key[len(prefix) :]
        if rest.rsplit('.', 1)[-1] in STALE_CACHE_KEYS or rest.startswith('head.'):
            state_dict.pop(key)
        elif alias in key:
            value = state_dict.pop(key)
            state_dict.setdefault(key.replace(alias, name), value)
        elif rest.startswith('norm.'):
            value = state_dict.pop(key)
            if keep_norm:
                state_dict.setdefault(f'{prefix}norm3.{rest[len("norm.") :]}', value)
    return state_dict


def is_published_layout(state_dict: Mapping[str, Any], prefix: str = '') -> bool:
    """Whether the keys under ``prefix`` are a published classifier's (``levels.*`` at the top,
    no ``backbone.*``) rather than an mmpretrain classifier's."""
    names = [k[len(prefix) :] for k in state_dict if k.startswith(prefix)]
    return any(n.startswith('levels.') for n in names) and not any(
        n.startswith('backbone.') for n in names
    )


def published_to_classifier(
    state_dict: MutableMapping[str, Any], prefix: str = ''
) -> MutableMapping[str, Any]:
    """Move, in place, a published classifier's keys under ``prefix`` to an mmpretrain
    ``ImageClassifier``'s: ``backbone.*`` and the ``LinearClsHead``'s ``head.fc.*``.

    Does nothing unless :func:`is_published_layout`. The backbone's names are mapped by
    :func:`published_to_backbone` (here, so that the result is complete on its own; the
    backbone's pre-hook then finds nothing left to map).

    Returns:
        MutableMapping: ``state_dict``.
    """
    if not is_published_layout(state_dict, prefix):
        return state_dict
    for key in [k for k in state_dict if k.startswith(prefix)]:
        rest = key[len(prefix) :]
        if rest.split('.', 1)[0] not in _PUBLISHED_ROOTS:
            continue
        target = (
            f'head.fc.{rest[len("head.") :]}' if rest.startswith('head.') else f'backbone.{rest}'
        )
        state_dict[prefix + target] = state_dict.pop(key)
    return published_to_backbone(state_dict, prefix + 'backbone.')


def convert_official_state_dict(
    state_dict: Mapping[str, Any], backbone_only: bool = False
) -> Dict[str, Any]:
    """Convert published FasterViT weights offline to this package's names (a new dict).

    Loading does not need this (the pre-hooks map on the fly); it writes a clean file.
    ``module.`` prefixes are stripped. With ``backbone_only`` the classifier is dropped and the
    keys are the backbone's own; otherwise they are those of an mmpretrain ``ImageClassifier``
    (``backbone.*`` plus ``head.fc.*`` of a ``LinearClsHead``).

    Args:
        state_dict (Mapping): Published weights, or a checkpoint holding them under
            ``state_dict`` or ``model``.
        backbone_only (bool): Keep only the backbone. Defaults to False.

    Returns:
        dict: The converted state dict.
    """
    for key in ('state_dict', 'model'):
        if isinstance(state_dict.get(key), Mapping):
            state_dict = state_dict[key]
    sd = {(k[len('module.') :] if k.startswith('module.') else k): v for k, v in state_dict.items()}
    if backbone_only:
        return published_to_backbone(sd)
    return published_to_classifier(sd)


def to_published_layout(state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """The reverse: this package's weights (a backbone's or a classifier's) under the published
    names, for loading into the published model.

    ``backbone.`` is stripped, ``norm3`` becomes ``norm``, ``head.fc`` becomes ``head``, and the
    carrier initialiser's conv is also stored under its alias. Output norms the published model
    does not have (``norm0``-``norm2``) pass through; load with ``strict=False`` or filter them.
    """
    alias, name = TOKENIZER_ALIAS
    out = {}
    for key, value in state_dict.items():
        key = key[len('backbone.') :] if key.startswith('backbone.') else key
        if key.startswith('norm3.'):
            key = 'norm.' + key[len('norm3.') :]
        elif key.startswith('head.fc.'):
            key = 'head.' + key[len('head.fc.') :]
        out[key] = value
        if '.global_tokenizer' + name in key:
            out[key.replace(name, alias)] = value
    return out


def describe_fastervit_weights(
    state_dict: Mapping[str, Any], arch_zoo: Optional[Mapping[str, Mapping]] = None
) -> str:
    """'the weights look like dim=.., in_dim=.., depths=[..] (<variant>)' for FasterViT weights
    (either layout, no prefix), or '' for anything else.

    Args:
        state_dict (Mapping): Weights.
        arch_zoo (Mapping, optional): Variant name -> arch dict (``FasterViT.arch_zoo``) to name
            the matching published variants. Defaults to None.
    """
    try:
        in_dim = state_dict['patch_embed.conv_down.0.weight'].shape[0]
        dim = state_dict['patch_embed.conv_down.3.weight'].shape[0]
    except (KeyError, AttributeError, IndexError):
        return ''
    depths = []
    for i in range(4):
        blocks = {
            int(m.group(1))
            for k in state_dict
            for m in [re.match(rf'levels\.{i}\.blocks\.(\d+)\.', k)]
            if m
        }
        depths.append(max(blocks) + 1 if blocks else 0)
    text = f'the weights look like dim={dim}, in_dim={in_dim}, depths={depths}'
    names = [
        n
        for n, a in (arch_zoo or {}).items()
        if (a['dim'], a['in_dim'], list(a['depths'])) == (dim, in_dim, depths)
    ]
    if names:
        text += f' ({" / ".join(names[:3])})'
    return text

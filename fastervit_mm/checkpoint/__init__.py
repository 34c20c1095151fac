# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Everything about checkpoint files, in one place.

* :mod:`.published` - the published FasterViT layout and ours, in both directions: stale
  position-bias caches dropped, the carrier initialiser's alias ``to_global_feature.pos`` ->
  ``pos_embed``, ``norm`` -> ``norm3``, ``head`` dropped (:func:`published_to_backbone`, the
  backbone's load pre-hook), the classifier layout ``backbone.*`` / ``head.fc.*``
  (:func:`published_to_classifier`, the classifier's pre-hook), the offline converter
  (:func:`convert_official_state_dict`) and the reverse, ours -> published
  (:func:`to_published_layout`);
* :mod:`.loading` - reading files and fitting weights with errors that name the file, the cause and
  the first mismatched keys (:func:`read_checkpoint`, :func:`load_pretrained`, ...);
* :mod:`.safe_globals` - the allow-list that lets ``torch.load(weights_only=True)`` read mmengine
  training checkpoints and published files (:func:`allow_checkpoint_globals`);
* :mod:`.saving` - atomic writes (:func:`atomic_write`), used by the
  ``fastervit_mm.AtomicCheckpointHook`` of :mod:`fastervit_mm.engine.checkpoint`.

Importing this package changes nothing outside it. ``import fastervit_mm`` calls
:func:`patch_checkpoint_loading`, which makes exactly two process-wide changes:

1. on torch >= 2.6, :func:`torch.serialization.add_safe_globals` with
   :func:`~.safe_globals.checkpoint_safe_globals` (``HistoryBuffer``, ``argparse.Namespace``,
   numpy arrays, scalars and dtypes, and restricted ``getattr`` / ``bytes``);
2. mmengine's ``CheckpointLoader`` scheme for local paths (prefix ``''``) becomes
   :func:`~.loading.read_checkpoint`, which loads valid files exactly as before and names the
   file and the cause when one cannot be read (skipped if ``mmengine.runner`` cannot be imported,
   e.g. without OpenCV).
"""

from .loading import (
    CheckpointLoadError,
    StateDictReport,
    apply_load_pre_hooks,
    check_state_dict,
    extract_state_dict,
    load_pretrained,
    read_checkpoint,
    register_checkpoint_diagnostics,
    strip_wrapper_prefixes,
)
from .published import (
    STALE_CACHE_KEYS,
    TOKENIZER_ALIAS,
    convert_official_state_dict,
    is_published_layout,
    published_to_backbone,
    published_to_classifier,
    to_published_layout,
)
from .safe_globals import allow_checkpoint_globals, checkpoint_safe_globals
from .saving import TMP_MARK, atomic_write, remove_stale_temporaries

__all__ = [
    'CheckpointLoadError',
    'StateDictReport',
    'apply_load_pre_hooks',
    'check_state_dict',
    'extract_state_dict',
    'load_pretrained',
    'read_checkpoint',
    'register_checkpoint_diagnostics',
    'strip_wrapper_prefixes',
    'STALE_CACHE_KEYS',
    'TOKENIZER_ALIAS',
    'convert_official_state_dict',
    'is_published_layout',
    'published_to_backbone',
    'published_to_classifier',
    'to_published_layout',
    'allow_checkpoint_globals',
    'checkpoint_safe_globals',
    'TMP_MARK',
    'atomic_write',
    'remove_stale_temporaries',
    'patch_checkpoint_loading',
]

_DIAGNOSTICS = []


def patch_checkpoint_loading() -> None:
    """Make the two process-wide changes listed in the package docstring (idempotent)."""
    allow_checkpoint_globals()
    if _DIAGNOSTICS:
        return
    try:
        register_checkpoint_diagnostics()
    except ImportError:  # mmengine.runner's own needs (e.g. cv2) missing: no runner, nothing
        return  # to diagnose; the backbone alone needs only torch and mmengine's core
    _DIAGNOSTICS.append(True)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Utilities: checkpoint loading with diagnostics (see :mod:`.checkpoint`)."""
from .checkpoint import (CheckpointLoadError, StateDictReport, check_state_dict,
                         extract_state_dict, load_pretrained, read_checkpoint,
                         register_checkpoint_diagnostics, strip_wrapper_prefixes)

__all__ = [
    'CheckpointLoadError', 'StateDictReport', 'check_state_dict', 'extract_state_dict',
    'load_pretrained', 'read_checkpoint', 'register_checkpoint_diagnostics',
    'strip_wrapper_prefixes'
]

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Models of fastervit_mm; importing this package registers them in ``fastervit_mm.registry``."""

from .backbones import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Registries of fastervit_mm.

Every registry here is a child of the corresponding mmengine root with the scope ``fastervit_mm``
and a ``locations`` list, so a config running under any host scope (``mmdet``, ``mmseg``,
``mmpretrain``) can say ``type='fastervit_mm.FasterViT'`` without importing anything: mmengine
imports ``fastervit_mm.registry`` from the prefix and then the modules named in ``locations``.
"""

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

__all__ = ['MODELS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'HOOKS', 'DATASETS', 'TRANSFORMS']


def _child(name: str, parent: Registry, package: str) -> Registry:
    """A registry under ``parent`` in the ``fastervit_mm`` scope that imports ``package``."""
    return Registry(name, parent=parent, scope='fastervit_mm', locations=[package])


#: Backbones, layers (``FasterViT``, ``HAT``, ``SwinHAT``) and other nn.Modules.
MODELS = _child('model', MMENGINE_MODELS, 'fastervit_mm.models')
#: Optimizer-wrapper constructors (layer-wise learning-rate decay).
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    'optimizer wrapper constructor', MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'fastervit_mm.engine'
)
#: Runner hooks.
HOOKS = _child('hook', MMENGINE_HOOKS, 'fastervit_mm.engine')
#: Datasets (the embedded synthetic defaults and their checks).
DATASETS = _child('dataset', MMENGINE_DATASETS, 'fastervit_mm.datasets')
#: Data transforms.
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'fastervit_mm.datasets')

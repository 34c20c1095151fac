# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Reuse, in inference, of constants a module derives from its own weights.

Two such constants exist in FasterViT: convolutions with the following BatchNorm folded in, and
the position terms the small MLPs compute for a grid geometry. Both are pure functions of the
weights, so they can be computed once and reused while the weights do not change. The rule here is
deliberately simple, so that its correctness can be checked by reading :class:`InferenceCache`:

* a value is reused only in inference: eval mode, autograd off, not being traced or compiled (a
  graph must hold the computation, not a value frozen at the example size);
* every cached value is dropped at the moments weights change in a normal workflow: any
  ``train()`` / ``eval()`` call (mmengine's EMA hook swaps weights *before* the loops call
  ``model.eval()``; training steps happen between ``train()`` and ``eval()``), ``load_state_dict``
  and moves (``to``, ``half``, ...);
* in deploy mode (:meth:`InferenceCache.switch_to_deploy`) values are also reused in training, in
  traced graphs (as constants) and across ``train()``/``eval()``: they are frozen until the next
  ``load_state_dict`` or move.

Weights changed by hand in eval mode (e.g. ``p.data.copy_(...)``) are seen after the next
``eval()`` call or :meth:`InferenceCache.clear_inference_cache`.
"""

from typing import Callable, Hashable

import torch
import torch.nn as nn
from torch import Tensor

from fastervit_mm.compat import is_compiling, register_load_state_dict_pre_hook


class InferenceCache(nn.Module):
    """Base of modules that reuse values derived from their weights; see the module docstring.

    A subclass computes such a value through ``self.cached(key, fn)``; ``fn()`` is the reference
    computation and runs whenever the cache does not apply.
    """

    #: Values kept per module (e.g. geometries of a multi-scale test); beyond it the cache restarts.
    max_cached = 16
    #: Whether values are also reused in training and across ``train()``/``eval()``.
    deploy = False

    def __init__(self) -> None:
        super().__init__()
        self._inference_cache = {}
        register_load_state_dict_pre_hook(self, lambda m, *args: m.clear_inference_cache())

    def cache_applies(self) -> bool:
        """Whether this forward may reuse cached values."""
        if is_compiling():
            return False
        if self.deploy:
            return True
        return not (self.training or torch.is_grad_enabled() or torch.jit.is_tracing())

    def cached(self, key: Hashable, fn: Callable[[], Tensor]):
        """``fn()``, computed once per ``key`` while :meth:`cache_applies`."""
        if not self.cache_applies():
            return fn()
        value = self._inference_cache.get(key)
        if value is None:
            if len(self._inference_cache) >= self.max_cached:
                self._inference_cache.clear()
            # plain tensors (not inference tensors), usable by a later training forward
            with torch.inference_mode(False), torch.no_grad():
                value = self._inference_cache[key] = fn()
        return value

    def clear_inference_cache(self) -> None:
        """Drop every cached value (they are recomputed on demand)."""
        self._inference_cache.clear()

    def switch_to_deploy(self) -> None:
        """Reuse values also in training and across mode switches (until loading or a move)."""
        self.deploy = True
        self.clear_inference_cache()

    def train(self, mode: bool = True) -> 'InferenceCache':
        if not self.deploy:
            self.clear_inference_cache()
        return super().train(mode)

    def _apply(self, *args, **kwargs):
        self.clear_inference_cache()
        return super()._apply(*args, **kwargs)

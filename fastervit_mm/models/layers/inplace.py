# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Element-wise steps done in place on fresh intermediates when autograd records nothing.

In inference an MLP's hidden activation and a residual branch's output are temporaries that
nothing else holds. GELU and the residual sum can then overwrite them: one pass over memory that
is still in cache, instead of a read there and a write to a newly allocated buffer. The inputs of
a module are never written. While autograd records (training), the out-of-place forms run, so
gradients are untouched. Results are bit-identical either way (IEEE addition commutes).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


def _no_graph(*tensors: Tensor) -> bool:
    return not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors))


def gelu_(x: Tensor) -> Tensor:
    """Exact (erf) GELU of ``x``, a temporary the caller owns; in place when nothing records."""
    return torch.ops.aten.gelu_(x) if _no_graph(x) else F.gelu(x)


def add_residual(x: Tensor, branch: Tensor) -> Tensor:
    """``x + branch``, written into ``branch`` (a temporary the caller owns) when possible.

    Falls back to ``x + branch`` while autograd records, and whenever the in-place sum would differ
    from it (type promotion under autocast, broadcasting).
    """
    if _no_graph(x, branch) and branch.dtype == x.dtype and branch.shape == x.shape:
        return branch.add_(x)
    return x + branch


class GELU(nn.GELU):
    """Exact (erf) GELU; with ``inplace`` it overwrites its input when autograd records nothing.

    Like ``nn.ReLU(inplace=True)``, for inputs that are temporaries of the caller (a conv or linear
    output). Has no parameters, so it stands where the published model has ``nn.GELU``.

    Args:
        inplace (bool): Use :func:`gelu_`. Defaults to False.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return gelu_(x) if self.inplace else F.gelu(x)

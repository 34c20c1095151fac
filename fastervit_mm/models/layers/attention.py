# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Multi-head self-attention with an additive position bias.

The reference math is :meth:`WindowAttention.attention_math` (``softmax(q k^T * scale + bias) v``);
PyTorch's fused ``scaled_dot_product_attention`` computes the same and is the default kernel. Which
one runs is chosen per instance by ``fused_attn`` (as timm's attention modules do):

* ``True``: always SDPA; ``False``: always the reference math;
* ``None`` (default): SDPA, except in eager CPU inference on short sequences (at most
  :attr:`WindowAttention.short_cpu_tokens`, e.g. FasterViT's 7x7 windows plus their carrier
  tokens) with a shared 3-D bias. PyTorch's CPU flash kernel splits such sequences into 32-row
  blocks of tiny GEMMs; one batched ``matmul -> softmax -> matmul`` over all windows and heads is
  faster there. Traced, exported and compiled graphs always get SDPA, so that counters and
  runtimes see the attention as one operation.
"""

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from fastervit_mm.compat import is_compiling

from .inplace import _no_graph
from .pos_embed import ContinuousPositionBias


class WindowAttention(nn.Module):
    """Multi-head self-attention over a token sequence with a continuous position bias.

    The bias is not computed here: the caller evaluates ``pos_emb_funct`` once per geometry and
    passes the (heads, N, N) result to :meth:`forward`, where it becomes the SDPA ``attn_mask``.

    Args:
        dim (int): Channels.
        num_heads (int): Heads; ``dim`` must be divisible by it.
        qkv_bias (bool): Bias in the qkv projection. Defaults to True.
        qk_scale (float, optional): Logit scale. Defaults to ``head_dim ** -0.5``.
        attn_drop (float): Dropout on the attention weights. Defaults to 0.
        proj_drop (float): Dropout after the output projection. Defaults to 0.
        fused_attn (bool, optional): Kernel choice, see the module docstring. Defaults to None.
    """

    #: Longest sequence that ``fused_attn=None`` runs with the reference math in CPU inference.
    short_cpu_tokens = 64

    def __init__(
        self,
        dim: int,
        num_heads: int,
        qkv_bias: bool = True,
        qk_scale: Optional[float] = None,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        fused_attn: Optional[bool] = None,
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = qk_scale or self.head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.attn_drop = attn_drop
        self.proj_drop = nn.Dropout(proj_drop) if proj_drop > 0 else nn.Identity()
        self.pos_emb_funct = ContinuousPositionBias(num_heads)
        self.fused_attn = fused_attn

    def forward(self, x: Tensor, bias: Optional[Tensor] = None) -> Tensor:
        """x: (B', N, C) with B' = batch * windows.

        bias: (heads, N, N) shared by all sequences, or (nW, heads, N, N) for the nW windows of
        each image (e.g. a shifted-window mask folded in), or None.
        """
        B, N, C = x.shape
        qkv = self.qkv(x).view(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        if self._use_sdpa(x, bias):
            x = self._sdpa(*qkv.unbind(0), bias)
        else:
            x = self.attention_math(*qkv.contiguous().unbind(0), bias)
        x = x.transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))

    def _use_sdpa(self, x: Tensor, bias: Optional[Tensor]) -> bool:
        if self.fused_attn is not None:
            return self.fused_attn
        short_cpu_inference = (
            x.shape[1] <= self.short_cpu_tokens
            and x.device.type == 'cpu'
            and bias is not None
            and bias.dim() == 3
            and _no_graph(x)
        )
        return not short_cpu_inference or torch.jit.is_tracing() or is_compiling()

    def attention_math(self, q: Tensor, k: Tensor, v: Tensor, bias: Optional[Tensor]) -> Tensor:
        """The reference: ``softmax(q k^T * scale + bias) v`` on (B', heads, N, head_dim) inputs.

        ``bias`` is (heads, N, N), or (nW, heads, N, N) for the nW windows of each image.
        """
        attn = torch.matmul(q, k.transpose(-2, -1)).mul_(self.scale)  # a fresh temporary
        if bias is not None and bias.dim() == 4:
            attn = (attn.view(-1, *bias.shape) + bias.to(q.dtype)).view(attn.shape)
        elif bias is not None:
            attn = attn.add_(bias.to(q.dtype))
        attn = F.dropout(torch.softmax(attn, -1), self.attn_drop, self.training)
        return torch.matmul(attn, v)

    def _sdpa(self, q: Tensor, k: Tensor, v: Tensor, bias: Optional[Tensor]) -> Tensor:
        if bias is not None:
            bias = bias.to(q.dtype)
            if bias.dim() == 3:  # a 4-D mask lets SDPA pick its fused CPU kernel (3-D: math path)
                bias = bias.unsqueeze(0)
            elif bias.shape[0] > 1:
                q, k, v = (t.view(-1, bias.shape[0], *t.shape[1:]) for t in (q, k, v))
        x = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=bias,
            dropout_p=self.attn_drop if self.training else 0.0,
            scale=self.scale,
        )
        return x.view(-1, *x.shape[-3:])

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Multi-head self-attention with an additive position bias, on PyTorch's fused SDPA.

One measured exception: CPU inference on short sequences (at most :data:`CPU_MATMUL_MAX_TOKENS`
tokens, e.g. FasterViT's 7x7 windows plus their carrier tokens). PyTorch's CPU flash kernel
splits such sequences into 32-row blocks and runs two tiny GEMMs per block and head; one batched
``matmul -> + bias -> softmax -> matmul`` over all windows and heads is faster there (FasterViT-0
whole model, 2 threads: 1.02-1.05x at 224² batch 8, 1.04x at 512², 1.03x at 800x1344; outputs
within 1e-6). GPUs, training and longer sequences keep SDPA.
"""
import contextlib
from typing import Iterator, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .inplace import _no_graph
from .pos_embed import ContinuousPositionBias

#: Longest sequence that CPU inference runs as explicit batched matmuls (0: always SDPA).
CPU_MATMUL_MAX_TOKENS = 64


@contextlib.contextmanager
def always_sdpa() -> Iterator[None]:
    """Run every attention through SDPA inside the block (e.g. for operation counters that
    recognise the SDPA op)."""
    global CPU_MATMUL_MAX_TOKENS
    saved, CPU_MATMUL_MAX_TOKENS = CPU_MATMUL_MAX_TOKENS, 0
    try:
        yield
    finally:
        CPU_MATMUL_MAX_TOKENS = saved


def _short_cpu_inference(x: Tensor, bias: Optional[Tensor]) -> bool:
    return (x.shape[1] <= CPU_MATMUL_MAX_TOKENS and x.device.type == 'cpu' and bias is not None
            and bias.dim() == 3 and _no_graph(x))


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
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
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

    def forward(self, x: Tensor, bias: Optional[Tensor] = None) -> Tensor:
        """x: (B', N, C) with B' = batch * windows.

        bias: (heads, N, N) shared by all sequences, or (nW, heads, N, N) for the nW windows of
        each image (e.g. a shifted-window mask folded in), or None.
        """
        B, N, C = x.shape
        qkv = self.qkv(x).view(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        if _short_cpu_inference(x, bias):
            q, k, v = qkv.contiguous().unbind(0)
            attn = torch.matmul(q, k.transpose(-2, -1)).mul_(self.scale).add_(bias.to(q.dtype))
            x = torch.matmul(torch.softmax(attn, -1), v)
        else:
            x = self._sdpa(*qkv.unbind(0), bias)
        x = x.transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))

    def _sdpa(self, q: Tensor, k: Tensor, v: Tensor, bias: Optional[Tensor]) -> Tensor:
        if bias is not None:
            bias = bias.to(q.dtype)
            if bias.dim() == 3:  # a 4-D mask lets SDPA pick its fused CPU kernel (3-D: math path)
                bias = bias.unsqueeze(0)
            elif bias.shape[0] > 1:
                q, k, v = (t.view(-1, bias.shape[0], *t.shape[1:]) for t in (q, k, v))
        x = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=self.attn_drop if self.training else 0.,
            scale=self.scale)
        return x.view(-1, *x.shape[-3:])

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Multi-head self-attention with an additive position bias, on PyTorch's fused SDPA."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

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
        q, k, v = qkv.unbind(0)
        if bias is not None:
            bias = bias.to(q.dtype)
            if bias.dim() == 3:  # a 4-D mask lets SDPA pick its fused CPU kernel (3-D: math path)
                bias = bias.unsqueeze(0)
            elif bias.shape[0] > 1:
                q, k, v = (t.view(-1, bias.shape[0], *t.shape[1:]) for t in (q, k, v))
        x = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=self.attn_drop if self.training else 0.,
            scale=self.scale)
        x = x.view(B, self.num_heads, N, self.head_dim).transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""ONNX export of FasterViT backbones and classifiers: one file for every input size.

The eager layers decide the window grid with Python numbers, which is right for eager PyTorch
and would freeze a traced graph at the example size. :func:`export_onnx` therefore exports a
copy of the model prepared for graphs:

* BatchNorms are folded into their convolutions (:meth:`~..models.layers.conv.ConvNormChain.
  fold_batchnorms_`);
* the transformer stages, blocks and carrier-token initialisers are switched to the subclasses
  below, which compute from the run-time map size what the eager layers compute from ints:
  padding to whole windows, window and carrier grids, the carrier pooling (kernel and stride
  depend on the size: written as two matmuls with pooling matrices built from ``arange``) and
  every position term (the position MLPs run in the graph on coordinates made by ``arange``);
* a stage with a single window uses no carrier tokens. As the graph cannot branch on the size,
  carrier tokens are always computed and, when the map is one window, masked exactly: the
  windows' attention gets ``-inf`` bias on the carrier columns (so softmax gives them weight 0)
  and the propagation back onto the windows is multiplied by 0.

With ``dynamic=False`` the same graph is exported with fixed input sizes.
"""

import copy
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from fastervit_mm.compat import onnx_export
from fastervit_mm.models.backbones.base import HierarchicalBackbone
from fastervit_mm.models.backbones.fastervit import FasterViT
from fastervit_mm.models.layers.conv import ConvNormChain
from fastervit_mm.models.layers.hat import (
    HAT,
    HATStage,
    PublishedAnyResHAT,
    TokenInitializer,
    _scale,
)
from fastervit_mm.models.layers.inference_cache import InferenceCache
from fastervit_mm.models.layers.windows import WindowGrid, window_partition, window_reverse

__all__ = [
    'export_onnx',
    'prepare_for_export',
    'to_graph_form_',
    'output_names',
    'classifier_logits',
]

#: Default ONNX opset: LayerNormalization is a standard op from 17.
DEFAULT_OPSET = 17
_ANYRES_ERROR = (
    'the compatibility mode compat_anyres (published any-resolution model) does not '
    'export to ONNX: it reproduces bugs that tie the graph to one size. Build the '
    'backbone with compat_anyres=False to export.'
)


def pooling_matrix(size: Tensor, num_tokens: int, dtype: torch.dtype, device=None) -> Tensor:
    """(num_tokens, size) averaging matrix of the published carrier pooling along one axis.

    Row ``i`` averages ``[i * stride, i * stride + kernel)`` with the kernel and stride of
    :func:`~..models.layers.hat.carrier_pooling`; ``size`` and ``num_tokens`` may be 0-d tensors.
    """
    stride = size // num_tokens
    kernel = size - (num_tokens - 1) * stride
    start = torch.arange(num_tokens, device=device)[:, None] * stride
    j = torch.arange(size, device=device)[None, :]
    inside = (j >= start) & (j < start + kernel)
    return inside.to(dtype) / kernel.to(dtype)


class _GraphTokenInitializer(TokenInitializer):
    """:class:`TokenInitializer` whose pooling follows the run-time size in a graph."""

    def forward(self, x: Tensor, grid: WindowGrid) -> Tensor:
        B, C = x.shape[:2]
        x = self.pos_embed(x)
        rows = pooling_matrix(torch.as_tensor(grid.padded_height), grid.ct_rows, x.dtype, x.device)
        cols = pooling_matrix(torch.as_tensor(grid.padded_width), grid.ct_cols, x.dtype, x.device)
        x = torch.matmul(torch.matmul(rows, x), cols.transpose(0, 1))
        return window_partition(x.permute(0, 2, 3, 1), grid.ct_size).reshape(B, -1, C)


class _GraphPositions(NamedTuple):
    """:class:`~..models.layers.hat.HATPositions` plus the single-window flag of the graph."""

    window_embed: Tensor
    window_bias: Tensor
    carrier_embed: Optional[Tensor]
    carrier_bias: Optional[Tensor]
    propagation_index: Optional[Tensor]
    single_window: Tensor


class _GraphHAT(HAT):
    """:class:`HAT` with carrier tokens always computed and masked out for a single window."""

    def graph_position_terms(self, grid: WindowGrid, single_window: Tensor) -> _GraphPositions:
        pos = self.position_terms(grid)
        n_ct = self.ct_size**2
        n = pos.window_bias.shape[-1]
        carrier_column = torch.arange(n, device=single_window.device) < n_ct
        mask = torch.where(
            single_window & carrier_column,
            torch.tensor(float('-inf'), device=single_window.device),
            torch.tensor(0.0, device=single_window.device),
        )
        return _GraphPositions(
            pos.window_embed,
            pos.window_bias + mask.to(pos.window_bias.dtype),
            pos.carrier_embed,
            pos.carrier_bias,
            pos.propagation_index,
            single_window,
        )

    def _propagate(self, x: Tensor, ct_w: Tensor, pos: _GraphPositions) -> Tensor:
        gate = (~pos.single_window).to(x.dtype)
        return x + gate * _scale(self.gamma1, ct_w[:, pos.propagation_index])


class _GraphHATStage(HATStage):
    """:class:`HATStage` computing its geometry from the run-time size in a graph."""

    def forward(self, x: Tensor) -> Tensor:
        H, W = x.shape[-2:]
        w = self.window_size
        rows, cols = (H + w - 1) // w, (W + w - 1) // w
        grid = WindowGrid(H, W, w, rows, cols, self.ct_size, self.hat)
        x = nn.functional.pad(x, (0, grid.padded_width - W, 0, grid.padded_height - H))
        ct = self.global_tokenizer(x, grid) if self.hat else None
        x = window_partition(x.permute(0, 2, 3, 1), w)
        if self.hat:
            single = torch.as_tensor(rows * cols) == 1
            positions = [blk.graph_position_terms(grid, single) for blk in self.blocks]
        else:
            positions = [blk.position_terms(grid) for blk in self.blocks]
        for blk, pos in zip(self.blocks, positions):
            x, ct = blk(x, ct, pos)
        x = window_reverse(x, w, grid.rows, grid.cols)
        return x[:, :H, :W].permute(0, 3, 1, 2)


def _find_backbone(model: nn.Module) -> HierarchicalBackbone:
    if isinstance(model, HierarchicalBackbone):
        backbone = model
    elif isinstance(getattr(model, 'backbone', None), HierarchicalBackbone):
        backbone = model.backbone
    else:
        raise TypeError(
            f'export_onnx takes a FasterViT backbone or a classifier with a FasterViT '
            f'backbone (model.backbone), got {type(model).__name__}'
        )
    if not isinstance(backbone, FasterViT):
        raise TypeError(f'export_onnx supports FasterViT backbones, got {type(backbone).__name__}')
    if any(isinstance(m, PublishedAnyResHAT) for m in backbone.modules()):
        raise ValueError(_ANYRES_ERROR)
    for stage in backbone.levels:
        if isinstance(stage, HATStage) and stage.shift_size:
            raise ValueError('shifted windows (shift_size > 0) do not export to ONNX')
    return backbone


class _ClassifierLogits(nn.Module):
    """The logits of a classifier: ``model(x, mode='tensor')`` of an mmengine model (mmpretrain
    ``ImageClassifier``), else ``model(x)``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.mmengine_model = hasattr(model, 'data_preprocessor')

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x, mode='tensor') if self.mmengine_model else self.model(x)


def classifier_logits(model: nn.Module) -> nn.Module:
    """``model`` as a module mapping images to logits (identity for a backbone)."""
    return model if isinstance(model, HierarchicalBackbone) else _ClassifierLogits(model)


def to_graph_form_(model: nn.Module) -> nn.Module:
    """In place, for every FasterViT part inside ``model`` (a backbone, classifier, detector or
    segmentor in eval mode): fold the BatchNorms and switch the stages to graph form.

    Use it before any ``torch.onnx.export`` of a model holding a FasterViT backbone, e.g. before
    mmdeploy exports a whole detector; the outputs are unchanged (up to float rounding).

    Returns:
        nn.Module: ``model``.
    """
    if any(isinstance(m, PublishedAnyResHAT) for m in model.modules()):
        raise ValueError(_ANYRES_ERROR)
    for m in model.modules():
        if isinstance(m, InferenceCache):  # values frozen at one size would end in the graph
            m.deploy = False
            m.clear_inference_cache()
        if isinstance(m, ConvNormChain):
            m.fold_batchnorms_()
        if type(m) is HATStage:
            m.__class__ = _GraphHATStage
        elif type(m) is HAT:
            m.__class__ = _GraphHAT
        elif type(m) is TokenInitializer:
            m.__class__ = _GraphTokenInitializer
        if hasattr(m, 'fused_attn'):
            m.fused_attn = True  # one SDPA node per attention: runtimes fuse it
    return model


def prepare_for_export(model: nn.Module) -> nn.Module:
    """A copy of ``model`` in eval mode in graph form (:func:`to_graph_form_`), mapping images to
    the backbone's maps or the classifier's logits. ``model`` is not modified."""
    _find_backbone(model)
    return classifier_logits(to_graph_form_(copy.deepcopy(model).eval()))


def output_names(model: nn.Module) -> Tuple[str, ...]:
    """``('stage0', ...)`` per ``out_indices`` entry of a backbone, ``('logits',)`` otherwise."""
    if isinstance(model, HierarchicalBackbone):
        return tuple(f'stage{i}' for i in model.out_indices)
    return ('logits',)


def export_onnx(
    model: nn.Module,
    path: str,
    example_shape: Sequence[int] = (1, 3, 224, 224),
    dynamic: bool = True,
    opset: int = DEFAULT_OPSET,
) -> str:
    """Export a FasterViT backbone (one output per ``out_indices`` entry) or classifier (logits).

    Args:
        model (nn.Module): A :class:`~fastervit_mm.models.FasterViT`, or an mmpretrain classifier
            whose ``backbone`` is one (the input is then the normalised image, as the
            classifier's ``data_preprocessor`` outputs it). Not modified.
        path (str): Output ``.onnx`` file; the weights are stored inside it (no side files).
        example_shape (Sequence[int]): (N, C, H, W) of the tracing input.
            Defaults to (1, 3, 224, 224).
        dynamic (bool): Dynamic batch, height and width: one file serves every size. False fixes
            the example shape. Defaults to True.
        opset (int): ONNX opset, at least 14 (attention). Defaults to 17.

    Returns:
        str: ``path``. Input ``input``; outputs ``stage{i}`` (backbone) or ``logits``.
    """
    if opset < 14:
        raise ValueError(f'opset must be at least 14 (scaled dot-product attention), got {opset}')
    if len(example_shape) != 4:
        raise ValueError(f'example_shape must be (N, C, H, W), got {tuple(example_shape)}')
    names = output_names(model)
    graph = prepare_for_export(model)
    param = next(model.parameters())
    x = torch.randn(*example_shape, dtype=param.dtype, device=param.device)
    dynamic_axes = None
    if dynamic:
        axes = {0: 'batch', 2: 'height', 3: 'width'}
        dynamic_axes = {'input': axes}
        dynamic_axes.update(
            {
                n: (
                    {0: 'batch'}
                    if n == 'logits'
                    else {0: 'batch', 2: f'{n}_height', 3: f'{n}_width'}
                )
                for n in names
            }
        )
    with torch.no_grad():
        onnx_export(
            graph,
            (x,),
            path,
            input_names=['input'],
            output_names=list(names),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
        )
    return path

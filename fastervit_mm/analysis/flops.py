# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Operation counts with fvcore: the logic of ``tools/analysis/get_flops.py``, importable by the
benchmarks (achieved GFLOP/s).

One multiply-accumulate counts as one operation (fvcore's and the OpenMMLab tools' convention).
``macs`` are convolutions and matrix products only (``linear``, ``matmul``, ``bmm``, ...,
and attention); fvcore's other default operators (norms, pooling, upsampling) are in ``flops``.

fvcore 0.1.5 has no handler for ``aten::scaled_dot_product_attention``, which this package's
attention uses; without one, attention is silently uncounted. :func:`flop_analysis` registers one:
``B * heads * L * S * (E + Ev)`` multiply-accumulates for ``softmax(q k^T) v`` with q (L, E),
k (S, E) and v (S, Ev).
"""

from collections import Counter
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn

from fastervit_mm.analysis import model_factory

__all__ = ['MAC_OPERATORS', 'sdpa_flop_jit', 'flop_analysis', 'count_macs', 'count']

#: fvcore operator names (namespace stripped) that are convolutions or matrix products.
MAC_OPERATORS = (
    '_convolution',
    'conv',
    'linear',
    'matmul',
    'mm',
    'bmm',
    'addmm',
    'einsum',
    'scaled_dot_product_attention',
)
#: Uncounted operators not worth listing: element-wise arithmetic and shape/index helpers.
_ELEMENTWISE = {
    f'aten::{op}'
    for op in (
        'abs',
        'add',
        'add_',
        'sub',
        'rsub',
        'mul',
        'mul_',
        'div',
        'div_',
        'neg',
        'sign',
        'log',
        'log2',
        'exp',
        'sqrt',
        'rsqrt',
        'pow',
        'sigmoid',
        'gelu',
        'relu',
        'relu_',
        'silu',
        'softmax',
        'tanh',
        'meshgrid',
        'pad',
        'repeat',
        'where',
        'lt',
        'le',
        'ne',
        'sum',
        'mean',
        'topk',
        'sort',
        'scatter',
        'fill_',
        'zero_',
        'zeros_like',
        'ones_like',
        'linspace',
        'new_zeros',
        'new_full',
        'argmax',
    )
}


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """fvcore handle for ``aten::scaled_dot_product_attention``: MACs of q k^T and attn v."""
    from fvcore.nn.jit_handles import get_shape

    q, k, v = (get_shape(t) for t in inputs[:3])
    batch = 1
    for d in q[:-2]:
        batch *= d
    length, dim_qk = q[-2], q[-1]
    return int(batch * length * k[-2] * (dim_qk + v[-1]))


def flop_analysis(model: torch.nn.Module, inputs: torch.Tensor):
    """A ``fvcore.nn.FlopCountAnalysis`` with the attention handler registered, warnings off."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop_jit)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings('none')
    return analysis


def count(
    spec: str,
    shape: Optional[List[int]] = None,
    cfg_options: Optional[dict] = None,
    deploy: bool = False,
) -> Dict[str, Any]:
    """Parameters and operation counts of ``spec`` (a config file or an arch name).

    Returns:
        dict: ``shape`` (H, W), ``params`` (and per top-level part), ``macs`` (convolutions and
        matrix products), ``macs_no_attention`` (the same without ``q k^T`` and ``attn v``),
        ``flops`` (fvcore total), ``by_operator``, ``by_part`` (MACs of each top-level part, e.g.
        backbone / neck / heads) and ``unsupported`` (operator -> calls).
    """
    model, inputs = model_factory.build(spec, shape, 1, cfg_options)
    inner = model.model
    # traced graphs hold attention as SDPA, whose handler separates the attention products
    with torch.no_grad():
        if deploy:
            for m in inner.modules():
                if hasattr(m, 'switch_to_deploy') and hasattr(m, 'get_layer_depth'):
                    m.switch_to_deploy()
            model(inputs)  # fill the position caches
        analysis = flop_analysis(model, inputs)
        by_operator = Counter(analysis.by_operator())
        by_module_op = analysis.by_module_and_operator()
    mac_ops = [op for op in by_operator if op in MAC_OPERATORS]
    parts = {}
    for name, _ in inner.named_children():
        ops = by_module_op.get(f'model.{name}', {})
        macs = sum(v for op, v in ops.items() if op in MAC_OPERATORS)
        if macs:
            parts[name] = macs
    return dict(
        spec=spec,
        shape=list(inputs.shape[-2:]),
        params=sum(p.numel() for p in inner.parameters()),
        params_by_part={
            n: sum(p.numel() for p in m.parameters()) for n, m in inner.named_children()
        },
        macs=sum(by_operator[op] for op in mac_ops),
        macs_no_attention=sum(by_operator[op] for op in mac_ops)
        - by_operator.get('scaled_dot_product_attention', 0),
        deploy=deploy,
        flops=sum(by_operator.values()),
        by_operator=dict(by_operator),
        by_part=parts,
        unsupported={k: v for k, v in analysis.unsupported_ops().items() if k not in _ELEMENTWISE},
    )


def count_macs(model: nn.Module, inputs: torch.Tensor) -> int:
    """Multiply-accumulates of convolutions and matrix products (attention included) of one
    forward of ``model`` on ``inputs``, as :func:`count` counts them (``macs``).

    Args:
        model: Any module taking one tensor, e.g. the model a benchmark times.
        inputs: Its input; the count scales with its batch size.
    """
    with torch.no_grad():
        by_operator = flop_analysis(model, inputs).by_operator()
    return int(sum(v for op, v in by_operator.items() if op in MAC_OPERATORS))

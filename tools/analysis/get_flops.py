# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Parameters and FLOPs of a config or a FasterViT arch, at any input size, with fvcore.

    python tools/analysis/get_flops.py configs/fastervit/fastervit-0_32xb128_in1k.py
    python tools/analysis/get_flops.py faster_vit_4_21k_768            # arch: native size
    python tools/analysis/get_flops.py faster_vit_0_224 --shape 512 512
    python tools/analysis/get_flops.py configs/mask_rcnn/<config>.py --shape 800 1280

Two numbers are printed, both counting one multiply-accumulate as one operation (fvcore's and
the OpenMMLab tools' convention):

* **GMACs**: convolutions and matrix products only (``linear``, ``matmul``, ``bmm``, ...,
  and attention): what the FasterViT authors' counts (``torch.utils.flop_counter``, divided
  by 2) measure, so it is the number to compare with published model sizes;
* **GFLOPs (fvcore)**: the same plus fvcore's other default operators (norms, pooling,
  upsampling).

It also prints GMACs without the attention products (``q k^T`` and ``attn v``): the convention
the published README's FLOPs column follows (docs/model_zoo.md).

fvcore 0.1.5 has no handler for ``aten::scaled_dot_product_attention``, which this package's
attention uses; without one, attention is silently uncounted. A handler is registered here:
``B * heads * L * S * (E + Ev)`` multiply-accumulates for ``softmax(q k^T) v`` with q (L, E),
k (S, E) and v (S, Ev). Operators that fvcore still cannot count are listed (element-wise ops
are ignored by design). Position biases are computed during the forward pass (as in the
published model), so they are included; with ``--deploy`` they are computed once beforehand and
cached (``switch_to_deploy``), as in deployment, and not counted.
"""
import argparse
from collections import Counter
from typing import Any, Dict, List, Optional

import torch

from fastervit_mm.analysis import model_factory

#: fvcore operator names (namespace stripped) that are convolutions or matrix products.
MAC_OPERATORS = ('_convolution', 'conv', 'linear', 'matmul', 'mm', 'bmm', 'addmm', 'einsum',
                 'scaled_dot_product_attention')
#: Uncounted operators not worth listing: element-wise arithmetic and shape/index helpers.
_ELEMENTWISE = {f'aten::{op}' for op in (
    'abs', 'add', 'add_', 'sub', 'rsub', 'mul', 'mul_', 'div', 'div_', 'neg', 'sign', 'log', 'log2',
    'exp', 'sqrt', 'rsqrt', 'pow', 'sigmoid', 'gelu', 'relu', 'relu_', 'silu', 'softmax', 'tanh',
    'meshgrid', 'pad', 'repeat', 'where', 'lt', 'le', 'ne', 'sum', 'mean', 'topk', 'sort',
    'scatter',
    'fill_', 'zero_', 'zeros_like', 'ones_like', 'linspace', 'new_zeros', 'new_full', 'argmax')}


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


def count(spec: str,
          shape: Optional[List[int]] = None,
          cfg_options: Optional[dict] = None,
          deploy: bool = False) -> Dict[str, Any]:
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
        params_by_part={n: sum(p.numel() for p in m.parameters())
                        for n, m in inner.named_children()},
        macs=sum(by_operator[op] for op in mac_ops),
        macs_no_attention=sum(by_operator[op] for op in mac_ops) -
        by_operator.get('scaled_dot_product_attention', 0),
        deploy=deploy,
        flops=sum(by_operator.values()),
        by_operator=dict(by_operator),
        by_part=parts,
        unsupported={k: v for k, v in analysis.unsupported_ops().items()
                     if k not in _ELEMENTWISE},
    )


def format_result(r: Dict[str, Any]) -> str:
    h, w = r['shape']
    lines = [
        f'{r["spec"]}  input {h}x{w} (HxW){"  deploy mode" if r["deploy"] else ""}',
        f'  Params: {r["params"] / 1e6:.2f} M',
        f'  GMACs (conv + matrix products): {r["macs"] / 1e9:.3f}',
        f'  GMACs without attention products (README convention): '
        f'{r["macs_no_attention"] / 1e9:.3f}',
        f'  GFLOPs (fvcore, all counted ops): {r["flops"] / 1e9:.3f}',
    ]
    if len(r['by_part']) > 1:
        lines.append('  GMACs by part: ' + ', '.join(
            f'{k} {v / 1e9:.3f}' for k, v in r['by_part'].items()))
    lines.append('  by operator (G): ' + ', '.join(
        f'{k} {v / 1e9:.3f}' for k, v in sorted(r['by_operator'].items(), key=lambda kv: -kv[1])))
    if r['unsupported']:
        lines.append('  not counted (besides element-wise ops): ' +
                     ', '.join(sorted(r['unsupported'])))
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Parameters and FLOPs (fvcore) of a config or '
                                     'a FasterViT arch')
    model_factory.add_model_arguments(parser)
    parser.add_argument('--deploy', action='store_true',
                        help='cache the position terms first (switch_to_deploy), so the position '
                        'MLPs are not counted')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = count(args.spec, args.shape, args.cfg_options, args.deploy)
    print(format_result(result))
    model_factory.write_json(result, args.json)
    return result


if __name__ == '__main__':
    main()

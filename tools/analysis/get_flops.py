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

The counting lives in :mod:`fastervit_mm.analysis.flops` (the benchmarks use it for achieved
GFLOP/s); this script parses arguments and prints.
"""

import argparse
from typing import Any, Dict

from fastervit_mm.analysis import model_factory
from fastervit_mm.analysis.flops import MAC_OPERATORS, count, flop_analysis, sdpa_flop_jit

__all__ = ['MAC_OPERATORS', 'count', 'flop_analysis', 'sdpa_flop_jit', 'format_result', 'main']


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
        lines.append(
            '  GMACs by part: ' + ', '.join(f'{k} {v / 1e9:.3f}' for k, v in r['by_part'].items())
        )
    lines.append(
        '  by operator (G): '
        + ', '.join(
            f'{k} {v / 1e9:.3f}' for k, v in sorted(r['by_operator'].items(), key=lambda kv: -kv[1])
        )
    )
    if r['unsupported']:
        lines.append(
            '  not counted (besides element-wise ops): ' + ', '.join(sorted(r['unsupported']))
        )
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs (fvcore) of a config or a FasterViT arch'
    )
    model_factory.add_model_arguments(parser)
    parser.add_argument(
        '--deploy',
        action='store_true',
        help='cache the position terms first (switch_to_deploy), so the position '
        'MLPs are not counted',
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = count(args.spec, args.shape, args.cfg_options, args.deploy)
    print(format_result(result))
    model_factory.write_json(result, args.json)
    return result


if __name__ == '__main__':
    main()

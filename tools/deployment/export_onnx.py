# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Export a FasterViT backbone or classifier to ONNX (thin over :func:`fastervit_mm.deploy.
export_onnx`): by default one dynamic file (batch, height, width) that serves every input size.

    python tools/deployment/export_onnx.py faster_vit_0_224 --out fastervit0.onnx --verify
    python tools/deployment/export_onnx.py faster_vit_0_224 --classifier --out cls.onnx
    python tools/deployment/export_onnx.py configs/fastervit/fastervit-0_32xb128_in1k.py \\
        --checkpoint fastervit_0_224_1k.pth.tar --out cls.onnx --verify

``CONFIG_OR_ARCH`` is an arch name or alias (the backbone with its four outputs, or with
``--classifier`` the published classification model: final norm, average pooling, linear head)
or a config: a classification config exports its logits, a detection or segmentation config its
backbone (whole detectors and segmentors go through ``tools/deployment/deploy.py``).
``--verify`` runs the file in ONNX Runtime (and with ``--runtimes onnxruntime openvino`` also in
OpenVINO) on random inputs at several sizes, at batch 1 and 3 (``--verify-batches``), and prints
the relative error of every output against PyTorch; it exits with status 1 if one exceeds 1e-4.
"""

import argparse
import sys

import numpy as np
import torch

from fastervit_mm.analysis import model_factory
from fastervit_mm.deploy import export_onnx
from fastervit_mm.deploy.export import DEFAULT_OPSET, classifier_logits, output_names

TOLERANCE = 1e-4
#: (H, W) checked by --verify besides the example size: neither multiple of 7 nor 32, single
#: windows in the transformer stages, and detection-like sizes.
VERIFY_SIZES = [(97, 131), (257, 383), (64, 64), (512, 512), (800, 1333)]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument('spec', metavar='CONFIG_OR_ARCH', help='config file or FasterViT arch name')
    p.add_argument('--out', required=True, help='output .onnx file')
    p.add_argument('--checkpoint', help='weights to load (published or this package\'s files)')
    p.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='example (tracing) size; with --static the only size. Defaults to the '
        "model's native size",
    )
    p.add_argument('--batch', type=int, default=1, help='example batch size. Defaults to 1')
    p.add_argument('--static', action='store_true', help='fix batch, height and width')
    p.add_argument(
        '--opset', type=int, default=DEFAULT_OPSET, help=f'ONNX opset. Defaults to {DEFAULT_OPSET}'
    )
    p.add_argument(
        '--classifier',
        action='store_true',
        help='with an arch: export the published classification model (logits)',
    )
    p.add_argument(
        '--verify', action='store_true', help='compare the runtimes with PyTorch at several sizes'
    )
    p.add_argument(
        '--verify-batches',
        type=int,
        nargs='+',
        default=[1, 3],
        help='batch sizes --verify runs a dynamic file at (with --batch). Defaults to 1 3',
    )
    p.add_argument(
        '--runtimes',
        nargs='+',
        default=['onnxruntime'],
        choices=['onnxruntime', 'openvino'],
        help='runtimes --verify runs (CPU). Defaults to onnxruntime',
    )
    return p.parse_args(argv)


def build(args):
    """The model to export (eval mode) and its default (H, W)."""
    if model_factory.is_config(args.spec):
        model, kind, default = model_factory.build_config(args.spec)
        if kind != 'cls':
            model = model.backbone
        if args.checkpoint:
            from mmengine.runner import load_checkpoint

            load_checkpoint(model, args.checkpoint, map_location='cpu')
        return model.eval(), default
    size = model_factory.native_size(args.spec)
    if args.classifier:
        model = model_factory.build_arch(args.spec)
    else:
        from fastervit_mm.models import FasterViT

        model = FasterViT(arch=args.spec)
    if args.checkpoint:
        from fastervit_mm.checkpoint import load_pretrained

        target = model.backbone if args.classifier else model
        load_pretrained(target, args.checkpoint, optional=(r'^norm\d\.',))
    return model.eval(), (size, size)


def _runner(runtime: str, path: str):
    """``run(x) -> list of outputs`` of ``path`` in ``runtime`` on the CPU."""
    if runtime == 'onnxruntime':
        import onnxruntime as ort

        session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
        return lambda x: session.run(None, {'input': x})
    import openvino as ov

    compiled = ov.Core().compile_model(path, 'CPU', {'INFERENCE_PRECISION_HINT': 'f32'})
    return lambda x: [v for v in compiled(x).values()]


def verify(path: str, model, sizes, batches, runtimes=('onnxruntime',)) -> float:
    """Print the relative error per output, batch size, size and runtime; return the largest."""
    runners = {r: _runner(r, path) for r in runtimes}
    names = output_names(model)
    reference = classifier_logits(model)
    worst = 0.0
    for batch, size in ((b, s) for b in batches for s in sizes):
        x = torch.randn(batch, 3, *size)
        with torch.no_grad():
            ref = reference(x)
        ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
        for runtime, run in runners.items():
            errors = []
            for name, out, r in zip(names, run(x.numpy()), ref):
                r = r.double().numpy()
                err = float(np.linalg.norm(out.astype(np.float64) - r) / np.linalg.norm(r))
                worst = max(worst, err)
                errors.append(f'{name} {err:.2e}')
            print(f'{runtime} {batch}x3x{size[0]}x{size[1]}: ' + ', '.join(errors))
    return worst


def main(argv=None) -> int:
    args = parse_args(argv)
    model, default = build(args)
    shape = tuple(args.shape) if args.shape else tuple(default)
    example = (args.batch, 3) + shape
    export_onnx(model, args.out, example_shape=example, dynamic=not args.static, opset=args.opset)
    axes = (
        ('static ' + 'x'.join(map(str, example))) if args.static else 'dynamic batch, height, width'
    )
    print(f'wrote {args.out} ({axes}, opset {args.opset})')
    if not args.verify:
        return 0
    sizes = [shape] if args.static else [shape] + [s for s in VERIFY_SIZES if s != shape]
    batches = [args.batch] if args.static else sorted({args.batch, *args.verify_batches})
    worst = verify(args.out, model, sizes, batches, args.runtimes)
    ok = worst < TOLERANCE
    verdict = 'ok' if ok else 'FAILED'
    print(f'largest relative error {worst:.2e} ({verdict}: tolerance {TOLERANCE})')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())

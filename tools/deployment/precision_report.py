# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Error of reduced-precision inference against float32: relative error of the backbone's maps
and top-1 agreement of the classifier, for eager bf16 autocast and OpenVINO bf16.

    python tools/deployment/precision_report.py faster_vit_0_224 --images 512 \
        --runs torch:bf16 openvino:bf16 [--head fit] [--state-dict W] [--json out.json]

The model is this project's backbone of ARCH (four maps) and the published classifier on the
same backbone weights (``--state-dict``: published-layout weights, else the seeded
initialisation). Each ``--runs`` entry ``RUNTIME:PRECISION`` is run by
:func:`fastervit_mm.deploy.runtimes.build_runner` (the exported runtimes on one dynamic ONNX file
per model, exported here) and compared with eager float32 PyTorch on the same inputs by
:func:`~fastervit_mm.deploy.runtimes.precision_report`: ``features_rel_error`` (worst over the
input batches, one per map), ``logits_rel_error`` and ``top1_agree`` over ``--images`` inputs.

The classifier's head (``--head``): ``init`` keeps it as it is (the published head with
``--state-dict``; random weights give near-uniform logits, so their top-1 agreement means
little), ``fit`` trains it on :func:`~fastervit_mm.analysis.precision.synthetic_classes` images
(random class patterns plus noise) with the backbone untouched, and measures on held-out images
of those classes: a stand-in for a trained classifier where no trained weights are at hand (the
default without ``--state-dict``). With ``init`` the inputs are standard normal images.
One JSON line per run, after a line describing the setup (CPU bf16 flags, head, inputs).
"""

import argparse
import json
import os
import tempfile

import torch

from fastervit_mm.analysis.model_factory import build_ours, write_json
from fastervit_mm.analysis.precision import batches, fit_head, synthetic_classes
from fastervit_mm.analysis.sizes import parse_size
from fastervit_mm.deploy import export_onnx
from fastervit_mm.deploy.runtimes import (
    PRECISIONS,
    RUNTIMES,
    build_runner,
    cpu_has_native_bf16,
    precision_report,
)


def run_spec(text: str):
    runtime, _, precision = text.partition(':')
    if (
        runtime not in RUNTIMES
        or precision not in PRECISIONS
        or (runtime, precision) == ('onnxruntime', 'bf16')
    ):
        raise argparse.ArgumentTypeError(
            f'{text!r}: give RUNTIME:PRECISION with RUNTIME in {RUNTIMES} and PRECISION in '
            f'{PRECISIONS} (ONNX Runtime: f32 only), e.g. openvino:bf16'
        )
    return runtime, precision


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('arch', nargs='?', default='faster_vit_0_224', help='FasterViT arch or alias')
    p.add_argument(
        '--runs',
        type=run_spec,
        nargs='+',
        default=[('torch', 'bf16'), ('openvino', 'bf16')],
        help='RUNTIME:PRECISION entries (default: torch:bf16 openvino:bf16)',
    )
    p.add_argument('--size', type=parse_size, default=(224, 224), help='224 or HxW')
    p.add_argument('--images', type=int, default=512)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--state-dict', help='published-layout weights (backbone and head)')
    p.add_argument(
        '--head',
        choices=['init', 'fit'],
        default=None,
        help='default: init with --state-dict, else fit',
    )
    p.add_argument('--classes', type=int, default=20, help='classes of the fitted head')
    p.add_argument('--train-images', type=int, default=500, help='images to fit the head on')
    p.add_argument(
        '--amplitude',
        type=float,
        default=1.0,
        help='strength of the class patterns against the noise (lower: harder '
        'classes, smaller margins)',
    )
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', help='also write the lines, as a list, to this file')
    args = p.parse_args(argv)
    args.head = args.head or ('init' if args.state_dict else 'fit')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    classifier = build_ours(args.arch, True, args.state_dict).eval()
    backbone = build_ours(args.arch).eval()  # four maps, the classifier's weights
    backbone.load_state_dict(classifier.backbone.state_dict(), strict=False)
    setup = dict(
        arch=args.arch,
        size=list(args.size),
        images=args.images,
        head=args.head,
        state_dict=args.state_dict,
        native_bf16=cpu_has_native_bf16(),
        threads=torch.get_num_threads(),
    )
    if args.head == 'fit':
        data = dict(
            num_classes=args.classes,
            size=args.size,
            pattern_seed=args.seed,
            amplitude=args.amplitude,
        )
        train, labels = synthetic_classes(args.train_images, seed=args.seed + 1, **data)
        setup.update(classes=args.classes, train_images=args.train_images, amplitude=args.amplitude)
        setup['fit_accuracy'] = round(fit_head(classifier, train, labels, batch=args.batch), 4)
        inputs, labels = synthetic_classes(args.images, seed=args.seed + 2, **data)
    else:
        inputs = torch.randn(
            args.images, 3, *args.size, generator=torch.Generator().manual_seed(args.seed)
        )
    inputs = batches(inputs, args.batch)
    references = {}  # float32 outputs of each input batch (by identity), per model
    for name, model in (('logits', classifier), ('features', backbone)):
        reference = build_runner('torch', model)
        references[name] = {id(x): reference(x) for x in inputs}
    if args.head == 'fit':
        logits = torch.cat([torch.from_numpy(references['logits'][id(x)][0]) for x in inputs])
        setup['test_accuracy'] = round((logits.argmax(1) == labels).float().mean().item(), 4)
    lines = [setup]
    print(json.dumps(setup), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for runtime, precision in args.runs:
            line = dict(runtime=runtime, precision=precision)
            for name, model in (('logits', classifier), ('features', backbone)):
                if runtime == 'torch':
                    runner = build_runner('torch', model, precision)
                else:
                    if name not in files:
                        files[name] = export_onnx(
                            model, os.path.join(tmp, f'{name}.onnx'), (1, 3, *args.size)
                        )
                    runner = build_runner(runtime, files[name], precision)
                ref = references[name]
                report = precision_report(
                    runner, lambda x, ref=ref: ref[id(x)], inputs, classifier=name == 'logits'
                )
                line.update({f'{name}_rel_error': [float(f'{e:.3g}') for e in report['rel_error']]})
                if name == 'logits':
                    line.update(top1_agree=report['top1_agree'], images=report['images'])
                line['runtime_options'] = runner.options()
            lines.append(line)
            print(json.dumps(line), flush=True)
    write_json(lines, args.json)
    return lines


if __name__ == '__main__':
    main()

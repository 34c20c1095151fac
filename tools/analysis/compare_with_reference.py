# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Compare this model's speed with the published implementation, run by run.

    python tools/analysis/compare_with_reference.py --arch faster_vit_0_224 --batch 8 --size 224 \
        --pairs 15 [--runtime openvino --precision bf16] [--reference published \
        --reference-precision bf16] [--threads 2]

Both programs time the classifier on the same weights and the same seeded input: ours is
``tools/analysis/benchmark_backbone.py --with-head`` in ``--runtime`` (``torch``, or the dynamic
ONNX file in ``onnxruntime``/``openvino``, exported once in the first check and reused by every
timed run) at ``--precision``; the reference is ``../shared/tools/bench_reference.sh``
(``--reference script``, the default: its own environment, built on first use, float32 only) or
``benchmark_backbone.py --implementation published`` (``--reference published``: the published
package timed in this project's loop, which can also run it under bf16 autocast,
``--reference-precision bf16``). Off the native size the reference is the published
any-resolution model built for ``--size``.

The script first checks that the outputs agree within ``--tolerance`` in float32 (for a
non-square size the published any-resolution model runs non-square window grids, so the check
runs ours in ``compat_anyres``; the timed runs use the default path unless ``--compat-anyres`` is
given). With a runtime other than torch it then exports the file, checks the runtime against
eager PyTorch (``rel_error_vs_torch``, and against the reference output where the check above
ran the default path) and times that file. Then it alternates the two programs, one run each per
pair, A,B then B,A, and prints a JSON line per pair and a summary: the median of the pairwise
throughput ratios (ours / reference: > 1 means ours is faster) with its range, which is robust
to a machine whose load changes over time.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from typing import List, Optional, Sequence

import torch

from fastervit_mm.analysis.pairs import CommandError, alternate, by_side, run_json
from fastervit_mm.analysis.sizes import parse_size

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
REFERENCE = os.path.join(ROOT, '..', 'shared', 'tools', 'bench_reference.sh')
BENCHMARK = os.path.join(ROOT, 'tools', 'analysis', 'benchmark_backbone.py')
#: Default output tolerance (relative): eager PyTorch, and the exported runtimes (issue 17).
TOLERANCE = {'torch': 1e-5, 'exported': 1e-4}


def fail(cmd, error: CommandError):
    """End the script on a failed command, with its stderr."""
    message, stderr = error.args
    raise SystemExit(f'{" ".join(cmd)}\n{message}:\n{stderr[-3000:]}')


def run_or_exit(cmd):
    """:func:`run_json` of ``cmd``; a failure ends the script (:func:`fail`)."""
    try:
        return run_json(cmd)
    except CommandError as e:
        fail(cmd, e)


def is_square(size: str) -> bool:
    """Whether ``--size`` is square. Only non-square inputs give non-square window grids, where
    the published any-resolution model differs from the default path (compatibility mode)."""
    h, w = parse_size(size)
    return h == w


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', default='faster_vit_0_224')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', default='224', help='224 or HxW, e.g. 800x1344')
    p.add_argument('--mode', choices=['eval', 'train'], default='eval')
    p.add_argument('--pairs', type=int, default=7)
    p.add_argument('--iters', type=int, default=5, help='timed iterations per run')
    p.add_argument('--warmup', type=int, default=2, help='untimed iterations per run')
    p.add_argument('--threads', type=int, default=0)
    p.add_argument(
        '--runtime',
        choices=['torch', 'onnxruntime', 'openvino'],
        default='torch',
        help='how ours runs (benchmark_backbone.py --runtime)',
    )
    p.add_argument(
        '--precision',
        choices=['f32', 'bf16'],
        default='f32',
        help='precision of ours (benchmark_backbone.py --precision)',
    )
    p.add_argument(
        '--reference',
        choices=['script', 'published'],
        default='script',
        help='script: bench_reference.sh; published: benchmark_backbone.py '
        '--implementation published (needs the fastervit package, see its --help)',
    )
    p.add_argument(
        '--reference-precision',
        choices=['f32', 'bf16'],
        default='f32',
        help='bf16: the published model under bf16 autocast (--reference published)',
    )
    p.add_argument('--deploy', action='store_true', help='time ours in deploy mode')
    p.add_argument(
        '--compat-anyres',
        action='store_true',
        help='time ours in the compatibility mode too (the output check always uses it '
        'for non-square sizes, where the reference is its any-resolution model on '
        'non-square window grids)',
    )
    p.add_argument(
        '--tolerance',
        type=float,
        default=None,
        help='largest relative output difference accepted before timing (default '
        f'{TOLERANCE["torch"]:g}, {TOLERANCE["exported"]:g} for an exported runtime)',
    )
    p.add_argument('--reference-script', default=REFERENCE, help='path of bench_reference.sh')
    args = p.parse_args(argv)
    if args.reference == 'script' and args.reference_precision != 'f32':
        p.error(
            'bench_reference.sh runs float32 only: use --reference published for '
            '--reference-precision bf16'
        )
    if args.runtime != 'torch' and (args.mode != 'eval' or args.deploy or args.compat_anyres):
        p.error(
            f'--runtime {args.runtime} times inference of the dynamic file: no --mode train, '
            '--deploy or --compat-anyres'
        )
    if args.tolerance is None:
        args.tolerance = TOLERANCE['torch' if args.runtime == 'torch' else 'exported']
    return args


def commands(args: argparse.Namespace, tmp: str) -> dict:
    """The command lines: ``ours`` and ``reference`` (timed), ``check_ours`` and
    ``check_reference`` (float32, one step, writing the weights and both outputs) and, for an
    exported runtime, ``check_runtime`` (exports the file that the timed runs of ours reuse).
    Files go to ``tmp``: ``weights.pth``, ``ours.pt``, ``ref.pt``, ``runtime.pt``,
    ``model.onnx``."""
    weights, onnx = os.path.join(tmp, 'weights.pth'), os.path.join(tmp, 'model.onnx')
    common = ['--batch', str(args.batch), '--size', args.size, '--mode', args.mode]
    if args.threads:
        common += ['--threads', str(args.threads)]
    once = ['--iters', '1', '--warmup', '0']
    ours = [
        sys.executable,
        BENCHMARK,
        '--arch',
        args.arch,
        '--with-head',
        *common,
        '--warmup',
        str(args.warmup),
    ]
    ours += ['--deploy'] * args.deploy + ['--compat-anyres'] * args.compat_anyres
    compat = [] if args.compat_anyres or is_square(args.size) else ['--compat-anyres']
    cmds = dict(
        check_ours=ours
        + compat
        + once
        + ['--save-state-dict', weights, '--save-output', os.path.join(tmp, 'ours.pt')]
    )
    timed = ['--iters', str(args.iters), '--precision', args.precision]
    if args.runtime != 'torch':
        exported = ours + ['--runtime', args.runtime, '--onnx', onnx]
        cmds['check_runtime'] = exported + once + ['--save-output', os.path.join(tmp, 'runtime.pt')]
        cmds['ours'] = exported + timed
    else:
        cmds['ours'] = ours + timed
    if args.reference == 'script':
        ref = [
            'bash',
            args.reference_script,
            '--variant',
            args.arch,
            *common,
            '--state-dict',
            weights,
        ]
        cmds['check_reference'] = ref + [
            '--repeats',
            '1',
            '--save-output',
            os.path.join(tmp, 'ref.pt'),
        ]
        cmds['reference'] = ref + ['--repeats', str(args.iters)]
    else:
        ref = [
            sys.executable,
            BENCHMARK,
            '--implementation',
            'published',
            '--arch',
            args.arch,
            *common,
            '--state-dict',
            weights,
            '--warmup',
            str(args.warmup),
        ]
        cmds['check_reference'] = ref + once + ['--save-output', os.path.join(tmp, 'ref.pt')]
        cmds['reference'] = ref + [
            '--iters',
            str(args.iters),
            '--precision',
            args.reference_precision,
        ]
    return cmds


def output_error(path: str, ref_path: str) -> float:
    """Relative difference of two saved ``{'input', 'output'}`` files (the same input)."""
    a, b = torch.load(path), torch.load(ref_path)
    assert torch.equal(a['input'], b['input']), 'the two programs drew different inputs'
    return ((a['output'] - b['output']).norm() / b['output'].norm()).item()


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(args, tmp)
        run_or_exit(cmds['check_ours'])
        run_or_exit(cmds['check_reference'])
        rel = output_error(os.path.join(tmp, 'ours.pt'), os.path.join(tmp, 'ref.pt'))
        print(json.dumps(dict(check='outputs', relative_error=rel)), flush=True)
        if not rel < args.tolerance:
            raise SystemExit(
                f'outputs differ: relative error {rel:.3g} >= {args.tolerance:g}; '
                'the two programs do not compute the same function, so no timing'
            )
        runtime_error = None
        if 'check_runtime' in cmds:
            result = run_or_exit(cmds['check_runtime'])
            runtime_error = result['rel_error_vs_torch']
            check = dict(
                check='runtime',
                runtime=args.runtime,
                export_s=result['export_s'],
                rel_error_vs_torch=runtime_error,
            )
            if '--compat-anyres' not in cmds['check_ours']:  # same function as the reference
                check['relative_error'] = output_error(
                    os.path.join(tmp, 'runtime.pt'), os.path.join(tmp, 'ref.pt')
                )
            print(json.dumps(check), flush=True)
            if not max(runtime_error, check.get('relative_error', 0)) < args.tolerance:
                raise SystemExit(
                    f'{args.runtime} output differs by more than {args.tolerance:g}: '
                    f'{check}; no timing'
                )

        runs = []
        pair_cmds = [cmds['ours'], cmds['reference']]
        try:  # who runs first alternates between pairs
            for run in alternate(pair_cmds, args.pairs):
                runs.append(run)
                if run.slot == 1:
                    mine, theirs = (r.result for r in sorted(runs[-2:], key=lambda r: r.side))
                    print(json.dumps(dict(ours=mine, reference=theirs)), flush=True)
        except CommandError as e:
            fail(pair_cmds[e.side], e)
    ours_ips, ref_ips = by_side(runs, 'img_per_s')
    ratios = [o / r for o, r in zip(ours_ips, ref_ips)]
    summary = dict(
        summary=True,
        arch=args.arch,
        batch=args.batch,
        size=args.size,
        mode=args.mode,
        runtime=args.runtime,
        precision=args.precision,
        reference=args.reference,
        reference_precision=args.reference_precision,
        deploy=args.deploy,
        compat_anyres=args.compat_anyres,
        threads=args.threads,
        pairs=args.pairs,
        iters=args.iters,
        output_relative_error=rel,
        runtime_rel_error_vs_torch=runtime_error,
        median_ratio=round(statistics.median(ratios), 3),
        min_ratio=round(min(ratios), 3),
        max_ratio=round(max(ratios), 3),
        ratios=[round(r, 3) for r in ratios],
        ours_median_img_per_s=round(statistics.median(ours_ips), 3),
        reference_median_img_per_s=round(statistics.median(ref_ips), 3),
    )
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == '__main__':
    main()

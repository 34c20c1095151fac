# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Compare this backbone's speed with the published implementation, run by run.

    python tools/analysis/compare_with_reference.py --arch faster_vit_0_224 --batch 8 --size 224 \
        --pairs 7 [--deploy] [--threads 2]

Both programs time the classifier on the same weights and the same seeded input:
``tools/analysis/benchmark_backbone.py --with-head`` and ``../shared/tools/bench_reference.sh``
(which builds its own environment on first use). The script first checks that their outputs
agree within ``--tolerance`` (for a non-square size the reference is its any-resolution model on
non-square window grids, so the check runs ours with ``compat_anyres``; the timed runs use the
default path unless ``--compat-anyres`` is given), then alternates the two, one run each per pair, and prints a JSON line per run and a
summary with the median of the pairwise throughput ratios (ours / published), which is robust to
a machine whose load changes over time.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile

import torch

from fastervit_mm.analysis.pairs import CommandError, alternate, by_side, run_json
from fastervit_mm.analysis.sizes import parse_size

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
REFERENCE = os.path.join(ROOT, '..', 'shared', 'tools', 'bench_reference.sh')


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


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', default='faster_vit_0_224')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', default='224', help='224 or HxW, e.g. 800x1344')
    p.add_argument('--mode', choices=['eval', 'train'], default='eval')
    p.add_argument('--pairs', type=int, default=7)
    p.add_argument('--iters', type=int, default=5, help='timed iterations per run')
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--deploy', action='store_true', help='time ours in deploy mode')
    p.add_argument('--compat-anyres', action='store_true',
                   help='time ours in the compatibility mode too (the output check always uses it '
                   'for non-square sizes, where the reference is its any-resolution model on '
                   'non-square window grids)')
    p.add_argument('--tolerance', type=float, default=1e-5,
                   help='largest relative output difference accepted before timing')
    p.add_argument('--reference', default=REFERENCE, help='path of bench_reference.sh')
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, 'weights.pth')
        ours_out, ref_out = os.path.join(tmp, 'ours.pt'), os.path.join(tmp, 'ref.pt')
        common = ['--batch', str(args.batch), '--size', args.size, '--mode', args.mode]
        if args.threads:
            common += ['--threads', str(args.threads)]
        ours = [sys.executable, os.path.join(ROOT, 'tools', 'analysis', 'benchmark_backbone.py'),
                '--arch', args.arch, '--with-head', '--iters', str(args.iters), *common]
        if args.deploy:
            ours.append('--deploy')
        if args.compat_anyres:
            ours.append('--compat-anyres')
        check = ours if args.compat_anyres or is_square(args.size) else ours + ['--compat-anyres']
        ref = ['bash', args.reference, '--variant', args.arch, '--repeats', str(args.iters),
               *common, '--state-dict', weights]
        run_or_exit(check + ['--iters', '1', '--warmup', '0', '--save-state-dict', weights,
                             '--save-output', ours_out])
        run_or_exit(ref + ['--repeats', '1', '--save-output', ref_out])
        a, b = torch.load(ours_out), torch.load(ref_out)
        assert torch.equal(a['input'], b['input']), 'the two programs drew different inputs'
        rel = ((a['output'] - b['output']).norm() / b['output'].norm()).item()
        print(json.dumps(dict(check='outputs', relative_error=rel)), flush=True)
        if not rel < args.tolerance:
            raise SystemExit(f'outputs differ: relative error {rel:.3g} >= {args.tolerance:g}; '
                             'the two programs do not compute the same function, so no timing')

        runs = []
        try:  # who runs first alternates between pairs
            for run in alternate([ours, ref], args.pairs):
                runs.append(run)
                if run.slot == 1:
                    mine, theirs = (r.result for r in sorted(runs[-2:], key=lambda r: r.side))
                    print(json.dumps(dict(ours=mine, reference=theirs)), flush=True)
        except CommandError as e:
            fail([ours, ref][e.side], e)
        ours_ips, ref_ips = by_side(runs, 'img_per_s')
        ratios = [o / r for o, r in zip(ours_ips, ref_ips)]
        print(json.dumps(dict(
            summary=True, arch=args.arch, batch=args.batch, size=args.size, mode=args.mode,
            deploy=args.deploy, compat_anyres=args.compat_anyres, pairs=args.pairs,
            output_relative_error=rel,
            median_ratio=round(statistics.median(ratios), 3),
            ratios=[round(r, 3) for r in ratios],
            ours_median_img_per_s=round(statistics.median(ours_ips), 3),
            reference_median_img_per_s=round(statistics.median(ref_ips), 3))), flush=True)


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Time the FasterViT backbone: one JSON line per (batch, size) measurement.

    python tools/analysis/benchmark_backbone.py --arch faster_vit_0_224 --batch 8 --size 224 \
        --mode eval --with-head --iters 10

Fields: arch, batch, size [H, W], mode, median_ms, img_per_s, peak_mem_mb (CUDA: peak allocated;
CPU: the process's peak resident memory), base_mem_mb (the same quantity just before the first
step: model, input and, on CPU, the interpreter; ``peak - base`` is what the steps added),
torch_compile, plus device, amp, channels_last, deploy, with_cp, compat_anyres, threads and
times_ms. Several ``--batch``/``--size`` values run in one process: there, on CPU, the peak is the
highest so far, so measure memory one size per process.

``--with-head`` adds the published classifier (global pool + 1000-way linear on ``norm3``) so the
work equals ``../shared/tools/bench_reference.sh``, which times the published model.
``--state-dict`` loads published-layout weights; ``--save-state-dict`` writes this model's
weights in the published layout, so the reference can run the very same weights
(``bench_reference.sh --state-dict``); ``--save-output`` writes ``{'input', 'output'}`` of one eval
forward on the seeded input (the same input the reference script draws) for an equality check.

``--implementation published`` times the paper authors' published model (pip package
``fastervit==1.0.0`` and ``timm``, used as they are, only imported) in this very timing loop, e.g.
on a GPU where ``bench_reference.sh`` cannot build its environment: the classifier at its native
size, else its any-resolution model built for each ``--size``; ``--state-dict`` loads
published-layout weights into it (use this tool's ``--save-state-dict`` for the same weights on
both sides). It needs only torch and that package (no mmengine). ``--implementation timm:NAME``
times a timm backbone (``features_only``, built for each ``--size``), e.g. Swin-T on a machine
without mmdet: ``timm:swin_tiny_patch4_window7_224``.
"""
import argparse
import json
import os
import resource
from typing import List, Optional

import torch
import torch.nn as nn

from fastervit_mm.analysis.classifier import Classifier
from fastervit_mm.analysis.sizes import parse_size, published_size
from fastervit_mm.analysis.timing import time_steps


def implementation(text: str) -> str:
    if text in ('ours', 'published') or (text.startswith('timm:') and len(text) > 5):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r}: use 'ours', 'published' or 'timm:NAME' (e.g. timm:swin_tiny_patch4_window7_224)")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', default='faster_vit_0_224', help='FasterViT arch name or alias')
    p.add_argument('--implementation', type=implementation, default='ours',
                   help="'ours' (this project's backbone), 'published' (the pip package "
                   "fastervit) or 'timm:NAME' (a timm backbone, e.g. "
                   "timm:swin_tiny_patch4_window7_224, with features_only at each --size)")
    p.add_argument('--batch', type=int, nargs='+', default=[8])
    p.add_argument('--size', type=parse_size, nargs='+', default=[(224, 224)],
                   help='224 or HxW, e.g. 800x1344')
    p.add_argument('--mode', choices=['eval', 'train'], default='eval')
    p.add_argument('--amp', action='store_true', help='autocast (fp16 on CUDA, bf16 on CPU)')
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--compile', action='store_true', help='torch.compile the model')
    p.add_argument('--deploy', action='store_true', help='switch_to_deploy (cached biases)')
    p.add_argument('--with-cp', action='store_true', help='gradient checkpointing in every block')
    p.add_argument('--compat-anyres', action='store_true',
                   help="the published any-resolution model's behaviour on non-square grids "
                   '(compat_anyres=True), for output equality with it')
    p.add_argument('--with-head', action='store_true',
                   help='time the classifier (out_indices=(3,) + pool + linear) like the reference')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--iters', type=int, default=5)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    p.add_argument('--state-dict', help='published-layout weights (state dict or checkpoint)')
    p.add_argument('--save-state-dict', help='write the weights in the published layout')
    p.add_argument('--save-output', help='write {input, output} of one eval forward')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return p.parse_args(argv)


def current_rss_mb() -> float:
    """The process's resident memory now (Linux ``/proc/self/statm``; 0 elsewhere)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except OSError:
        return 0.


def load_published_layout(path: str) -> dict:
    """A state dict of published names from ``path`` (a state dict or a checkpoint holding one)."""
    try:
        from fastervit_mm.checkpoint import allow_checkpoint_globals
        allow_checkpoint_globals()
        sd = torch.load(path, map_location='cpu')
    except ImportError:  # the published model alone, without mmengine: a file this tool wrote
        sd = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(sd, dict) and key in sd:
            sd = sd[key]
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in sd.items()}


def check_other_flags(args) -> None:
    for flag in ('deploy', 'with_cp', 'compat_anyres', 'save_state_dict'):
        if getattr(args, flag):
            raise SystemExit(f'--{flag.replace("_", "-")} applies to --implementation ours only')


def build_timm(args, size) -> nn.Module:
    """A timm backbone (``--implementation timm:NAME``) returning its multi-scale maps at
    ``size``, e.g. Swin-T against FasterViT-2 at 800x1280 where mmdet is not installed."""
    check_other_flags(args)
    if args.state_dict or args.with_head:
        raise SystemExit('--state-dict and --with-head apply to ours and published only')
    try:
        import timm
    except ImportError as e:
        raise SystemExit(f'--implementation {args.implementation} needs timm ({e})') from e
    return timm.create_model(args.implementation[len('timm:'):], pretrained=False,
                             features_only=True, img_size=tuple(size), strict_img_size=False)


def build_published(args, size) -> nn.Module:
    """The published classifier of ``--arch`` for ``size`` (its any-resolution model off the
    native size), with ``--state-dict`` loaded."""
    check_other_flags(args)
    try:
        from fastervit.models import faster_vit, faster_vit_any_res
    except ImportError as e:
        raise SystemExit(f'--implementation published needs the published package ({e}): '
                         'pip install fastervit==1.0.0 timm') from e
    native = published_size(args.arch)
    if not hasattr(faster_vit, args.arch):
        raise SystemExit(f'--arch {args.arch!r}: the published package has no such model; use a '
                         'full name such as faster_vit_0_224')
    if tuple(size) == (native, native):
        model = getattr(faster_vit, args.arch)()
    else:
        name = (args.arch + '_any_res' if '21k' in args.arch
                else args.arch.replace('_224', '_any_res'))
        model = getattr(faster_vit_any_res, name)(resolution=list(size))
    if args.state_dict:
        own = model.state_dict()
        sd = {k: v for k, v in load_published_layout(args.state_dict).items()
              if k in own and own[k].shape == v.shape}
        missing = [k for k in own if k not in sd and 'relative' not in k]
        if missing:
            raise SystemExit(f'--state-dict lacks {len(missing)} weights, e.g. {missing[:3]}')
        model.load_state_dict(sd, strict=False)
    return model


def build(args) -> nn.Module:
    from fastervit_mm.models import FasterViT
    kwargs = dict(arch=args.arch, with_cp=args.with_cp, compat_anyres=args.compat_anyres)
    if args.with_head:
        model = Classifier(FasterViT(out_indices=(3, ), **kwargs))
    else:
        model = FasterViT(**kwargs)
    if args.state_dict:
        sd = load_published_layout(args.state_dict)
        backbone = model.backbone if args.with_head else model
        result = backbone.load_state_dict(sd, strict=False)
        if result.missing_keys:
            raise SystemExit(f'--state-dict lacks {result.missing_keys[:3]}...')
        if args.with_head:
            model.head.load_state_dict({'weight': sd['head.weight'], 'bias': sd['head.bias']})
    return model


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    amp_dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    built = {}

    def prepare(size):
        """(model, runner) for ``size``: ours once for all sizes, the others per size (the
        published any-resolution model and timm's are built for one)."""
        key = None if args.implementation == 'ours' else tuple(size)
        if key not in built:
            built.clear()  # one model in memory at a time
            torch.manual_seed(args.seed)
            if args.implementation == 'published':
                model = build_published(args, size).to(device)
            elif args.implementation.startswith('timm:'):
                model = build_timm(args, size).to(device)
            else:
                model = build(args).to(device)
                if args.save_state_dict:
                    from fastervit_mm.checkpoint import to_published_layout
                    torch.save(to_published_layout(model.state_dict()), args.save_state_dict)
                if args.deploy:
                    (model.backbone if args.with_head else model).switch_to_deploy()
            model = model.to(memory_format=memory_format)
            model.train(args.mode == 'train')
            built[key] = model, (torch.compile(model) if args.compile else model)
        return built[key]

    def loss_of(out):
        return out.float().sum() if torch.is_tensor(out) else sum(o.float().sum() for o in out)

    for batch in args.batch:
        for h, w in args.size:
            model, runner = prepare((h, w))
            x = torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(args.seed))
            if args.save_output:
                model.eval()
                with torch.inference_mode():
                    torch.save({'input': x, 'output': model(x.to(device)).cpu()}, args.save_output)
                model.train(args.mode == 'train')
            x = x.to(device).contiguous(memory_format=memory_format)

            def step():
                with torch.autocast(device.type, dtype=amp_dtype, enabled=args.amp):
                    if args.mode == 'eval':
                        with torch.inference_mode():
                            runner(x)
                    else:
                        model.zero_grad(set_to_none=True)
                        loss_of(runner(x)).backward()

            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats()
                base = torch.cuda.memory_allocated() / 2**20
            else:
                base = current_rss_mb()
            timing = time_steps(step, args.iters, args.warmup, device)
            times, median = timing.times, timing.median
            if device.type == 'cuda':
                peak = torch.cuda.max_memory_allocated() / 2**20
            else:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps(dict(
                arch=args.implementation[len('timm:'):] if args.implementation.startswith(
                    'timm:') else args.arch, implementation=args.implementation, batch=batch,
                size=[h, w], mode=args.mode,
                median_ms=round(median * 1000, 2), img_per_s=round(batch / median, 3),
                peak_mem_mb=round(peak, 1), base_mem_mb=round(base, 1),
                torch_compile=args.compile, device=str(device),
                amp=args.amp, channels_last=args.channels_last, deploy=args.deploy,
                with_cp=args.with_cp, compat_anyres=args.compat_anyres,
                threads=torch.get_num_threads(), times_ms=[round(t * 1000, 2) for t in times])),
                flush=True)


if __name__ == '__main__':
    main()

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
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
from typing import List, Optional

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from fastervit_mm.compat import allow_checkpoint_globals  # noqa: E402
from fastervit_mm.models import FasterViT  # noqa: E402


class Classifier(nn.Module):
    """The published classification model on the backbone: head(avgpool(norm3(stage 4)))."""

    def __init__(self, backbone: FasterViT, num_classes: int = 1000) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_channels[-1], num_classes)

    def forward(self, x):
        return self.head(self.backbone(x)[-1].mean((2, 3)))


def parse_size(text: str):
    h, _, w = text.lower().partition('x')
    return int(h), int(w or h)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', default='faster_vit_0_224', help='FasterViT arch name or alias')
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


def to_published_layout(model: nn.Module) -> dict:
    """This model's weights under the published names (``norm``, ``head``, aliased conv)."""
    sd = {}
    for key, value in model.state_dict().items():
        key = key[len('backbone.'):] if key.startswith('backbone.') else key
        if key.startswith('norm3.'):
            key = 'norm.' + key[len('norm3.'):]
        sd[key] = value
        if '.global_tokenizer.pos_embed.' in key:
            sd[key.replace('.pos_embed.', '.to_global_feature.pos.')] = value
    return sd


def current_rss_mb() -> float:
    """The process's resident memory now (Linux ``/proc/self/statm``; 0 elsewhere)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except OSError:
        return 0.


def build(args) -> nn.Module:
    kwargs = dict(arch=args.arch, with_cp=args.with_cp, compat_anyres=args.compat_anyres)
    if args.with_head:
        model = Classifier(FasterViT(out_indices=(3, ), **kwargs))
    else:
        model = FasterViT(**kwargs)
    if args.state_dict:
        allow_checkpoint_globals()
        sd = torch.load(args.state_dict, map_location='cpu')
        for key in ('state_dict', 'model'):
            if isinstance(sd, dict) and key in sd:
                sd = sd[key]
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
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    model = build(args).to(device)
    if args.save_state_dict:
        torch.save(to_published_layout(model), args.save_state_dict)
    if args.deploy:
        (model.backbone if args.with_head else model).switch_to_deploy()
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    model.train(args.mode == 'train')
    runner = torch.compile(model) if args.compile else model
    amp_dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16

    def loss_of(out):
        return out.float().sum() if torch.is_tensor(out) else sum(o.float().sum() for o in out)

    for batch in args.batch:
        for h, w in args.size:
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
                    torch.cuda.synchronize()

            if device.type == 'cuda':
                torch.cuda.reset_peak_memory_stats()
                base = torch.cuda.memory_allocated() / 2**20
            else:
                base = current_rss_mb()
            for _ in range(args.warmup):
                step()
            times = []
            for _ in range(args.iters):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            if device.type == 'cuda':
                peak = torch.cuda.max_memory_allocated() / 2**20
            else:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps(dict(
                arch=args.arch, batch=batch, size=[h, w], mode=args.mode,
                median_ms=round(median * 1000, 2), img_per_s=round(batch / median, 3),
                peak_mem_mb=round(peak, 1), base_mem_mb=round(base, 1), torch_compile=args.compile, device=str(device),
                amp=args.amp, channels_last=args.channels_last, deploy=args.deploy,
                with_cp=args.with_cp, compat_anyres=args.compat_anyres,
                threads=torch.get_num_threads(), times_ms=[round(t * 1000, 2) for t in times])),
                flush=True)


if __name__ == '__main__':
    main()

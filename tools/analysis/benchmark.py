# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Inference throughput (images/s) of a config or a FasterViT arch.

    python tools/analysis/benchmark.py faster_vit_0_224                 # GPU: batch 128, AMP
    python tools/analysis/benchmark.py configs/fastervit/fastervit-2_32xb128_in1k.py
    python tools/analysis/benchmark.py faster_vit_0_224 --device cpu --batch-size 8

Protocol: the model in eval mode under ``torch.no_grad``, random input of the model's native size
(see ``--shape``), ``--warmup`` untimed iterations, then ``--iters`` timed ones (each one
synchronised on GPU); the result is ``batch / median(iteration time)``, with the 25/75th percentile
iteration times. Defaults follow the FasterViT throughput protocol on GPU (batch 128, AMP fp16,
channels_last; the published throughputs were measured on an A100) and stay small on CPU (batch 8,
fp32, contiguous, few iterations). Compare numbers only within one machine and one setting.
"""

import argparse
import platform
from contextlib import nullcontext
from typing import Any, Dict, List, Optional

import torch

from fastervit_mm.analysis import model_factory
from fastervit_mm.analysis.timing import time_steps

GPU_DEFAULTS = dict(batch_size=128, amp=True, channels_last=True, warmup=50, iters=200)
CPU_DEFAULTS = dict(batch_size=8, amp=False, channels_last=False, warmup=2, iters=10)


def benchmark(
    spec: str,
    device: Optional[str] = None,
    batch_size: Optional[int] = None,
    shape: Optional[List[int]] = None,
    amp: Optional[bool] = None,
    amp_dtype: str = 'float16',
    channels_last: Optional[bool] = None,
    warmup: Optional[int] = None,
    iters: Optional[int] = None,
    cfg_options: Optional[dict] = None,
) -> Dict[str, Any]:
    """Measure images/s; arguments left as None take the device's defaults (module docstring).

    Returns:
        dict: the settings used and ``img_per_s`` (median), ``img_per_s_p25`` / ``_p75`` (from the
        75th / 25th percentile iteration times), ``iter_ms`` (median).
    """
    dev = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    defaults = GPU_DEFAULTS if dev.type == 'cuda' else CPU_DEFAULTS
    batch_size = batch_size or defaults['batch_size']
    amp = defaults['amp'] if amp is None else amp
    channels_last = defaults['channels_last'] if channels_last is None else channels_last
    warmup = defaults['warmup'] if warmup is None else warmup
    iters = iters or defaults['iters']

    model, inputs = model_factory.build(spec, shape, batch_size, cfg_options)
    model = model.to(dev)
    inputs = inputs.to(dev)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    autocast = torch.autocast(dev.type, dtype=getattr(torch, amp_dtype)) if amp else nullcontext()
    with torch.no_grad(), autocast:
        timing = time_steps(lambda: model(inputs), iters, warmup, dev)
    times = sorted(timing.times)
    median = timing.median
    p25, p75 = times[len(times) // 4], times[(3 * len(times)) // 4]
    name = (
        torch.cuda.get_device_name(dev)
        if dev.type == 'cuda'
        else (f'{platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)')
    )
    return dict(
        spec=spec,
        device=name,
        batch_size=batch_size,
        shape=list(inputs.shape[-2:]),
        amp=amp,
        amp_dtype=amp_dtype if amp else None,
        channels_last=channels_last,
        warmup=warmup,
        iters=iters,
        iter_ms=median * 1e3,
        img_per_s=batch_size / median,
        img_per_s_p25=batch_size / p75,
        img_per_s_p75=batch_size / p25,
        torch=torch.__version__,
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Inference throughput of a config or a FasterViT arch'
    )
    model_factory.add_model_arguments(parser)
    parser.add_argument('--device', default=None, help='cuda or cpu (default: cuda if present)')
    parser.add_argument(
        '--batch-size', type=int, default=None, help='default: 128 on GPU, 8 on CPU'
    )
    amp = parser.add_mutually_exclusive_group()
    amp.add_argument(
        '--amp', dest='amp', action='store_true', default=None, help='autocast (default on GPU)'
    )
    amp.add_argument('--no-amp', dest='amp', action='store_false', help='float32')
    parser.add_argument('--amp-dtype', default='float16', choices=['float16', 'bfloat16'])
    cl = parser.add_mutually_exclusive_group()
    cl.add_argument(
        '--channels-last',
        dest='channels_last',
        action='store_true',
        default=None,
        help='channels_last memory format (default on GPU)',
    )
    cl.add_argument('--no-channels-last', dest='channels_last', action='store_false')
    parser.add_argument('--warmup', type=int, default=None, help='default: 50 GPU, 2 CPU')
    parser.add_argument(
        '--iters',
        type=int,
        default=None,
        help='timed iterations, median taken (default: 200 GPU, 10 CPU)',
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    r = benchmark(
        args.spec,
        args.device,
        args.batch_size,
        args.shape,
        args.amp,
        args.amp_dtype,
        args.channels_last,
        args.warmup,
        args.iters,
        args.cfg_options,
    )
    h, w = r['shape']
    print(
        f'{r["spec"]}: {r["img_per_s"]:.1f} img/s (p25-p75 {r["img_per_s_p25"]:.1f}-'
        f'{r["img_per_s_p75"]:.1f}), {r["iter_ms"]:.1f} ms/iter | {r["device"]}, batch '
        f'{r["batch_size"]}, {h}x{w}, amp {r["amp_dtype"] if r["amp"] else "off"}, '
        f'channels_last {r["channels_last"]}, median of {r["iters"]} after {r["warmup"]} '
        f'warm-up'
    )
    model_factory.write_json(r, args.json)
    return r


if __name__ == '__main__':
    main()

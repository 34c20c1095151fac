# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Time the FasterViT backbone: one JSON line per (batch, size) measurement.

    python tools/analysis/benchmark_backbone.py --arch faster_vit_0_224 --batch 8 --size 224 \
        --mode eval --with-head --iters 10

Fields: arch, batch, size [H, W], mode, median_ms, img_per_s, peak_mem_mb (CUDA: peak allocated;
CPU: the process's peak resident memory), base_mem_mb (the same quantity just before the first
step: model, input and, on CPU, the interpreter; ``peak - base`` is what the steps added),
torch_compile, plus device, amp, channels_last, deploy, with_cp, compat_anyres, threads, runtime,
precision (``f32``, ``bf16`` or, with ``--amp`` on CUDA, ``fp16``), native_bf16, runtime_options
and times_ms. Several ``--batch``/``--size`` values run in one process: there, on CPU, the peak
is the highest so far, so measure memory one size per process.

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
without mmdet: ``timm:swin_tiny_patch4_window7_224``. The published package is found where it is
installed, else in ``$FASTERVIT_PUBLISHED_PATH`` (default ``~/.cache/fastervit_mm/published``), a
folder made once with ``pip install --no-deps --target ~/.cache/fastervit_mm/published
fastervit==1.0.0 timm==1.0.31`` (nothing else is needed beside this project's environment).

``--runtime onnxruntime|openvino`` times this backbone (or, with ``--with-head``, classifier)
exported to ONNX with dynamic batch, height and width (:func:`fastervit_mm.deploy.export_onnx`):
one file per process, written once (to ``--onnx FILE``, or a temporary file) and run at every
``--size`` and ``--batch``; with ``--onnx`` an existing file is run as it is (it must come from
the same arch and weights: the seed, or ``--state-dict``). The runners and their settings are
those of :mod:`fastervit_mm.deploy.runtimes` (``runtime_options`` in the JSON line). Each line
then also has ``rel_error_vs_torch``, the worst relative error of the runtime's outputs against
eager float32 PyTorch on the timed input (the run stops above 0.05: a file of other weights).
``--precision bf16`` runs in bfloat16: ``torch.autocast(device, torch.bfloat16)`` for
``--runtime torch`` (every ``--implementation``; ``--amp`` is the same on CPU), OpenVINO's
``INFERENCE_PRECISION_HINT=bf16``; ONNX Runtime refuses it. bf16 is fast only on CPUs with
AVX512-BF16 or AMX (``native_bf16`` in the line).

``--flops`` adds ``gmacs`` (multiply-accumulates of the whole forward of the batch, as
``tools/analysis/get_flops.py`` counts them, via :func:`fastervit_mm.analysis.flops.count_macs`
on the PyTorch model timed or exported) and ``achieved_gflop_s`` (``2 * macs / median``);
``--matmul-peak [N]`` (implies ``--flops``) first times an ``N x N`` matrix product (default
2048) in float32 and bfloat16 with the same loop and threads (``matmul_peak_gflop_s``) and adds
``peak_fraction``, the achieved rate over the peak of the run's precision.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from typing import List, Optional

import torch
import torch.nn as nn

from fastervit_mm.analysis.model_factory import build_ours, load_published_layout
from fastervit_mm.analysis.sizes import parse_size, published_size
from fastervit_mm.analysis.timing import matmul_gflop_s, time_steps

#: Where ``--implementation published`` looks for the published package when it is not installed.
PUBLISHED_PATH = os.environ.get(
    'FASTERVIT_PUBLISHED_PATH', os.path.expanduser('~/.cache/fastervit_mm/published')
)
#: A runtime whose outputs differ more than this from eager float32 runs other weights.
WRONG_FILE_ERROR = 0.05


def implementation(text: str) -> str:
    if text in ('ours', 'published') or (text.startswith('timm:') and len(text) > 5):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r}: use 'ours', 'published' or 'timm:NAME' (e.g. timm:swin_tiny_patch4_window7_224)"
    )


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--arch', default='faster_vit_0_224', help='FasterViT arch name or alias')
    p.add_argument(
        '--implementation',
        type=implementation,
        default='ours',
        help="'ours' (this project's backbone), 'published' (the pip package "
        "fastervit) or 'timm:NAME' (a timm backbone, e.g. "
        "timm:swin_tiny_patch4_window7_224, with features_only at each --size)",
    )
    p.add_argument('--batch', type=int, nargs='+', default=[8])
    p.add_argument(
        '--size', type=parse_size, nargs='+', default=[(224, 224)], help='224 or HxW, e.g. 800x1344'
    )
    p.add_argument('--mode', choices=['eval', 'train'], default='eval')
    p.add_argument(
        '--runtime',
        choices=['torch', 'onnxruntime', 'openvino'],
        default='torch',
        help='eager PyTorch, or the exported ONNX file in ONNX Runtime / OpenVINO (CPU)',
    )
    p.add_argument(
        '--precision',
        choices=['f32', 'bf16'],
        default='f32',
        help='bf16: torch.autocast(bfloat16) for torch, INFERENCE_PRECISION_HINT=bf16 '
        'for OpenVINO (ONNX Runtime: f32 only)',
    )
    p.add_argument(
        '--onnx',
        metavar='FILE',
        help='the exported file of --runtime onnxruntime/openvino: run as it is if it '
        'exists, else exported there (default: a temporary file)',
    )
    p.add_argument(
        '--ov-hint',
        choices=['LATENCY', 'THROUGHPUT'],
        default='LATENCY',
        help='OpenVINO PERFORMANCE_HINT',
    )
    p.add_argument(
        '--flops',
        action='store_true',
        help='add gmacs (get_flops count of the batch) and achieved_gflop_s',
    )
    p.add_argument(
        '--matmul-peak',
        type=int,
        nargs='?',
        const=2048,
        default=None,
        metavar='N',
        help='time an NxN matrix product (default 2048) in f32 and bf16 first and '
        'add the peaks and peak_fraction (implies --flops)',
    )
    p.add_argument('--amp', action='store_true', help='autocast (fp16 on CUDA, bf16 on CPU)')
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--compile', action='store_true', help='torch.compile the model')
    p.add_argument('--deploy', action='store_true', help='switch_to_deploy (cached biases)')
    p.add_argument('--with-cp', action='store_true', help='gradient checkpointing in every block')
    p.add_argument(
        '--compat-anyres',
        action='store_true',
        help="the published any-resolution model's behaviour on non-square grids "
        '(compat_anyres=True), for output equality with it',
    )
    p.add_argument(
        '--with-head',
        action='store_true',
        help='time the classifier (out_indices=(3,) + pool + linear) like the reference',
    )
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--iters', type=int, default=5)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    p.add_argument('--state-dict', help='published-layout weights (state dict or checkpoint)')
    p.add_argument('--save-state-dict', help='write the weights in the published layout')
    p.add_argument('--save-output', help='write {input, output} of one eval forward')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = p.parse_args(argv)
    if args.runtime != 'torch':
        bad = [
            f
            for f in ('compile', 'with_cp', 'compat_anyres', 'deploy', 'channels_last', 'amp')
            if getattr(args, f)
        ]
        if args.implementation != 'ours':
            bad.append('implementation ' + args.implementation)
        if args.mode != 'eval':
            bad.append('mode train')
        if args.device != 'cpu':
            bad.append('device ' + args.device)
        if bad:
            p.error(
                f'--runtime {args.runtime} runs the exported file (inference, CPU): drop '
                + ', '.join('--' + b.replace('_', '-') for b in bad)
            )
        if args.runtime == 'onnxruntime' and args.precision == 'bf16':
            p.error(
                "--precision bf16: ONNX Runtime's CPU provider runs this graph in float32 "
                'only; use --runtime openvino or torch for bf16'
            )
    elif args.onnx:
        p.error('--onnx applies to --runtime onnxruntime/openvino')
    if args.amp and args.precision == 'bf16':
        p.error('give --amp or --precision bf16, not both')
    args.flops = args.flops or args.matmul_peak is not None
    return args


def current_rss_mb() -> float:
    """The process's resident memory now (Linux ``/proc/self/statm``; 0 elsewhere)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except OSError:
        return 0.0


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
    return timm.create_model(
        args.implementation[len('timm:') :],
        pretrained=False,
        features_only=True,
        img_size=tuple(size),
        strict_img_size=False,
    )


def build_published(args, size) -> nn.Module:
    """The published classifier of ``--arch`` for ``size`` (its any-resolution model off the
    native size), with ``--state-dict`` loaded."""
    check_other_flags(args)
    if os.path.isdir(PUBLISHED_PATH) and PUBLISHED_PATH not in sys.path:
        sys.path.append(PUBLISHED_PATH)  # after the environment's own packages
    try:
        from fastervit.models import faster_vit, faster_vit_any_res
    except ImportError as e:
        raise SystemExit(
            f'--implementation published needs the published package ({e}) installed or in '
            f'{PUBLISHED_PATH} ($FASTERVIT_PUBLISHED_PATH): pip install --no-deps --target '
            f'{PUBLISHED_PATH} fastervit==1.0.0 timm==1.0.31'
        ) from e
    native = published_size(args.arch)
    if not hasattr(faster_vit, args.arch):
        raise SystemExit(
            f'--arch {args.arch!r}: the published package has no such model; use a '
            'full name such as faster_vit_0_224'
        )
    if tuple(size) == (native, native):
        model = getattr(faster_vit, args.arch)()
    else:
        name = (
            args.arch + '_any_res' if '21k' in args.arch else args.arch.replace('_224', '_any_res')
        )
        model = getattr(faster_vit_any_res, name)(resolution=list(size))
    if args.state_dict:
        own = model.state_dict()
        sd = {
            k: v
            for k, v in load_published_layout(args.state_dict).items()
            if k in own and own[k].shape == v.shape
        }
        missing = [k for k in own if k not in sd and 'relative' not in k]
        if missing:
            raise SystemExit(f'--state-dict lacks {len(missing)} weights, e.g. {missing[:3]}')
        model.load_state_dict(sd, strict=False)
    return model


def build(args) -> nn.Module:
    """Ours (:func:`~fastervit_mm.analysis.model_factory.build_ours`) as the flags say."""
    return build_ours(
        args.arch,
        args.with_head,
        args.state_dict,
        with_cp=args.with_cp,
        compat_anyres=args.compat_anyres,
    )


class ExportedRunner:
    """``--runtime onnxruntime|openvino``: this model exported once to one dynamic ONNX file (or
    ``--onnx`` as it is), run by :func:`fastervit_mm.deploy.runtimes.build_runner` at any size."""

    def __init__(self, args, model: nn.Module) -> None:
        from fastervit_mm.deploy import export_onnx
        from fastervit_mm.deploy.runtimes import build_runner

        self.tmp = None
        path = args.onnx
        if path is None:
            self.tmp = tempfile.TemporaryDirectory()
            path = os.path.join(self.tmp.name, 'model.onnx')
        self.path, self.exported, self.export_s = path, not os.path.isfile(path), None
        if self.exported:
            start = time.perf_counter()
            export_onnx(model, path, example_shape=(1, 3, *args.size[0]), dynamic=True)
            self.export_s = round(time.perf_counter() - start, 1)
        kwargs = {'hint': args.ov_hint} if args.runtime == 'openvino' else {}
        self.runner = build_runner(
            args.runtime, path, args.precision, args.threads or None, **kwargs
        )

    def fields(self) -> dict:
        """What the JSON line says about the file and the runtime."""
        return dict(
            runtime_options=self.runner.options(),
            onnx_file=None if self.tmp else self.path,
            exported=self.exported,
            export_s=self.export_s,
        )


def rel_error_vs_torch(model: nn.Module, outs: list, x: torch.Tensor) -> float:
    """The worst relative error of a runtime's outputs against eager float32 ``model(x)``."""
    from fastervit_mm.deploy.runtimes import relative_error

    with torch.inference_mode():
        ref = model.eval()(x)
    refs = [ref] if torch.is_tensor(ref) else list(ref)
    return max(relative_error(o, r.numpy()) for o, r in zip(outs, refs))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    if args.precision == 'bf16':
        amp_dtype = torch.bfloat16
    else:
        amp_dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    autocast = args.amp or args.precision == 'bf16'
    precision = {torch.float16: 'fp16', torch.bfloat16: 'bf16'}[amp_dtype] if autocast else 'f32'
    from fastervit_mm.deploy.runtimes import cpu_has_native_bf16

    common = dict(runtime=args.runtime, precision=precision, native_bf16=cpu_has_native_bf16())
    if args.matmul_peak:
        common.update(
            matmul_size=args.matmul_peak,
            matmul_peak_gflop_s={
                name: round(matmul_gflop_s(args.matmul_peak, dtype, device=device), 1)
                for name, dtype in (('f32', torch.float32), ('bf16', torch.bfloat16))
            },
        )
    built = {}

    def prepare(size):
        """(model, runner) for ``size``: ours once for all sizes, the others per size (the
        published any-resolution model and timm's are built for one); with ``--runtime`` other
        than torch, the runner is an :class:`ExportedRunner` of ours."""
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
            if args.runtime != 'torch':
                runner = ExportedRunner(args, model.eval())
            else:
                runner = torch.compile(model) if args.compile else model
            built[key] = model, runner
        return built[key]

    def loss_of(out):
        return out.float().sum() if torch.is_tensor(out) else sum(o.float().sum() for o in out)

    for batch in args.batch:
        for h, w in args.size:
            model, runner = prepare((h, w))
            x = torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(args.seed))
            extra = {}
            if args.runtime != 'torch':
                x_np = x.numpy()
                outs = runner.runner(x_np)
                extra = dict(runner.fields(), rel_error_vs_torch=rel_error_vs_torch(model, outs, x))
                if extra['rel_error_vs_torch'] > WRONG_FILE_ERROR:
                    raise SystemExit(
                        f'{runner.path}: outputs differ from this model by '
                        f'{extra["rel_error_vs_torch"]:.3g} (relative): the file holds another '
                        'model or other weights; export it again (delete it or drop --onnx)'
                    )
                if args.save_output:
                    out = [torch.from_numpy(o) for o in outs]
                    torch.save(
                        {'input': x, 'output': out[0] if args.with_head else out}, args.save_output
                    )

                def step():
                    return runner.runner(x_np)
            else:
                if args.save_output:
                    model.eval()
                    with torch.inference_mode(), torch.autocast(
                        device.type, dtype=amp_dtype, enabled=autocast
                    ):
                        out = model(x.to(device))
                    out = (
                        out.float().cpu()
                        if torch.is_tensor(out)
                        else [o.float().cpu() for o in out]
                    )
                    torch.save({'input': x, 'output': out}, args.save_output)
                    model.train(args.mode == 'train')
                x = x.to(device).contiguous(memory_format=memory_format)
                extra = dict(
                    runtime_options=dict(
                        threads=torch.get_num_threads(),
                        autocast=str(amp_dtype) if autocast else None,
                    )
                )

                def step():
                    with torch.autocast(device.type, dtype=amp_dtype, enabled=autocast):
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
            if args.flops:
                from fastervit_mm.analysis.flops import count_macs

                model.eval()
                macs = batch * count_macs(model, torch.zeros(1, 3, h, w, device=device))
                model.train(args.mode == 'train')
                achieved = 2 * macs / median / 1e9
                extra.update(gmacs=round(macs / 1e9, 3), achieved_gflop_s=round(achieved, 1))
                if args.matmul_peak:
                    peak_rate = common['matmul_peak_gflop_s'][
                        'bf16' if precision == 'bf16' else 'f32'
                    ]
                    extra['peak_fraction'] = round(achieved / peak_rate, 3)
            threads = extra['runtime_options'].get(
                'threads', extra['runtime_options'].get('inference_num_threads')
            )
            print(
                json.dumps(
                    dict(
                        arch=args.implementation[len('timm:') :]
                        if args.implementation.startswith('timm:')
                        else args.arch,
                        implementation=args.implementation,
                        batch=batch,
                        size=[h, w],
                        mode=args.mode,
                        median_ms=round(median * 1000, 2),
                        img_per_s=round(batch / median, 3),
                        peak_mem_mb=round(peak, 1),
                        base_mem_mb=round(base, 1),
                        torch_compile=args.compile,
                        device=str(device),
                        amp=args.amp,
                        channels_last=args.channels_last,
                        deploy=args.deploy,
                        with_cp=args.with_cp,
                        compat_anyres=args.compat_anyres,
                        threads=int(threads),
                        **common,
                        **extra,
                        times_ms=[round(t * 1000, 2) for t in times],
                    )
                ),
                flush=True,
            )


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Time a detector of an mmdet config, or a part of it: one JSON line per run.

    python tools/analysis/benchmark_detector.py \
        configs/mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py --size 800x1333 --part predict
    python tools/analysis/benchmark_detector.py mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py \
        --part backbone --threads 2

The config is one of ours or mmdet's own (``mmdet::`` prefix). The model is built with random
weights and never fetches any: every ``Pretrained`` ``init_cfg`` is dropped before
``init_weights`` (seeded by ``--seed``), so the tool works offline. SyncBN is reverted to BN.
It runs in eval mode under ``torch.inference_mode``.

Input: ``--batch`` random images of ``--size`` H x W (uniform 0-255, as loaded) that go once,
untimed, through the model's own ``data_preprocessor`` exactly as at test time: BGR->RGB where the
config asks for it, normalisation with its mean/std, and bottom/right padding to its
``pad_size_divisor`` (32 for the Mask R-CNN configs: 800x1333 becomes 800x1344), which also sets
``batch_input_shape`` and ``pad_shape`` in the data samples. Each image is taken as the original
image (``ori_shape = img_shape = size``, ``scale_factor = (1, 1)``), so predictions are rescaled
and masks pasted at that size. Every part sees the same padded batch (what the backbone gets
inside the detector):

* ``--part backbone``: ``model.backbone(x)``;
* ``--part neck``: ``model.neck(model.backbone(x))`` (backbone + FPN);
* ``--part predict``: ``model.predict(x, data_samples)``, the whole test-time detector
  (RPN, NMS, RoI heads, mask pasting; not the data preprocessing).

With random weights the second stage keeps few or no boxes above the test ``score_thr`` (0.05 in
mmdet's Mask R-CNN), so the mask head does little work; the output reports the boxes kept per image
(``num_dets``). To time a trained model's workload, keep ``max_per_img`` boxes with
``--cfg-options model.test_cfg.rcnn.score_thr=0``.

Output fields: config, part, batch, size [H, W] (as asked), input_shape [H, W] (padded), median_ms,
img_per_s (batch / median), times_ms (each timed iteration), peak_rss_mb (the process's peak
resident memory, ``ru_maxrss``: model building included; on CUDA also peak_cuda_mb), threads,
device, params_m (parameters of the timed part, millions), deploy, seed, and num_dets for predict.
"""

import argparse
import json
import logging
import resource
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from fastervit_mm.analysis import model_factory
from fastervit_mm.analysis.model_factory import resolve_config  # noqa: F401  (this tool's API)
from fastervit_mm.analysis.sizes import parse_size
from fastervit_mm.analysis.timing import time_steps

PARTS = ('backbone', 'neck', 'predict')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction

    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config', help='mmdet config: a path, or mmdet::<path in mmdet configs>')
    p.add_argument('--size', type=parse_size, default=(800, 1333), help='HxW (default 800x1333)')
    p.add_argument('--part', choices=PARTS, default='predict')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    p.add_argument('--device', default='cpu')
    p.add_argument(
        '--deploy',
        action='store_true',
        help="switch the backbone to deploy mode (when it has switch_to_deploy)",
    )
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value',
    )
    return p.parse_args(argv)


def _without_pretrained(init_cfg: Any) -> Any:
    """``init_cfg`` minus its ``Pretrained`` entries (None when nothing is left)."""
    if isinstance(init_cfg, dict):
        return None if init_cfg.get('type') == 'Pretrained' else init_cfg
    if isinstance(init_cfg, (list, tuple)):
        kept = [c for c in init_cfg if _without_pretrained(c) is not None]
        return kept or None
    return init_cfg


def build_detector(config: str, cfg_options: Optional[dict] = None, seed: int = 0) -> nn.Module:
    """The detector of ``config`` with random, seeded weights (no checkpoint is read), eval mode."""
    from mmdet.utils import register_all_modules
    from mmengine.logging import MMLogger
    from mmengine.model import BaseModule

    import fastervit_mm  # noqa: F401  (registers fastervit_mm.*)

    register_all_modules(init_default_scope=False)
    model, kind, _ = model_factory.build_config(config, cfg_options)
    if kind != 'det':
        raise SystemExit(f'{config} does not describe an mmdet detector ({type(model).__name__})')
    for module in model.modules():
        if isinstance(module, BaseModule) and module.init_cfg is not None:
            module.init_cfg = _without_pretrained(module.init_cfg)
    torch.manual_seed(seed)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter at INFO
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.eval()


def make_batch(
    model: nn.Module, size: Tuple[int, int], batch: int = 1, seed: int = 0
) -> Tuple[torch.Tensor, list]:
    """A test-time batch of ``batch`` random ``size`` images, through the model's preprocessor.

    Returns:
        tuple: the normalised, padded NCHW tensor and the ``DetDataSample`` list (metainfo
        img_shape, ori_shape, scale_factor, pad_shape, batch_input_shape).
    """
    from mmdet.structures import DetDataSample

    h, w = size
    gen = torch.Generator().manual_seed(seed)
    images = [
        torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8) for _ in range(batch)
    ]
    samples = [
        DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0)))
        for _ in range(batch)
    ]
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples), False)
    return data['inputs'], data['data_samples']


def count_params(*modules: nn.Module) -> float:
    return sum(p.numel() for m in modules for p in m.parameters()) / 1e6


def benchmark(args: argparse.Namespace) -> Dict[str, Any]:
    """Build, time and describe one run (see the module docstring)."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model = build_detector(args.config, args.cfg_options, args.seed).to(device)
    if args.deploy and hasattr(model.backbone, 'switch_to_deploy'):
        model.backbone.switch_to_deploy()
    x, samples = make_batch(model, args.size, args.batch, args.seed)
    if args.part == 'backbone':
        parts, run = (model.backbone,), lambda: model.backbone(x)
    elif args.part == 'neck':
        parts, run = (model.backbone, model.neck), lambda: model.neck(model.backbone(x))
    else:
        parts, run = (model,), lambda: model.predict(x, samples)

    def step():
        with torch.inference_mode():
            return run()

    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    timing = time_steps(step, args.iters, args.warmup, device)
    times, median, out = timing.times, timing.median, timing.output
    result = dict(
        config=args.config,
        part=args.part,
        batch=args.batch,
        size=list(args.size),
        input_shape=list(x.shape[-2:]),
        median_ms=round(median * 1000, 2),
        img_per_s=round(args.batch / median, 3),
        times_ms=[round(t * 1000, 2) for t in times],
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        threads=torch.get_num_threads(),
        device=str(device),
        params_m=round(count_params(*parts), 3),
        deploy=args.deploy,
        seed=args.seed,
    )
    if device.type == 'cuda':
        result['peak_cuda_mb'] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    if args.part == 'predict' and out is not None:
        result['num_dets'] = [len(s.pred_instances) for s in out]
    return result


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    if args.iters < 1:
        raise SystemExit('--iters must be at least 1')
    result = benchmark(args)
    print(json.dumps(result), flush=True)
    return result


if __name__ == '__main__':
    main()

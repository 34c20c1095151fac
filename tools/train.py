# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Train a model from a config: mmdet 3.3 / mmseg 1.2 ``tools/train.py`` conventions.

Works for any OpenMMLab 2.x config (the config's ``default_scope`` picks mmdet, mmseg, ...).
Additions over the upstream script: dataset paths are checked before anything is built, and
``--launcher`` also works on CPU-only machines (Gloo; see :mod:`fastervit_mm.engine.dist`).

Examples::

    python tools/train.py configs/demo/mask-rcnn_fastervit-demo_fpn_synthetic-192.py
    tools/dist_train.sh configs/mask_rcnn/mask-rcnn_fastervit-2_fpn_1x_coco.py 8 --amp
"""

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # a clone works uninstalled
from fastervit_mm.datasets import check_data_paths  # noqa: E402
from fastervit_mm.engine.cli import add_common_args, build_runner, load_config, parse_args  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic-mixed-precision training'
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by (GPUs x batch per GPU) / auto_scale_lr.base_batch_size',
    )
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest checkpoint in '
        'the work directory',
    )
    args = parse_args(add_common_args(parser))
    cfg = load_config(args)

    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {wrapper_type}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.auto_scale_lr:
        if not (
            'auto_scale_lr' in cfg
            and 'enable' in cfg.auto_scale_lr
            and 'base_batch_size' in cfg.auto_scale_lr
        ):
            raise RuntimeError(
                '--auto-scale-lr needs auto_scale_lr=dict(enable=..., '
                'base_batch_size=...) in the config'
            )
        cfg.auto_scale_lr.enable = True

    # resume: an explicit checkpoint > the latest one in work_dir
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    loaders = ['train_dataloader'] + (['val_dataloader'] if cfg.get('val_cfg') else [])
    check_data_paths(cfg, loaders)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Test (and evaluate) a checkpoint: mmdet 3.3 / mmseg 1.2 ``tools/test.py`` conventions.

Works for any OpenMMLab 2.x config (its ``default_scope`` picks mmdet, mmseg, ...); ``--launcher``
also works on CPU-only machines.

Examples::

    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out results.pkl
    tools/dist_test.sh CONFIG CHECKPOINT 8
"""

import argparse
import inspect
import os.path as osp
import sys

from mmengine.evaluator import DumpResults
from mmengine.registry import HOOKS, METRICS, init_default_scope

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # a clone works uninstalled
from fastervit_mm.datasets import check_data_paths  # noqa: E402
from fastervit_mm.engine.cli import add_common_args, build_runner, load_config, parse_args  # noqa: E402


def scoped_get(registry, name: str):
    """The class registered as ``name`` for the current default scope (None if there is none)."""
    with registry.switch_scope_and_registry(None) as scoped:
        return scoped.get(name)


def enable_visualization(cfg, args) -> None:
    """Switch on the config's visualization hook (mmdet's and mmseg's) for --show/--show-dir."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise RuntimeError('--show/--show-dir need default_hooks.visualization in the config')
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        params = inspect.signature(scoped_get(HOOKS, hook['type']).__init__).parameters
        if 'test_out_dir' in params:  # mmdet: images go to work_dir/<timestamp>/show_dir
            hook['test_out_dir'] = args.show_dir
        else:  # mmseg: the visualizer's save_dir
            cfg.visualizer['save_dir'] = args.show_dir


def main():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        type=str,
        help='a .pkl/.pickle file: dump the predictions for offline evaluation; otherwise a '
        "directory given to the evaluator as output_dir (mmseg's convention)",
    )
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images are saved (relative paths: under '
        'work_dir/<timestamp>/)',
    )
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='test-time augmentation (tta_model, tta_pipeline)'
    )
    args = parse_args(add_common_args(parser))
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        enable_visualization(cfg, args)
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise RuntimeError('--tta needs tta_model and tta_pipeline in the config')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    dump = args.out is not None and args.out.endswith(('.pkl', '.pickle'))
    if args.out is not None and not dump:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    check_data_paths(cfg, ['test_dataloader'])
    runner = build_runner(cfg)
    if dump:  # mmdet's DumpDetResults stores masks as RLE; other libraries get mmengine's
        metric = scoped_get(METRICS, 'DumpDetResults') or DumpResults
        runner.test_evaluator.metrics.append(metric(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Deploy a detector or segmentor with a FasterViT backbone through mmdeploy.

The arguments are those of mmdeploy's ``tools/deploy.py`` (which its wheel does not ship); the
conversion is mmdeploy's Python API (``torch2onnx``, ``visualize_model``) with the rewriters of
:mod:`fastervit_mm.deploy.mmdeploy_support` registered. ONNX Runtime needs no conversion after
the ONNX export.

Example::

    python tools/deployment/deploy.py configs/deploy/instance-seg_onnxruntime_dynamic.py \\
        configs/mask_rcnn/mask-rcnn_fastervit-0_fpn_1x_coco.py CKPT.pth demo.jpg \\
        --work-dir work_dirs/mask-rcnn_ort --test-img demo.jpg --verify

writes ``work_dirs/mask-rcnn_ort/end2end.onnx`` (dynamic batch, height and width), and with
``--test-img`` the PyTorch and ONNX Runtime predictions drawn on the test images
(``output_pytorch*``, ``output_onnxruntime*``; segmentation: the first test image).
``--verify`` (not an mmdeploy flag) runs both on the test images and prints their agreement as
one JSON line.
"""

import argparse
import json
import logging
import os
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a model with a FasterViT backbone through mmdeploy'
    )
    parser.add_argument('deploy_cfg', help='deploy config path (configs/deploy/)')
    parser.add_argument('model_cfg', help='model config path')
    parser.add_argument('checkpoint', help='model checkpoint path')
    parser.add_argument('img', help='image used to convert the model')
    parser.add_argument(
        '--test-img',
        default=None,
        type=str,
        nargs='+',
        help='images used to test the model (default: img)',
    )
    parser.add_argument('--work-dir', default=os.getcwd(), help='the dir to save logs and models')
    parser.add_argument('--device', default='cpu', help='device used for conversion')
    parser.add_argument(
        '--log-level', default='INFO', choices=list(logging._nameToLevel), help='set log level'
    )
    parser.add_argument('--show', action='store_true', help='show the outputs in a window')
    parser.add_argument(
        '--dump-info', action='store_true', help='output information for the mmdeploy SDK'
    )
    parser.add_argument(
        '--verify',
        action='store_true',
        help='compare the backend with PyTorch on the test images '
        '(fastervit_mm addition; prints one JSON line)',
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmdeploy.apis import visualize_model
    from mmdeploy.utils import (
        Backend,
        Task,
        get_backend,
        get_root_logger,
        get_task_type,
        load_config,
    )

    import fastervit_mm  # noqa: F401  (registers the FasterViT modules)
    from fastervit_mm.deploy import mmdeploy_support

    logger = get_root_logger()
    logger.setLevel(args.log_level)
    os.makedirs(args.work_dir, exist_ok=True)
    deploy_cfg, model_cfg = load_config(args.deploy_cfg, args.model_cfg)
    checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint

    files = mmdeploy_support.export_model(
        deploy_cfg, model_cfg, checkpoint, args.img, args.work_dir, args.device
    )
    logger.info(f'exported: {files}')
    if args.dump_info:
        from mmdeploy.backend.sdk.export_info import export2SDK

        export2SDK(deploy_cfg, model_cfg, args.work_dir, pth=checkpoint, device=args.device)

    test_imgs = args.test_img or [args.img]
    backend = get_backend(deploy_cfg)
    drawn = test_imgs
    if get_task_type(deploy_cfg) == Task.SEGMENTATION and len(test_imgs) > 1:
        # mmdeploy's segmentation visualizer is cached per backend name and writes the images
        # after the first one to the current directory instead of the work dir
        logger.info('segmentation: drawing the first test image only')
        drawn = test_imgs[:1]
    for i, img in enumerate(drawn):
        suffix = '' if len(drawn) == 1 else f'_{i}'
        for model, kind in (([checkpoint], Backend.PYTORCH), (files, backend)):
            visualize_model(
                model_cfg,
                deploy_cfg,
                model,
                img,
                args.device,
                backend=kind,
                output_file=osp.join(args.work_dir, f'output_{kind.value}{suffix}.jpg'),
                show_result=args.show,
            )
    result = dict(files=files)
    if args.verify:
        result['parity'] = mmdeploy_support.compare_with_pytorch(
            deploy_cfg, model_cfg, checkpoint, files, test_imgs, args.device
        )
        print(json.dumps(result['parity']))
    return result


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Run a trained model on images and write pictures of its predictions (PNG by default).

Any OpenMMLab 2.x detection or segmentation config works: the model, the test pipeline (without
its annotation loading) and the visualizer come from the config, and the class names from the
checkpoint's ``dataset_meta`` (or the config's dataset ``metainfo``).

Examples::

    python tools/demo/image_demo.py data/synthetic_coco/val/000501.png CONFIG CHECKPOINT
    python tools/demo/image_demo.py data/synthetic_coco/val CONFIG CHECKPOINT --out-dir vis \
        --score-thr 0.5 --limit 8 --grid docs/images/demo_predictions.png
"""

import argparse
import copy
import inspect
import math
import os
import os.path as osp
import sys

import mmcv
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import MODELS, VISUALIZERS, init_default_scope
from mmengine.runner import load_checkpoint

# the configs import fastervit_mm: a clone works uninstalled
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('inputs', help='an image file or a directory of images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs/demo', help='where pictures are written')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--score-thr', type=float, default=0.3, help='detection score threshold')
    parser.add_argument('--limit', type=int, default=None, help='at most this many images')
    parser.add_argument('--grid', help='also write the pictures tiled into this one file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config settings'
    )
    return parser.parse_args()


def list_images(inputs: str):
    if osp.isdir(inputs):
        return sorted(
            osp.join(inputs, f) for f in os.listdir(inputs) if f.lower().endswith(IMAGE_EXTENSIONS)
        )
    if not osp.isfile(inputs):
        raise FileNotFoundError(f'no image or directory at {inputs!r}')
    return [inputs]


def build_inference(cfg: Config, checkpoint: str, device: str):
    """Model (eval mode, weights loaded), test pipeline and dataset meta for ``cfg``."""
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model_cfg = copy.deepcopy(cfg.model)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg.backbone.init_cfg = None  # the checkpoint holds every weight
    model = MODELS.build(model_cfg)
    ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
    model.to(device).eval()
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset:  # dataset wrappers
        dataset = dataset.dataset
    meta = ckpt.get('meta', {}).get('dataset_meta') or dict(dataset.get('metainfo') or {})
    pipeline = Compose([t for t in dataset.pipeline if 'LoadAnnotations' not in t['type']])
    return model, pipeline, meta


def draw(visualizer, name: str, image: np.ndarray, result, score_thr: float) -> np.ndarray:
    kwargs = dict(data_sample=result, draw_gt=False, show=False)
    if 'pred_score_thr' in inspect.signature(visualizer.add_datasample).parameters:
        kwargs['pred_score_thr'] = score_thr  # detection visualizers
    visualizer.add_datasample(name, image, **kwargs)
    return visualizer.get_image()


def tile(images, columns: int = 4) -> np.ndarray:
    h = max(i.shape[0] for i in images)
    w = max(i.shape[1] for i in images)
    rows = math.ceil(len(images) / columns)
    grid = np.full((rows * h, min(columns, len(images)) * w, 3), 255, np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, columns)
        grid[r * h : r * h + img.shape[0], c * w : c * w + img.shape[1]] = img
    return grid


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model, pipeline, meta = build_inference(cfg, args.checkpoint, args.device)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    visualizer.dataset_meta = meta
    os.makedirs(args.out_dir, exist_ok=True)
    pictures = []
    for path in list_images(args.inputs)[: args.limit]:
        data = pseudo_collate([pipeline(dict(img_path=path, img_id=0))])
        with torch.no_grad():
            result = model.test_step(data)[0]
        image = mmcv.imread(path, channel_order='rgb')
        picture = draw(visualizer, osp.basename(path), image, result, args.score_thr)
        out_file = osp.join(args.out_dir, osp.splitext(osp.basename(path))[0] + '.png')
        mmcv.imwrite(picture[..., ::-1], out_file)
        pictures.append(picture)
        print(f'{path} -> {out_file}')
    if args.grid and pictures:
        mmcv.imwrite(tile(pictures)[..., ::-1], args.grid)
        print(f'{len(pictures)} pictures tiled into {args.grid}')


if __name__ == '__main__':
    main()

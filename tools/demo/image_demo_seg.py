# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Segment images with a trained model; write colour-blended PNGs of the predicted masks.

For every image ``<stem>.<ext>`` it writes ``<out-dir>/<stem>_seg.png``: the image with the
predicted classes blended in their palette colours ("other"/ignored pixels keep the image's).
With ``--gt-dir`` (annotation maps named ``<stem>.png``) each picture shows image | ground truth |
prediction. With several images, all pictures are also tiled, with a legend of the classes, into
``<out-dir>/seg_grid.png``. Model loading and the test pipeline are those of
``tools/demo/image_demo.py``.

Examples::

    python tools/demo/image_demo_seg.py demo.jpg CONFIG CHECKPOINT --out-dir outputs/seg
    python tools/demo/image_demo_seg.py data/synthetic_ade20k/images/validation \\
        configs/demo/fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py CHECKPOINT \\
        --gt-dir data/synthetic_ade20k/annotations/validation --limit 8
"""

import argparse
import os
import os.path as osp
import sys
from typing import Sequence

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from PIL import Image

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from image_demo import build_inference, list_images, tile  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('inputs', help='an image file or a directory of images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs/seg', help='where pictures are written')
    parser.add_argument('--gt-dir', help='annotation maps named like the images (<stem>.png)')
    parser.add_argument('--limit', type=int, default=None, help='at most this many images')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.8,
        help='mask opacity in [0, 1] (mmseg visualizer default)',
    )
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config settings'
    )
    return parser.parse_args()


def blend(img: np.ndarray, labels: np.ndarray, palette: Sequence, opacity: float) -> np.ndarray:
    """Blend ``labels`` (H, W class ids) into the RGB ``img`` in ``palette`` colours; ids outside
    the palette (the ignore index 255) keep the image colour."""
    colours = np.asarray(palette, np.float32).reshape(-1, 3)
    valid = labels < len(colours)
    out = img.astype(np.float32)
    out[valid] = (1 - opacity) * out[valid] + opacity * colours[labels[valid]]
    return np.clip(out, 0, 255).astype(np.uint8)


def read_gt(path: str, reduce_zero_label: bool) -> np.ndarray:
    """An annotation map as mmseg's ``LoadAnnotations`` reads it (class ids, 255 = ignore)."""
    seg = np.asarray(Image.open(path)).astype(np.int64)
    if reduce_zero_label:  # 0 ("other") and 255 become 255, the rest id - 1
        seg[seg == 0] = 255
        seg = seg - 1
        seg[seg == 254] = 255
    return seg


def legend(classes: Sequence[str], palette: Sequence, width: int) -> np.ndarray:
    """RGB rows naming each class next to a swatch of its colour."""
    cell = 110
    per_row = max(1, width // cell)
    rows = []
    for start in range(0, len(classes), per_row):
        row = np.full((22, width, 3), 255, np.uint8)
        for j, (name, colour) in enumerate(
            zip(classes[start : start + per_row], palette[start : start + per_row])
        ):
            x = j * cell + 4
            cv2.rectangle(row, (x, 5), (x + 12, 17), tuple(int(v) for v in colour), -1)
            cv2.putText(
                row,
                str(name),
                (x + 16, 16),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.4,
                (0, 0, 0),
                1,
                cv2.LINE_AA,
            )
        rows.append(row)
    return np.concatenate(rows, 0)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model, pipeline, meta = build_inference(cfg, args.checkpoint, args.device)
    classes, palette = meta.get('classes'), meta.get('palette')
    if not classes or not palette:
        raise ValueError(
            f'no class names/palette in the dataset_meta of {args.checkpoint!r} nor '
            f'in the metainfo of the config\'s test dataset'
        )
    os.makedirs(args.out_dir, exist_ok=True)
    pictures = []
    for path in list_images(args.inputs)[: args.limit]:
        data = pseudo_collate([pipeline(dict(img_path=path, img_id=0))])
        with torch.no_grad():
            result = model.test_step(data)[0]
        pred = result.pred_sem_seg.data[0].cpu().numpy()
        image = cv2.imread(path)[..., ::-1]
        panels = [blend(image, pred, palette, args.opacity)]
        stem = osp.splitext(osp.basename(path))[0]
        if args.gt_dir:
            gt = read_gt(osp.join(args.gt_dir, stem + '.png'), meta.get('reduce_zero_label'))
            panels = [image, blend(image, gt, palette, args.opacity)] + panels
        picture = np.concatenate(panels, 1)
        out_file = osp.join(args.out_dir, f'{stem}_seg.png')
        cv2.imwrite(out_file, picture[..., ::-1])
        pictures.append(picture)
        print(f'{path} -> {out_file}')
    if len(pictures) > 1:
        grid = tile(pictures, columns=2 if args.gt_dir else 4)
        grid = np.concatenate([grid, legend(classes, palette, grid.shape[1])], 0)
        out_file = osp.join(args.out_dir, 'seg_grid.png')
        cv2.imwrite(out_file, grid[..., ::-1])
        print(f'{len(pictures)} pictures tiled into {out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Segment images with a trained model; write colour-blended PNGs of the predicted masks.

For every image ``<stem>.<ext>`` it writes ``<out-dir>/<stem>_seg.png``: the image with the
predicted classes blended in their palette colours. With ``--gt-dir`` (a folder of annotation
maps named like the images) each picture shows image | ground truth | prediction. With several
images a legend-annotated grid of all pictures is written as ``<out-dir>/seg_grid.png``.

Examples::

    python tools/demo/image_demo_seg.py demo.jpg CONFIG CHECKPOINT --out-dir outputs
    python tools/demo/image_demo_seg.py data/synthetic_ade20k/images/validation \\
        configs/demo/fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py work_dirs/x.pth \\
        --gt-dir data/synthetic_ade20k/annotations/validation --num 8
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Sequence

import cv2
import numpy as np
from mmengine.config import DictAction
from PIL import Image

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='an image file or a directory of images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs/seg', help='where the PNGs go')
    parser.add_argument('--gt-dir', help='annotation maps named like the images (<stem>.png)')
    parser.add_argument('--num', type=int, default=0, help='at most this many images (0: all)')
    parser.add_argument('--opacity', type=float, default=0.5, help='mask opacity in [0, 1]')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs')
    return parser.parse_args()


def blend(img: np.ndarray, labels: np.ndarray, palette: Sequence, opacity: float,
          ignore_index: int = 255) -> np.ndarray:
    """Blend ``labels`` (H, W ids) into the RGB ``img`` with ``palette`` colours.

    Pixels with ``ignore_index`` (or an id outside the palette) keep the image colour.
    """
    colours = np.asarray(palette, np.float32).reshape(-1, 3)
    valid = (labels != ignore_index) & (labels < len(colours))
    out = img.astype(np.float32)
    out[valid] = (1 - opacity) * out[valid] + opacity * colours[labels[valid]]
    return np.clip(out, 0, 255).astype(np.uint8)


def read_gt(path: str, reduce_zero_label: bool) -> np.ndarray:
    """Read an annotation map as mmseg's LoadAnnotations does (ids, 255 = ignore)."""
    seg = np.asarray(Image.open(path)).astype(np.int64)
    if reduce_zero_label:  # 0 ("other") and 255 become 255, the rest id - 1
        seg[seg == 0] = 255
        seg = seg - 1
        seg[seg == 254] = 255
    return seg


def legend(classes: Sequence[str], palette: Sequence, width: int) -> np.ndarray:
    """An RGB strip naming each class next to a swatch of its colour."""
    entries = [(str(c), tuple(int(v) for v in p)) for c, p in zip(classes, palette)]
    cell, rows = 110, []
    per_row = max(1, width // cell)
    for start in range(0, len(entries), per_row):
        row = np.full((22, width, 3), 255, np.uint8)
        for j, (name, colour) in enumerate(entries[start:start + per_row]):
            x = j * cell + 4
            cv2.rectangle(row, (x, 5), (x + 12, 17), colour, -1)
            cv2.putText(row, name, (x + 16, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                        cv2.LINE_AA)
        rows.append(row)
    return np.concatenate(rows, 0)


def grid(panels: List[np.ndarray], columns: int) -> np.ndarray:
    """Tile equally sized panels, ``columns`` per row, with a white gap."""
    h, w = panels[0].shape[:2]
    gap = 4
    rows = (len(panels) + columns - 1) // columns
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap, 3), 255, np.uint8)
    for i, p in enumerate(panels):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = p
    return out


def list_images(path: str, num: int) -> List[str]:
    if osp.isdir(path):
        files = sorted(osp.join(path, f) for f in os.listdir(path)
                       if f.lower().endswith(IMG_EXTS))
    elif osp.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f'image path {path!r} does not exist')
    if not files:
        raise FileNotFoundError(f'no images ({", ".join(IMG_EXTS)}) in {path!r}')
    return files[:num] if num > 0 else files


def main():
    args = parse_args()
    from mmseg.apis import inference_model, init_model

    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    meta = model.dataset_meta or {}
    classes, palette = meta.get('classes'), meta.get('palette')
    if not classes or not palette:
        raise ValueError(f'{args.checkpoint!r} carries no dataset_meta classes/palette: use a '
                         'checkpoint saved by the mmengine Runner (tools/train.py)')
    reduce_zero_label = bool(meta.get('reduce_zero_label', False))
    os.makedirs(args.out_dir, exist_ok=True)
    panels = []
    for path in list_images(args.img, args.num):
        result = inference_model(model, path)
        pred = result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
        img = cv2.imread(path)[..., ::-1]
        pictures = [img, blend(img, pred, palette, args.opacity)]
        stem = osp.splitext(osp.basename(path))[0]
        if args.gt_dir:
            gt = read_gt(osp.join(args.gt_dir, stem + '.png'), reduce_zero_label)
            pictures.insert(1, blend(img, gt, palette, args.opacity))
        panel = np.concatenate(pictures, 1) if len(pictures) > 2 else pictures[1]
        out_file = osp.join(args.out_dir, f'{stem}_seg.png')
        cv2.imwrite(out_file, panel[..., ::-1])
        panels.append(panel)
        print(f'{path} -> {out_file}')
    if len(panels) > 1 and all(p.shape == panels[0].shape for p in panels):
        tiles = grid(panels, columns=2 if args.gt_dir else 4)
        tiles = np.concatenate([tiles, legend(classes, palette, tiles.shape[1])], 0)
        out_file = osp.join(args.out_dir, 'seg_grid.png')
        cv2.imwrite(out_file, tiles[..., ::-1])
        print(f'grid of {len(panels)} pictures -> {out_file}')


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Write the synthetic dataset of a CPU demo: det (COCO format), seg (ADE20K format) or cls.

Examples::

    python tools/misc/make_demo_data.py det --out data/synthetic_coco --seed 0
    python tools/misc/make_demo_data.py seg --out data/synthetic_ade20k
    python tools/misc/make_demo_data.py cls --out data/synthetic_shapes

The task defaults to ``det``. Every default (output directory, split sizes, image size) is the
demo config's, so ``python tools/misc/make_demo_data.py TASK`` writes what ``tools/run_demo.sh
TASK`` trains on (``fastervit_mm.SyntheticShapeDataset`` regenerates the classification files when
its arguments differ from what their ``meta.json`` records).
"""

import argparse
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from fastervit_mm.datasets import (  # noqa: E402
    SHAPE_CLASSES,
    SYNTHETIC_ADE_METAINFO,
    SYNTHETIC_METAINFO,
    make_synthetic_ade20k,
    make_synthetic_cls,
    make_synthetic_coco,
)

#: Per task: the demo's output directory, training and validation images and (H, W).
DEFAULTS = {
    'det': dict(out='data/synthetic_coco', num_train=500, num_val=100, size=(192, 192)),
    'seg': dict(out='data/synthetic_ade20k', num_train=400, num_val=100, size=(128, 128)),
    'cls': dict(out='data/synthetic_shapes', num_train=2400, num_val=400, size=(64, 64)),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'task',
        nargs='?',
        default='det',
        choices=sorted(DEFAULTS),
        help='which demo the data is for (default: det)',
    )
    parser.add_argument('--out', help='output directory (default: the demo config\'s)')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--num-train', type=int, help='training images')
    parser.add_argument('--num-val', type=int, help='validation images')
    parser.add_argument(
        '--size', type=int, nargs=2, metavar=('H', 'W'), help='image height and width'
    )
    parser.add_argument(
        '--num-classes',
        type=int,
        default=None,
        help=f'det only: use the first N of {list(SYNTHETIC_METAINFO["classes"])}',
    )
    args = parser.parse_args(argv)
    if args.num_classes is not None and args.task != 'det':
        parser.error('--num-classes applies to the det data only')
    for key, value in DEFAULTS[args.task].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def _det(args) -> None:
    files = make_synthetic_coco(
        args.out, args.num_train, args.num_val, args.size, args.seed, args.num_classes
    )
    for split, path in files.items():
        with open(path) as f:
            ann = json.load(f)
        print(
            f'{split}: {len(ann["images"])} images, {len(ann["annotations"])} objects, '
            f'{len(ann["categories"])} classes -> {path}'
        )


def _seg(args) -> None:
    counts = make_synthetic_ade20k(args.out, args.num_train, args.num_val, args.size, args.seed)
    for split, count in counts.items():
        print(
            f'{split}: {count} images -> {osp.join(args.out, "images", split)}, '
            f'{osp.join(args.out, "annotations", split)}'
        )
    print(
        f'{len(SYNTHETIC_ADE_METAINFO["classes"])} classes '
        f'{SYNTHETIC_ADE_METAINFO["classes"]} (annotation values 1..N, 0 = other)'
    )


def _cls(args) -> None:
    folders = make_synthetic_cls(args.out, args.num_train, args.num_val, args.size, args.seed)
    print(
        f'{args.num_train} training and {args.num_val} validation images of classes '
        f'{list(SHAPE_CLASSES)} -> {folders}'
    )


_WRITERS = {
    'det': (_det, 'COCO-format'),
    'seg': (_seg, 'ADE20K-format'),
    'cls': (_cls, 'classification'),
}


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    write, kind = _WRITERS[args.task]
    write(args)
    print(f'synthetic {kind} dataset written to {args.out} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()

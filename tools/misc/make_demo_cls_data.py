# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Write the synthetic shape-classification dataset used by the classification demo config.

Example::

    python tools/misc/make_demo_cls_data.py --out data/synthetic_shapes

The defaults are the demo config's (fastervit_mm.SyntheticShapeDataset regenerates the files when
its arguments differ from what ``meta.json`` records).
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from fastervit_mm.datasets import SHAPE_CLASSES, make_synthetic_cls  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/synthetic_shapes', help='output directory')
    parser.add_argument('--num-train', type=int, default=2400, help='training images')
    parser.add_argument('--num-val', type=int, default=400, help='validation images')
    parser.add_argument('--size', type=int, nargs=2, default=(64, 64), metavar=('H', 'W'))
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    folders = make_synthetic_cls(args.out, args.num_train, args.num_val, args.size, args.seed)
    print(f'{args.num_train} training and {args.num_val} validation images of classes '
          f'{list(SHAPE_CLASSES)} written to {folders} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()

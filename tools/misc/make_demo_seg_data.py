# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Write the synthetic ADE20K-format semantic-segmentation dataset used by the demo configs.

Example::

    python tools/misc/make_demo_seg_data.py --out data/synthetic_ade20k --seed 0
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from fastervit_mm.datasets import SYNTHETIC_ADE_METAINFO, make_synthetic_ade20k  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/synthetic_ade20k', help='output directory')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--num-train', type=int, default=400, help='training images')
    parser.add_argument('--num-val', type=int, default=100, help='validation images')
    parser.add_argument('--size', type=int, nargs=2, default=(128, 128), metavar=('H', 'W'),
                        help='image height and width')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    counts = make_synthetic_ade20k(args.out, args.num_train, args.num_val, args.size, args.seed)
    for split, count in counts.items():
        print(f'{split}: {count} images -> {osp.join(args.out, "images", split)}, '
              f'{osp.join(args.out, "annotations", split)}')
    print(f'{len(SYNTHETIC_ADE_METAINFO["classes"])} classes '
          f'{SYNTHETIC_ADE_METAINFO["classes"]} (annotation values 1..N, 0 = other)')
    print(f'synthetic ADE20K-format dataset written to {args.out} in '
          f'{time.time() - start:.1f} s')


if __name__ == '__main__':
    main()

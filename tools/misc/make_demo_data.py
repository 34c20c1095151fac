# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Write the synthetic COCO-format instance-segmentation dataset used by the demo configs.

Example::

    python tools/misc/make_demo_data.py --out data/synthetic_coco --seed 0
"""
import argparse
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
from fastervit_mm.datasets import SYNTHETIC_METAINFO, make_synthetic_coco  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/synthetic_coco', help='output directory')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument('--num-train', type=int, default=500, help='training images')
    parser.add_argument('--num-val', type=int, default=100, help='validation images')
    parser.add_argument('--size', type=int, nargs=2, default=(192, 192), metavar=('H', 'W'),
                        help='image height and width')
    parser.add_argument('--num-classes', type=int, default=None,
                        help=f'use the first N of {list(SYNTHETIC_METAINFO["classes"])}')
    return parser.parse_args()


def main():
    args = parse_args()
    start = time.time()
    files = make_synthetic_coco(args.out, args.num_train, args.num_val, args.size, args.seed,
                                args.num_classes)
    for split, path in files.items():
        with open(path) as f:
            ann = json.load(f)
        print(f'{split}: {len(ann["images"])} images, {len(ann["annotations"])} objects, '
              f'{len(ann["categories"])} classes -> {path}')
    print(f'synthetic COCO dataset written to {args.out} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Convert a published FasterViT checkpoint (``fastervit_*.pth.tar``) to a plain state dict.

    python tools/model_converters/fastervit_official_to_mm.py SRC DST [--backbone-only]

Not needed to use the published weights (``init_cfg=dict(type='Pretrained', checkpoint=SRC)``
loads them directly); it writes a smaller file without the optimizer state, the position-bias
caches and the aliased carrier-initialiser conv. Without ``--backbone-only`` the keys are those of
an mmpretrain ``ImageClassifier`` (``backbone.*``, ``head.fc.*``); with it, the backbone's own keys
(for ``init_cfg=dict(type='Pretrained', checkpoint=DST)`` in a detector or segmentor backbone).

The published weights are under NVIDIA's non-commercial licence (NVIDIA Source Code License-NC);
converted files stay under it.
"""

import argparse
import os
import sys
from typing import List, Optional

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

from fastervit_mm.checkpoint import convert_official_state_dict  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='published checkpoint (.pth.tar) or state dict')
    parser.add_argument('dst', help='output file (a plain state dict)')
    parser.add_argument(
        '--backbone-only',
        action='store_true',
        help='drop the classifier and write the backbone keys without prefix',
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    checkpoint = torch.load(args.src, map_location='cpu')  # importing fastervit_mm allow-lists
    state_dict = convert_official_state_dict(checkpoint, backbone_only=args.backbone_only)
    os.makedirs(os.path.dirname(os.path.abspath(args.dst)), exist_ok=True)
    torch.save(state_dict, args.dst)
    print(
        f'{args.src} -> {args.dst}: {len(state_dict)} tensors, '
        f'{sum(v.numel() for v in state_dict.values())} values'
    )


if __name__ == '__main__':
    main()

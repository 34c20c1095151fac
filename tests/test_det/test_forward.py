# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""One ``loss`` and one ``predict`` step of Mask R-CNN and Cascade Mask R-CNN with a small
FasterViT on CPU, at odd image sizes that reach the backbone unpadded."""

import pytest
import torch
from mmengine.config import Config

from fastervit_mm.engine import replace_sync_bn

from .conftest import CASCADE_CONFIG, DEMO_CONFIG, build_detector

IMAGE_SHAPES = [(3, 131, 97), (3, 101, 123)]


def _small_cascade_overrides(demo):
    """The demo's backbone and widths in the real Cascade config (three 4conv1fc GIoU stages)."""
    overrides = {
        'backbone': dict(_delete_=True, **demo.model.backbone),
        'neck.in_channels': demo.model.neck.in_channels,
        'neck.out_channels': 64,
        'rpn_head.in_channels': 64,
        'rpn_head.feat_channels': 64,
        'roi_head.bbox_roi_extractor.out_channels': 64,
        'roi_head.mask_roi_extractor.out_channels': 64,
        'roi_head.mask_head.in_channels': 64,
        'roi_head.mask_head.conv_out_channels': 64,
        'roi_head.mask_head.num_classes': 4,
    }
    for stage in range(3):
        overrides.update(
            {
                f'roi_head.bbox_head.{stage}.in_channels': 64,
                f'roi_head.bbox_head.{stage}.conv_out_channels': 64,
                f'roi_head.bbox_head.{stage}.fc_out_channels': 128,
                f'roi_head.bbox_head.{stage}.num_classes': 4,
                f'train_cfg.rcnn.{stage}.sampler.num': 64,
            }
        )
    return overrides


@pytest.mark.parametrize('family', ['mask-rcnn', 'cascade-mask-rcnn'])
def test_loss_and_predict_at_odd_sizes(family, mmdet_scope):
    from mmdet.structures import DetDataSample
    from mmdet.testing import demo_mm_inputs

    demo = Config.fromfile(DEMO_CONFIG)
    if family == 'mask-rcnn':
        model = build_detector(demo, **{'data_preprocessor.pad_size_divisor': 1})
    else:
        cfg = Config.fromfile(CASCADE_CONFIG)
        replace_sync_bn(cfg.model)  # its heads use SyncBN; CPU tests use BN
        model = build_detector(
            cfg, **_small_cascade_overrides(demo), **{'data_preprocessor.pad_size_divisor': 1}
        )
    assert type(model.backbone).__name__ == 'FasterViT'
    torch.manual_seed(0)
    packed = demo_mm_inputs(2, IMAGE_SHAPES, num_items=[3, 2], num_classes=4, with_mask=True)

    model.train()
    data = model.data_preprocessor(packed, True)
    assert tuple(data['inputs'].shape[-2:]) == (131, 123)  # odd sizes reach the backbone
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    assert any('loss_mask' in k for k in losses) and 'loss_rpn_cls' in losses
    if family == 'cascade-mask-rcnn':
        assert {'s0.loss_bbox', 's1.loss_bbox', 's2.loss_bbox'} <= set(losses)
    total.backward()
    stem = model.backbone.patch_embed.conv_down[0].weight
    assert stem.grad is not None and torch.isfinite(stem.grad).all() and stem.grad.abs().sum() > 0

    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, False), mode='predict')
    assert len(results) == 2
    for result, (_, h, w) in zip(results, IMAGE_SHAPES):
        assert isinstance(result, DetDataSample)
        pred = result.pred_instances
        assert pred.bboxes.shape[1] == 4 and len(pred.scores) == len(pred.labels) == len(pred)
        assert pred.masks.shape[1:] == (h, w)

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""A loss and a predict step of UperNet + a small FasterViT (HAT on in stage 3), built from the demo
config, at 512x512 and at an odd size, with whole-image and sliding-window inference."""

import pytest
import torch

from .conftest import build_segmentor

NUM_CLASSES = 6


def _batch(sizes, seed=0):
    """Packed inputs as a dataloader gives them: uint8 images and SegDataSamples."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for h, w in sizes:
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        labels = torch.randint(0, NUM_CLASSES, (1, h, w), generator=g)
        labels[:, :4] = 255  # some ignored pixels, like ADE20K's "other"
        sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize(
    'size, pad_to',
    [((512, 512), (512, 512)), ((189, 247), (189, 247))],
    ids=['512x512', 'odd-189x247'],
)
def test_loss_step(demo_cfg, size, pad_to):
    torch.manual_seed(0)
    model = build_segmentor(demo_cfg, **{'data_preprocessor.size': pad_to}).train()
    data = model.data_preprocessor(_batch([size, size]), training=True)
    assert tuple(data['inputs'].shape[-2:]) == size
    losses = model(**data, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for n, p in model.named_parameters() if n.startswith('backbone.levels.2')]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize(
    'size, mode',
    [((512, 512), 'whole'), ((189, 247), 'whole'), ((189, 247), 'slide')],
    ids=['512x512-whole', 'odd-whole', 'odd-slide'],
)
def test_predict_step(demo_cfg, size, mode):
    test_cfg = dict(mode=mode)
    if mode == 'slide':
        test_cfg.update(crop_size=(128, 128), stride=(85, 85))
    model = build_segmentor(demo_cfg, test_cfg=test_cfg, **{'data_preprocessor.size': None})
    data = model.data_preprocessor(_batch([size]), training=False)
    seen = []
    model.backbone.register_forward_hook(lambda m, args, out: seen.append(args[0].shape[-2:]))
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 1
    pred = results[0].pred_sem_seg.data
    logits = results[0].seg_logits.data
    assert pred.shape == (1, *size) and logits.shape == (NUM_CLASSES, *size)
    assert 0 <= int(pred.min()) and int(pred.max()) < NUM_CLASSES
    assert torch.isfinite(logits).all()
    if mode == 'slide':  # 2 x 3 overlapping 128x128 windows
        assert seen == [(128, 128)] * 6
    else:
        assert seen == [size]

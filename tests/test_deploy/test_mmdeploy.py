# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""mmdeploy: the demo Mask R-CNN and UperNet exported to ONNX Runtime (dynamic N, H, W) through
``tools/deployment/deploy.py`` and compared with PyTorch on synthetic images.

Random weights, with ``test_cfg.rcnn.score_thr=0``: every one of the 50 detections per image is
kept, so the comparison covers the RPN, both NMS stages, the class-specific boxes and the masks
of low-scored detections too, where a trained model would hide differences. The images are of
two sizes per model (the exported file serves both) and one batch has two images.
"""

import copy
import glob
import importlib
import os.path as osp
import runpy

import pytest
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_DEMO = osp.join(REPO_ROOT, 'configs', 'demo', 'mask-rcnn_fastervit-demo_fpn_synthetic-192.py')
SEG_DEMO = osp.join(
    REPO_ROOT, 'configs', 'demo', 'fastervit-demo_upernet_1xb8-1k_synthetic-ade20k-128x128.py'
)
DET_DEPLOY = osp.join(REPO_ROOT, 'configs', 'deploy', 'instance-seg_onnxruntime_dynamic.py')
SEG_DEPLOY = osp.join(REPO_ROOT, 'configs', 'deploy', 'segmentation_onnxruntime_dynamic.py')


def _require(module: str):
    """Import a deployment package or fail (not skip) saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pytest.fail(
            f'{module} is needed for the mmdeploy tests ({e}); install the deploy extra '
            '(tools/setup_env.sh, docs/deployment.md)'
        )


@pytest.fixture(scope='module')
def support():
    for name in ('onnx', 'onnxruntime', 'mmdeploy'):
        _require(name)
    from fastervit_mm.deploy import mmdeploy_support

    return mmdeploy_support


def _random_weights(cfg, scope: str, path: str, seed: int = 0) -> str:
    from mmengine.registry import init_default_scope

    init_default_scope(scope)
    registry = importlib.import_module(f'{scope}.registry')
    torch.manual_seed(seed)
    model = registry.MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


@pytest.fixture(scope='module')
def det_case(support, tmp_path_factory):
    """The demo Mask R-CNN (score_thr=0, random weights) exported with tools/deployment/deploy.py
    on a 192x192 image, then checked with ``--verify`` on two 192x192 images and one 128x192
    image (resized by the pipeline to a multiple of 32: see test_detections_at_padded_size)."""
    from mmengine.config import Config

    from fastervit_mm.datasets import make_synthetic_coco

    tmp = tmp_path_factory.mktemp('mmdeploy_det')
    make_synthetic_coco(str(tmp / 'square'), num_train=1, num_val=2, size=(192, 192), seed=0)
    make_synthetic_coco(str(tmp / 'wide'), num_train=1, num_val=1, size=(128, 192), seed=1)
    make_synthetic_coco(str(tmp / 'odd'), num_train=1, num_val=1, size=(150, 236), seed=2)
    cfg = Config.fromfile(DET_DEMO)
    cfg.model.test_cfg.rcnn.score_thr = 0.0
    cfg.test_dataloader.dataset.data_root = str(tmp / 'square') + '/'
    model_cfg = str(tmp / 'model_cfg.py')
    cfg.dump(model_cfg)
    checkpoint = _random_weights(cfg, 'mmdet', str(tmp / 'det.pth'))
    images = sorted(glob.glob(str(tmp / 'square' / 'val' / '*.png')))
    images += sorted(glob.glob(str(tmp / 'wide' / 'val' / '*.png')))
    work_dir = str(tmp / 'work')
    tool = runpy.run_path(osp.join(REPO_ROOT, 'tools', 'deployment', 'deploy.py'))
    result = tool['main'](
        [
            DET_DEPLOY,
            model_cfg,
            checkpoint,
            images[0],
            '--work-dir',
            work_dir,
            '--test-img',
            *images,
            '--verify',
        ]
    )
    odd = sorted(glob.glob(str(tmp / 'odd' / 'val' / '*.png')))
    return dict(
        cfg=model_cfg,
        checkpoint=checkpoint,
        files=result['files'],
        images=images,
        parity=result['parity'],
        work_dir=work_dir,
        odd_images=odd,
    )


@pytest.fixture(scope='module')
def seg_case(support, tmp_path_factory):
    """The demo UperNet (random weights) exported on a 96x128 image and compared on 96x128 and
    100x140 images (the pipeline resizes the latter to 91x128, and the logits back to 100x140)."""
    from mmengine.config import Config

    from fastervit_mm.datasets import make_synthetic_ade20k

    tmp = tmp_path_factory.mktemp('mmdeploy_seg')
    make_synthetic_ade20k(str(tmp / 'a'), num_train=1, num_val=2, size=(96, 128), seed=0)
    make_synthetic_ade20k(str(tmp / 'b'), num_train=1, num_val=1, size=(100, 140), seed=1)
    cfg = Config.fromfile(SEG_DEMO)
    model_cfg = str(tmp / 'model_cfg.py')
    cfg.dump(model_cfg)
    checkpoint = _random_weights(cfg, 'mmseg', str(tmp / 'seg.pth'))
    images = sorted(glob.glob(str(tmp / 'a' / 'images' / 'validation' / '*.jpg')))
    images += sorted(glob.glob(str(tmp / 'b' / 'images' / 'validation' / '*.jpg')))
    files = support.export_model(SEG_DEPLOY, model_cfg, checkpoint, images[0], str(tmp / 'work'))
    return dict(cfg=model_cfg, checkpoint=checkpoint, files=files, images=images)


def _assert_standard_dynamic_graph(path: str, input_rank: int = 4) -> None:
    import onnx

    model = onnx.load(path)
    onnx.checker.check_model(model)
    domains = {node.domain for node in model.graph.node}
    assert domains <= {'', 'ai.onnx'}, f'custom-domain nodes in {path}: {domains}'
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert len(dims) == input_rank
    assert all(d.dim_param for d in dims[:1] + dims[2:]), f'batch/height/width not dynamic: {dims}'


def test_mask_rcnn_onnxruntime_matches_pytorch(det_case):
    parity = det_case['parity']
    assert parity['images'] == 3
    assert {s[2:] for s in parity['input_shapes']} == {(192, 192), (128, 192)}
    assert parity['count_torch'] == 150  # 50 per image (score_thr=0)
    assert abs(parity['count_backend'] - parity['count_torch']) <= 0.01 * parity['count_torch']
    assert parity['pairs'] == min(parity['count_torch'], parity['count_backend'])
    assert parity['box_iou_min'] > 0.99, parity
    assert parity['label_agreement'] == 1.0, parity
    assert parity['mask_iou_min'] > 0.98, parity
    for name in ('output_pytorch_0.jpg', 'output_onnxruntime_2.jpg'):
        assert osp.isfile(osp.join(det_case['work_dir'], name)), name


def test_mask_rcnn_graph_is_standard_and_dynamic(det_case):
    """No mmdeploy custom op (RoiAlign and NonMaxSuppression are standard ONNX ops), so the
    file runs in any ONNX Runtime without libmmdeploy_onnxruntime_ops.so."""
    _assert_standard_dynamic_graph(det_case['files'][0])


def test_mask_rcnn_batch_of_two(det_case, support):
    """Two images in one batch (batch 2 from a file exported with batch 1). Both are 192x192:
    a smaller image in the batch would be padded, see test_detections_at_padded_size."""
    parity = support.compare_with_pytorch(
        DET_DEPLOY,
        det_case['cfg'],
        det_case['checkpoint'],
        det_case['files'],
        det_case['images'][:2],
        batch_size=2,
    )
    assert parity['input_shapes'] == [(2, 3, 192, 192)]
    assert parity['count_backend'] == parity['count_torch'] == 100
    assert parity['box_iou_min'] > 0.99 and parity['label_agreement'] == 1.0, parity
    assert parity['mask_iou_min'] > 0.98, parity


def test_detections_at_padded_size(det_case, support):
    """Known limit (docs/deployment.md): the graph sees only the padded input, so it clips boxes
    to the padded size where mmdetection clips them to the resized image (122x192 here, padded
    to 128x192). Given that same clipping size, PyTorch and ONNX Runtime agree exactly."""
    processor, torch_model, backend_model = support.build_models(
        DET_DEPLOY, det_case['cfg'], det_case['checkpoint'], det_case['files']
    )
    data, _ = processor.create_input(det_case['odd_images'][0], None)
    assert data['data_samples'][0].img_shape == (122, 192)
    padded = copy.deepcopy(data)
    padded['data_samples'][0].set_metainfo(dict(img_shape=(128, 192)))
    with torch.no_grad():
        backend = backend_model.test_step(copy.deepcopy(data))
        torch_padded = torch_model.test_step(padded)
    parity = support.compare_detections(torch_padded, backend)
    assert parity['count_backend'] == parity['count_torch'] == 50
    assert parity['box_iou_min'] > 0.99 and parity['label_agreement'] == 1.0, parity
    assert parity['mask_iou_min'] > 0.98, parity


def test_upernet_onnxruntime_matches_pytorch(seg_case, support):
    _assert_standard_dynamic_graph(seg_case['files'][0])
    parity = support.compare_with_pytorch(
        SEG_DEPLOY, seg_case['cfg'], seg_case['checkpoint'], seg_case['files'], seg_case['images']
    )
    assert {s[2:] for s in parity['input_shapes']} == {(96, 128), (91, 128)}
    assert parity['shapes_equal']
    assert parity['pixel_agreement'] >= 0.995, parity


@pytest.mark.parametrize('size', [(3, 4), (7, 5), (12, 12), (1, 1)])
def test_adaptive_pooling_follows_the_size(support, size):
    """The UperNet pyramid-pooling rewrite equals ``adaptive_avg_pool2d`` for maps smaller
    than, equal to and not a multiple of the output (scales 2, 3, 6)."""
    x = torch.randn(2, 3, *size)
    for out in (2, 3, 6):
        rows = support.adaptive_pooling_matrix(size[0], out, x.dtype)
        cols = support.adaptive_pooling_matrix(size[1], out, x.dtype)
        got = rows @ x @ cols.T
        ref = torch.nn.functional.adaptive_avg_pool2d(x, out)
        torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)

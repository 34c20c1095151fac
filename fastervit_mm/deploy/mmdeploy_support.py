# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""mmdeploy 1.3.1 on this stack: rewriters registered from this package.

Importing this module registers, through mmdeploy's own extension mechanism
(:data:`mmdeploy.core.FUNCTION_REWRITER` / :data:`mmdeploy.core.SYMBOLIC_REWRITER`), what
mmdeploy needs to export a detector or segmentor with a FasterViT backbone on torch >= 2.9 and
to give the same detections as PyTorch. The rewriters are active only inside mmdeploy's
``RewriterContext`` (i.e. during ``mmdeploy.apis.torch2onnx``); nothing is patched at import.
``tools/deployment/deploy.py`` imports it; import it yourself before calling mmdeploy's API.

Export (any backend):

* ``torch.onnx.export``: mmdeploy calls it with TorchScript-era arguments, which torch >= 2.9
  routes to the dynamo exporter (it fails on mmdeploy's models). The rewriter calls the
  TorchScript exporter (``compat.onnx_export``) and, before tracing,
  switches every FasterViT inside the model to the graph form
  (:func:`fastervit_mm.deploy.to_graph_form_`), so that the backbone traces with dynamic height
  and width.

ONNX Runtime backend (``backend_config.type='onnxruntime'``, :data:`BACKENDS`):

* ``torch.nn.functional.scaled_dot_product_attention``: mmdeploy's default rewrite divides the
  logits by ``scale`` where PyTorch multiplies by it (``scale=d**-0.5`` then multiplies the
  logits by ``d``); FasterViT passes ``scale``. Here the call goes to PyTorch's own function,
  which the TorchScript exporter writes as MatMul/Softmax (opset >= 14).
* ``mmcv.ops.roi_align`` (symbolic): mmdeploy's uses ``torch.onnx.symbolic_opset9._cast_Long``,
  which torch 2.13 no longer has. The replacement emits the same standard ``RoiAlign`` node.
* ``RPNHead.predict_by_feat`` and ``BBoxHead.predict_by_feat``: mmdeploy's versions differ from
  mmdetection's in PyTorch: the RPN suppresses across FPN levels (mmdetection: per level), keeps
  boxes mmdetection drops (``min_bbox_size``) and applies a score threshold mmdetection does not
  have; the R-CNN head gives every class the box of the RoI's best class (mmdetection: each
  class its own regressed box). These replacements do what mmdetection does, in the graph:
  :func:`batched_nms` (mmcv's ``batched_nms``: one standard ``NonMaxSuppression`` over boxes
  offset per class or level). Thresholds and counts come from the model's ``test_cfg``, as in
  PyTorch (the deploy config's ``post_processing`` is not used by them).
* ``CascadeRoIHead.predict_bbox`` / ``predict_mask``: mmdeploy's refinement asserts
  class-agnostic regression (the FasterViT cascade configs regress per class) and averages the
  mask *logits* over the stages (mmdetection: the sigmoid probabilities). Replaced likewise.
* ``torch.nn.functional.adaptive_avg_pool2d``: mmdeploy's default is an ``avg_pool2d`` frozen
  at the export size (UperNet's pyramid pooling); here it follows the run-time size.

mmsegmentation's post-processing (resize the logits, then argmax) is the backend model
``end2end_logits`` (:class:`End2EndLogitsModel`), registered in mmdeploy's registry. The
functions at the end (:func:`export_model`, :func:`compare_with_pytorch`, ...) are the API of
``tools/deployment/deploy.py`` and of the tests.
"""

import copy
from typing import Any, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdeploy.core import FUNCTION_REWRITER, SYMBOLIC_REWRITER
from mmdeploy.mmcv.ops.nms import ONNXNMSop
from mmdeploy.utils import get_ir_config
from torch import Tensor

from fastervit_mm.compat import onnx_export
from fastervit_mm.models.backbones.fastervit import FasterViT

from .export import to_graph_form_

__all__ = [
    'BACKENDS',
    'holds_fastervit',
    'batched_nms',
    'adaptive_pooling_matrix',
    'export_model',
    'build_models',
    'compare_detections',
    'compare_segmentation',
    'compare_with_pytorch',
    'End2EndLogitsModel',
]

#: mmdeploy backends the rewriters are registered for (tested: ONNX Runtime; the exported file
#: also runs in OpenVINO's ONNX reader, see docs/deployment.md).
BACKENDS = ('onnxruntime',)


def holds_fastervit(model: torch.nn.Module) -> bool:
    """Whether ``model`` has a :class:`~fastervit_mm.models.FasterViT` among its modules."""
    return any(isinstance(m, FasterViT) for m in model.modules())


@FUNCTION_REWRITER.register_rewriter('torch.onnx.export')
def torch_onnx_export__torchscript(
    model: Any, args: Any, f: Any = None, *rest: Any, **kwargs: Any
) -> Any:
    """``torch.onnx.export`` as mmdeploy expects it: the TorchScript exporter, with any
    FasterViT inside ``model`` in graph form first."""
    ctx = FUNCTION_REWRITER.get_context()
    if isinstance(model, torch.nn.Module) and holds_fastervit(model):
        to_graph_form_(model.eval())
    return onnx_export(model, args, f, *rest, export=ctx.origin_func, **kwargs)


def _register_for_backends(func_name: str):
    """Register the decorated function as rewriter of ``func_name`` for each of
    :data:`BACKENDS` (a backend-specific rewriter takes precedence over mmdeploy's default)."""

    def wrap(fn):
        for backend in BACKENDS:
            fn = FUNCTION_REWRITER.register_rewriter(func_name, backend=backend)(fn)
        return fn

    return wrap


@_register_for_backends('torch.nn.functional.scaled_dot_product_attention')
def scaled_dot_product_attention__pytorch(*args: Any, **kwargs: Any) -> Tensor:
    """PyTorch's own ``scaled_dot_product_attention`` (undo mmdeploy's default rewrite)."""
    return FUNCTION_REWRITER.get_context().origin_func(*args, **kwargs)


def adaptive_pooling_matrix(size: Any, out: int, dtype: torch.dtype, device=None) -> Tensor:
    """(out, size) averaging matrix of ``adaptive_avg_pool`` along one axis: row ``i`` averages
    ``[floor(i * size / out), ceil((i + 1) * size / out))``. ``size`` may be a traced size."""
    size = torch.as_tensor(size, device=device)
    i = torch.arange(out, device=device)[:, None]
    start = torch.div(i * size, out, rounding_mode='floor')
    end = torch.div((i + 1) * size + out - 1, out, rounding_mode='floor')
    j = torch.arange(size, device=device)[None, :]
    inside = (j >= start) & (j < end)
    return inside.to(dtype) / (end - start).to(dtype)


@_register_for_backends('torch.nn.functional.adaptive_avg_pool2d')
def adaptive_avg_pool2d__dynamic(input: Tensor, output_size: Any) -> Tensor:
    """``adaptive_avg_pool2d`` that follows the run-time size: ``P_h · X · P_wᵀ`` with the
    averaging matrices of :func:`adaptive_pooling_matrix` (ONNX has no adaptive pooling).

    mmdeploy's default rewrite is an ``avg_pool2d`` with kernel ``int(size / out)`` taken at the
    export size: frozen in the graph, different bins when the size is not a multiple of the
    output, and a zero kernel (export error) when the map is smaller than the output, as in
    UperNet's pyramid pooling (scales 1, 2, 3, 6 on the stride-32 map).
    """
    ctx = FUNCTION_REWRITER.get_context()
    out_h, out_w = (output_size, output_size) if isinstance(output_size, int) else output_size
    if out_h is None or out_w is None or (out_h == 1 and out_w == 1):
        return ctx.origin_func(input, output_size)  # GlobalAveragePool
    rows = adaptive_pooling_matrix(input.shape[-2], out_h, input.dtype, input.device)
    cols = adaptive_pooling_matrix(input.shape[-1], out_w, input.dtype, input.device)
    return torch.matmul(torch.matmul(rows, input), cols.transpose(0, 1))


@SYMBOLIC_REWRITER.register_symbolic('mmcv.ops.roi_align.__self__', backend='onnxruntime')
def roi_align__standard(
    g: Any,
    input: Tensor,
    rois: Tensor,
    output_size: List[int],
    spatial_scale: float,
    sampling_ratio: int,
    pool_mode: str,
    aligned: bool,
) -> Any:
    """Standard ONNX ``RoiAlign`` for ``mmcv.ops.roi_align``."""
    ctx = SYMBOLIC_REWRITER.get_context()
    opset = get_ir_config(ctx.cfg).get('opset_version', 11)
    if opset < 16 and aligned:
        raise ValueError(
            'roi_align with aligned=True needs opset >= 16 (RoiAlign-16 has '
            "coordinate_transformation_mode='half_pixel'); set "
            'onnx_config.opset_version'
        )
    first = g.op('Constant', value_t=torch.tensor([0], dtype=torch.long))
    batch = g.op('Gather', rois, first, axis_i=1)
    if opset >= 13:
        batch = g.op('Squeeze', batch, g.op('Constant', value_t=torch.tensor([1])))
    else:
        batch = g.op('Squeeze', batch, axes_i=[1])
    batch = g.op('Cast', batch, to_i=7)  # int64
    boxes = g.op(
        'Gather',
        rois,
        g.op('Constant', value_t=torch.tensor([1, 2, 3, 4], dtype=torch.long)),
        axis_i=1,
    )
    attrs = dict(
        output_height_i=output_size[0],
        output_width_i=output_size[1],
        spatial_scale_f=spatial_scale,
        sampling_ratio_i=sampling_ratio,
        mode_s=pool_mode,
    )
    if opset >= 16:
        attrs['coordinate_transformation_mode_s'] = 'half_pixel' if aligned else 'output_half_pixel'
    return g.op('RoiAlign', input, boxes, batch, **attrs)


def batched_nms(
    boxes: Tensor,
    scores: Tensor,
    idxs: Tensor,
    iou_threshold: float,
    score_threshold: Optional[float],
    max_num: int,
) -> Tuple[Tensor, Tensor]:
    """mmcv's ``batched_nms`` + mmdetection's top-``max_num``, per image, for graphs.

    As mmcv does for fewer than 10000 boxes, boxes of different ``idxs`` (classes, or FPN
    levels) are shifted apart by ``idxs * (max coordinate + 1)`` so that one class-agnostic
    NMS (a standard ONNX ``NonMaxSuppression``) suppresses only within each group.

    Args:
        boxes (Tensor): (B, M, 4) boxes, x1y1x2y2.
        scores (Tensor): (B, M) scores; candidates with a score below 0 are left out.
        idxs (Tensor): (B, M) group of each box (int64).
        iou_threshold (float): A box is suppressed by a higher-scored one of its group above
            this IoU.
        score_threshold (float, optional): Only scores above it are kept (mmdetection's
            ``score_thr``); None keeps every non-negative score.
        max_num (int): Most boxes kept per image, highest scores first.

    Returns:
        tuple[Tensor, Tensor]: ``dets`` (B, K, 5) (box and score, by decreasing score) and
        ``idxs`` (B, K) of the kept boxes, K <= ``max_num``; an image with fewer boxes is
        padded with zero boxes of score 0 and group -1.
    """
    batch = boxes.shape[0]
    max_coordinate = boxes.flatten(1).max(1)[0]
    offsets = idxs.to(boxes.dtype) * (max_coordinate[:, None] + 1)
    threshold = -0.5 if score_threshold is None else float(score_threshold)
    selected = ONNXNMSop.apply(
        boxes + offsets[..., None],
        scores[:, None, :],
        max_num,
        torch.tensor([iou_threshold], dtype=torch.float32),
        torch.tensor([threshold], dtype=torch.float32),
    )
    img, box = selected[:, 0], selected[:, 2]
    # a (B, selected + 1) table of the kept scores of each image (-1 elsewhere), then top-k
    owner = img[None, :] == torch.arange(batch, device=boxes.device)[:, None]
    table = torch.where(owner, scores[img, box][None, :], scores.new_tensor(-1.0))
    table = torch.cat([table, table.new_full((batch, 1), -1.0)], 1)
    box = torch.cat([box, box.new_zeros(1)])
    top, column = table.topk(max_num, dim=1)
    keep = box[column]
    rows = torch.arange(batch, device=boxes.device)[:, None]
    valid = top >= 0
    dets = torch.cat([boxes[rows, keep], top[..., None]], -1)
    dets = torch.where(valid[..., None], dets, dets.new_zeros(1))
    labels = torch.where(valid, idxs[rows, keep], idxs.new_tensor(-1))
    return dets, labels


@_register_for_backends('mmdet.models.dense_heads.rpn_head.RPNHead.predict_by_feat')
def rpn_head__predict_by_feat(
    self,
    cls_scores: Sequence[Tensor],
    bbox_preds: Sequence[Tensor],
    score_factors: Optional[Sequence[Tensor]] = None,
    batch_img_metas: Optional[List[dict]] = None,
    cfg: Optional[dict] = None,
    rescale: bool = False,
    with_nms: bool = True,
    **kwargs: Any,
) -> Tuple[Tensor, Tensor]:
    """Proposals as mmdetection's ``RPNHead`` makes them, batched for a graph: per level the
    ``nms_pre`` best anchors, boxes decoded and clipped to the input, boxes not larger than
    ``min_bbox_size`` dropped, NMS within each level, the ``max_per_img`` best kept.

    Returns:
        tuple[Tensor, Tensor]: ``dets`` (B, K, 5) and ``labels`` (B, K), as mmdeploy's
        R-CNN rewriters expect; padding rows are zero boxes.
    """
    cfg = self.test_cfg if cfg is None else cfg
    img_shape = batch_img_metas[0]['img_shape']
    batch = cls_scores[0].shape[0]
    nms_pre = cfg.get('nms_pre', -1)
    priors = self.prior_generator.grid_priors(
        [s.shape[-2:] for s in cls_scores], device=cls_scores[0].device
    )
    mlvl_scores, mlvl_deltas, mlvl_priors, mlvl_ids = [], [], [], []
    for level, (cls_score, bbox_pred, prior) in enumerate(zip(cls_scores, bbox_preds, priors)):
        cls_score = cls_score.permute(0, 2, 3, 1)
        if self.use_sigmoid_cls:
            scores = cls_score.reshape(batch, -1).sigmoid()
        else:
            scores = cls_score.reshape(batch, -1, 2).softmax(-1)[..., 0]
        deltas = bbox_pred.permute(0, 2, 3, 1).reshape(batch, -1, self.bbox_coder.encode_size)
        prior = prior[None].expand(batch, -1, -1)
        if nms_pre > 0:
            scores, inds = scores.topk(nms_pre, dim=1)
            rows = torch.arange(batch, device=scores.device)[:, None]
            deltas, prior = deltas[rows, inds], prior[rows, inds]
        mlvl_scores.append(scores)
        mlvl_deltas.append(deltas)
        mlvl_priors.append(prior)
        mlvl_ids.append(torch.full_like(scores, level, dtype=torch.long))
    scores = torch.cat(mlvl_scores, 1)
    boxes = self.bbox_coder.decode(
        torch.cat(mlvl_priors, 1), torch.cat(mlvl_deltas, 1), max_shape=img_shape
    )
    min_size = cfg.get('min_bbox_size', -1)
    if min_size >= 0:
        w, h = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
        scores = torch.where((w > min_size) & (h > min_size), scores, scores.new_tensor(-1.0))
    return batched_nms(
        boxes, scores, torch.cat(mlvl_ids, 1), cfg.nms.iou_threshold, None, cfg.max_per_img
    )


@_register_for_backends('mmdet.models.roi_heads.bbox_heads.bbox_head.BBoxHead.predict_by_feat')
def bbox_head__predict_by_feat(
    self,
    rois: Tensor,
    cls_scores: Tensor,
    bbox_preds: Tensor,
    batch_img_metas: List[dict],
    rcnn_test_cfg: Optional[dict] = None,
    rescale: bool = False,
) -> Tuple[Tensor, Tensor]:
    """Detections as mmdetection's ``BBoxHead`` makes them, batched for a graph: each class
    gets its own regressed box (one box for all when ``reg_class_agnostic``), scores above
    ``score_thr``, NMS within each class, the ``max_per_img`` best kept.

    ``rois`` (B, N, 5) come from mmdeploy's R-CNN rewriters (batch index, box); zero-area rois
    are the RPN's padding rows and give no detection.

    Returns:
        tuple[Tensor, Tensor]: ``dets`` (B, K, 5) and ``labels`` (B, K).
    """
    if self.custom_cls_channels:
        scores = self.loss_cls.get_activation(cls_scores)
    else:
        scores = F.softmax(cls_scores, dim=-1)
    batch, num_rois = rois.shape[:2]
    num_classes = self.num_classes
    boxes = self.bbox_coder.decode(
        rois[..., 1:], bbox_preds, max_shape=batch_img_metas[0]['img_shape']
    )
    boxes = boxes.reshape(batch, num_rois, -1, 4).expand(-1, -1, num_classes, -1)
    scores = scores[..., :num_classes]
    w, h = rois[..., 3] - rois[..., 1], rois[..., 4] - rois[..., 2]
    scores = torch.where(((w > 0) & (h > 0))[..., None], scores, scores.new_tensor(-1.0))
    labels = torch.arange(num_classes, device=scores.device).expand_as(scores)
    return batched_nms(
        boxes.reshape(batch, -1, 4),
        scores.reshape(batch, -1),
        labels.reshape(batch, -1),
        rcnn_test_cfg.nms.iou_threshold,
        rcnn_test_cfg.score_thr,
        rcnn_test_cfg.max_per_img,
    )


def _as_batch_rois(proposals: Tensor) -> Tensor:
    """(B, N, 5) ``dets`` of the RPN -> (B * N, 5) rois (batch index, box)."""
    batch, num = proposals.shape[:2]
    index = torch.arange(batch, device=proposals.device).to(proposals.dtype)
    index = index.view(-1, 1, 1) + proposals.new_zeros(batch, num, 1)
    return torch.cat([index, proposals[..., :4]], -1).reshape(-1, 5)


@_register_for_backends('mmdet.models.roi_heads.cascade_roi_head.CascadeRoIHead.predict_bbox')
def cascade_roi_head__predict_bbox(
    self,
    x: Tuple[Tensor],
    batch_img_metas: List[dict],
    rpn_results_list: Any,
    rcnn_test_cfg: Any,
    rescale: bool = False,
    **kwargs: Any,
) -> Tuple[Tensor, Tensor]:
    """mmdetection's cascade refinement, batched for a graph: between stages each RoI is
    regressed with the deltas of its best class (``regress_by_class``; mmdeploy's version only
    supports class-agnostic regression), the stages' class scores are averaged and the last
    stage's deltas decode the final boxes (:func:`bbox_head__predict_by_feat`)."""
    proposals = rpn_results_list[0]
    batch, num = proposals.shape[:2]
    rois = _as_batch_rois(proposals)
    img_shape = batch_img_metas[0]['img_shape']
    stage_scores = []
    for stage in range(self.num_stages):
        head = self.bbox_head[stage]
        results = self._bbox_forward(stage, x, rois, **kwargs)
        cls_score, bbox_pred = results['cls_score'], results['bbox_pred']
        stage_scores.append(cls_score)
        if stage < self.num_stages - 1:
            scores = (
                head.loss_cls.get_activation(cls_score) if head.custom_activation else cls_score
            )
            deltas = bbox_pred
            if not head.reg_class_agnostic:
                label = scores[:, :-1].argmax(1)
                size = head.bbox_coder.encode_size
                deltas = bbox_pred.reshape(bbox_pred.shape[0], -1, size)
                deltas = deltas.gather(1, label.view(-1, 1, 1).expand(-1, 1, size))[:, 0]
            boxes = head.bbox_coder.decode(rois[None, :, 1:], deltas[None], max_shape=img_shape)[0]
            rois = torch.cat([rois[:, :1], boxes], -1)
    cls_scores = sum(stage_scores) / float(len(stage_scores))
    return self.bbox_head[-1].predict_by_feat(
        rois=rois.reshape(batch, num, 5),
        cls_scores=cls_scores.reshape(batch, num, -1),
        bbox_preds=bbox_pred.reshape(batch, num, -1),
        batch_img_metas=batch_img_metas,
        rcnn_test_cfg=rcnn_test_cfg,
        rescale=rescale,
    )


@_register_for_backends('mmdet.models.roi_heads.cascade_roi_head.CascadeRoIHead.predict_mask')
def cascade_roi_head__predict_mask(
    self, x: Tuple[Tensor], batch_img_metas: List[dict], results_list: Any, rescale: bool = False
) -> Tuple[Tensor, Tensor, Tensor]:
    """mmdetection's cascade masks: the mean over the stages of the *sigmoid* mask
    probabilities (mmdeploy averages the logits and then applies the sigmoid), the channel of
    each detection's class.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``dets``, ``labels`` and ``masks`` (B, K, h, w)
        probabilities at the mask head's size, as mmdeploy's ``End2EndModel`` pastes them.
    """
    dets, labels = results_list
    batch, num = dets.shape[:2]
    rois = _as_batch_rois(dets)
    probs = sum(
        self._mask_forward(stage, x, rois)['mask_preds'].sigmoid()
        for stage in range(self.num_stages)
    ) / float(self.num_stages)
    if self.mask_head[-1].class_agnostic:
        masks = probs[:, 0]
    else:
        index = labels.reshape(-1).clamp(min=0)
        masks = probs[torch.arange(probs.shape[0], device=probs.device), index]
    return dets, labels, masks.reshape(batch, num, masks.shape[-2], masks.shape[-1])


def _register_segmentation_model() -> type:
    """Register ``codebase_config.model_type='end2end_logits'`` for mmsegmentation.

    mmdeploy's ``End2EndModel`` takes the class map at the network input size (argmax in the
    graph, or in Python for ``with_argmax=False``) and resizes *the class map* (nearest) to the
    original image; mmsegmentation resizes *the logits* (bilinear) and then takes the argmax.
    The two differ along every class boundary of a resized image. This model, for a graph that
    outputs logits (``with_argmax=False``), does what mmsegmentation does: crop the padding,
    resize the logits bilinearly (``codebase_config.align_corners``, default False, as the
    UperNet head) to ``ori_shape``, then argmax. Registered in mmdeploy's
    ``backend_segmentors`` registry (its extension mechanism for backend models).
    """
    from mmdeploy.codebase.mmseg.deploy import segmentation_model as seg_model
    from mmdeploy.utils import get_codebase_config

    registry = getattr(seg_model, '__BACKEND_MODEL')

    @registry.register_module('end2end_logits', force=True)
    class End2EndLogitsModel(seg_model.End2EndModel):
        """mmdeploy's segmentation ``End2EndModel`` with mmsegmentation's post-processing
        (resize the logits, then argmax)."""

        def pack_result(self, batch_outputs: Tensor, data_samples: List[Any]) -> List[Any]:
            from mmengine.structures import PixelData
            from mmseg.models.utils import resize

            codebase = get_codebase_config(self.deploy_cfg)
            if codebase.get('with_argmax', True) or batch_outputs.shape[1] == 1:
                return super().pack_result(batch_outputs, data_samples)
            align_corners = codebase.get('align_corners', False)
            for logits, sample in zip(batch_outputs, data_samples):
                meta = sample.metainfo
                left, right, top, bottom = meta.get(
                    'img_padding_size', meta.get('padding_size', [0] * 4)
                )
                height, width = logits.shape[-2:]
                logits = logits[None, :, top : height - bottom, left : width - right].float()
                logits = resize(
                    logits,
                    size=meta['ori_shape'],
                    mode='bilinear',
                    align_corners=align_corners,
                    warning=False,
                )[0]
                sample.set_data(
                    dict(
                        seg_logits=PixelData(data=logits),
                        pred_sem_seg=PixelData(data=logits.argmax(0, keepdim=True)),
                    )
                )
            return list(data_samples)

    return End2EndLogitsModel


End2EndLogitsModel = _register_segmentation_model()


# ---------------------------------------------------------------------------------------------
# API: export, run and compare with PyTorch (used by tools/deployment/deploy.py and the tests)
# ---------------------------------------------------------------------------------------------


def export_model(
    deploy_cfg: Any,
    model_cfg: Any,
    checkpoint: Optional[str],
    img: Any,
    work_dir: str,
    device: str = 'cpu',
) -> List[str]:
    """Export a detector or segmentor to the deploy config's backend with mmdeploy.

    ``mmdeploy.apis.torch2onnx`` with this module's rewriters; ONNX Runtime needs no further
    conversion step.

    Args:
        deploy_cfg (str | Config): mmdeploy deploy config (``configs/deploy/``).
        model_cfg (str | Config): mmdetection / mmsegmentation config.
        checkpoint (str, optional): Weights; None exports the config's initial weights.
        img (str | np.ndarray): The image traced through the model (through the config's test
            pipeline). With a dynamic deploy config the file serves every size.
        work_dir (str): Output folder.
        device (str): Device to build the PyTorch model on (export runs on the CPU).

    Returns:
        list[str]: The backend files (``[work_dir/end2end.onnx]``).
    """
    import os.path as osp

    from mmdeploy.apis import torch2onnx
    from mmdeploy.utils import get_backend, get_ir_config, load_config

    deploy_cfg, model_cfg = load_config(deploy_cfg, model_cfg)
    backend = get_backend(deploy_cfg).value
    if backend not in BACKENDS:
        raise ValueError(
            f'backend {backend!r}: fastervit_mm registers its rewriters for '
            f'{BACKENDS}; see docs/deployment.md'
        )
    save_file = get_ir_config(deploy_cfg)['save_file']
    torch2onnx(img, work_dir, save_file, deploy_cfg, model_cfg, checkpoint, device)
    return [osp.join(work_dir, save_file)]


def build_models(
    deploy_cfg: Any,
    model_cfg: Any,
    checkpoint: Optional[str],
    backend_files: Sequence[str],
    device: str = 'cpu',
) -> Tuple[Any, Any, Any]:
    """``(task_processor, pytorch_model, backend_model)`` of an exported model (mmdeploy's
    ``build_task_processor``, ``build_pytorch_model`` and ``build_backend_model``)."""
    from mmdeploy.apis import build_task_processor
    from mmdeploy.utils import load_config

    deploy_cfg, model_cfg = load_config(deploy_cfg, model_cfg)
    processor = build_task_processor(model_cfg, deploy_cfg, device)
    torch_model = processor.build_pytorch_model(checkpoint)
    backend_model = processor.build_backend_model(
        list(backend_files), data_preprocessor_updater=processor.update_data_preprocessor
    )
    return processor, torch_model, backend_model


def _mask_iou(a: Tensor, b: Tensor) -> float:
    a, b = a.bool(), b.bool()
    union = (a | b).sum().item()
    return 1.0 if union == 0 else (a & b).sum().item() / union


def compare_detections(torch_samples: Sequence[Any], backend_samples: Sequence[Any]) -> dict:
    """Agreement of two lists of mmdetection ``DetDataSample`` predictions (one per image).

    Detections are paired greedily, in the order of the PyTorch scores, with the unpaired
    backend detection of highest box IoU.

    Returns:
        dict: ``count_torch``, ``count_backend`` (over all images), ``pairs``,
        ``box_iou_min`` / ``box_iou_mean`` and ``mask_iou_min`` / ``mask_iou_mean`` over the
        pairs (masks only where both have them), ``label_agreement`` (fraction of pairs with
        the same label) and ``score_max_abs_diff``.
    """
    from mmdet.structures.bbox import bbox_overlaps

    box_ious, mask_ious, same_label, score_diff = [], [], [], []
    count_torch = count_backend = 0
    for ts, bs in zip(torch_samples, backend_samples):
        t, b = ts.pred_instances, bs.pred_instances
        count_torch += len(t)
        count_backend += len(b)
        if len(t) == 0 or len(b) == 0:
            continue
        iou = bbox_overlaps(t.bboxes.float(), b.bboxes.float().to(t.bboxes.device))
        free = torch.ones(len(b), dtype=torch.bool)
        for i in t.scores.argsort(descending=True).tolist():
            candidates = torch.where(free, iou[i].cpu(), torch.tensor(-1.0))
            j = int(candidates.argmax())
            if candidates[j] < 0:
                break
            free[j] = False
            box_ious.append(float(iou[i, j]))
            same_label.append(int(t.labels[i]) == int(b.labels[j]))
            score_diff.append(abs(float(t.scores[i]) - float(b.scores[j])))
            if 'masks' in t and 'masks' in b:
                mask_ious.append(_mask_iou(t.masks[i].cpu(), b.masks[j].cpu()))
    pairs = len(box_ious)
    return dict(
        count_torch=count_torch,
        count_backend=count_backend,
        pairs=pairs,
        box_iou_min=min(box_ious, default=float('nan')),
        box_iou_mean=sum(box_ious) / pairs if pairs else float('nan'),
        label_agreement=sum(same_label) / pairs if pairs else float('nan'),
        mask_iou_min=min(mask_ious, default=float('nan')),
        mask_iou_mean=sum(mask_ious) / len(mask_ious) if mask_ious else float('nan'),
        score_max_abs_diff=max(score_diff, default=float('nan')),
    )


def compare_segmentation(torch_samples: Sequence[Any], backend_samples: Sequence[Any]) -> dict:
    """Agreement of two lists of mmsegmentation ``SegDataSample`` predictions.

    Returns:
        dict: ``pixels``, ``pixel_agreement`` (fraction of equal class indices over all
        images) and ``shapes_equal``.
    """
    equal = total = 0
    shapes_equal = True
    for ts, bs in zip(torch_samples, backend_samples):
        t, b = ts.pred_sem_seg.data.cpu(), bs.pred_sem_seg.data.cpu()
        if t.shape != b.shape:
            shapes_equal = False
            continue
        equal += (t == b.to(t.dtype)).sum().item()
        total += t.numel()
    return dict(
        pixels=total,
        pixel_agreement=equal / total if total else float('nan'),
        shapes_equal=shapes_equal,
    )


def compare_with_pytorch(
    deploy_cfg: Any,
    model_cfg: Any,
    checkpoint: Optional[str],
    backend_files: Sequence[str],
    images: Sequence[Any],
    device: str = 'cpu',
    batch_size: int = 1,
) -> dict:
    """Run PyTorch and the exported model on ``images`` (through the model config's test
    pipeline and data preprocessor, as mmdeploy's ``End2EndModel`` does) and compare.

    Returns:
        dict: :func:`compare_detections` or :func:`compare_segmentation` figures, plus
        ``images`` and ``input_shapes`` (the network input sizes that were run).
    """
    processor, torch_model, backend_model = build_models(
        deploy_cfg, model_cfg, checkpoint, backend_files, device
    )
    torch_out, backend_out, shapes = [], [], []
    for start in range(0, len(images), batch_size):
        chunk = list(images[start : start + batch_size])
        data, _ = processor.create_input(chunk if len(chunk) > 1 else chunk[0], None)
        with torch.no_grad():  # copies: test_step writes its predictions into the samples
            torch_out += torch_model.test_step(copy.deepcopy(data))
            backend_out += backend_model.test_step(copy.deepcopy(data))
        shapes.append(tuple(torch_model.data_preprocessor(data, False)['inputs'].shape))
    if hasattr(torch_out[0], 'pred_sem_seg'):
        result = compare_segmentation(torch_out, backend_out)
    else:
        result = compare_detections(torch_out, backend_out)
    result.update(images=len(images), input_shapes=shapes)
    return result

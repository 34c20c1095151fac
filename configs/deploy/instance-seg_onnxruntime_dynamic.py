# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Mask R-CNN and Cascade Mask R-CNN (FasterViT backbones) -> ONNX Runtime, dynamic N, H, W.
# Outputs: dets (N, num_dets, 5: x1, y1, x2, y2, score), labels (N, num_dets) and masks
# (N, num_dets, 28, 28: the mask head's probabilities; mmdeploy pastes them into the image).
# Use with tools/deployment/deploy.py (it registers the FasterViT rewriters).
_base_ = ['./_base_/onnx_dynamic.py']

codebase_config = dict(
    type='mmdet',
    task='ObjectDetection',
    model_type='end2end',
    # fastervit_mm's RPN/R-CNN rewriters (fastervit_mm.deploy.mmdeploy_support) take every
    # threshold and count from the model's test_cfg, as mmdetection does; mmdeploy reads only
    # export_postprocess_mask here (False: the graph outputs 28x28 mask probabilities, which
    # mmdeploy's End2EndModel pastes into the image like mmdetection).
    post_processing=dict(
        score_threshold=0.05,
        confidence_threshold=0.005,
        iou_threshold=0.5,
        max_output_boxes_per_class=1000,
        pre_top_k=-1,
        keep_top_k=100,
        background_label_id=-1,
        export_postprocess_mask=False,
    ),
)
onnx_config = dict(
    output_names=['dets', 'labels', 'masks'],
    dynamic_axes=dict(
        input=dict({0: 'batch', 2: 'height', 3: 'width'}),
        dets=dict({0: 'batch', 1: 'num_dets'}),
        labels=dict({0: 'batch', 1: 'num_dets'}),
        masks=dict({0: 'batch', 1: 'num_dets', 2: 'mask_height', 3: 'mask_width'}),
    ),
)

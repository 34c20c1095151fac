# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet (FasterViT backbone) -> ONNX Runtime, dynamic N, H, W. Output: the logits
# (N, num_classes, H, W) at the network input size. Run through mmdeploy's API, the
# 'end2end_logits' backend model (fastervit_mm.deploy.mmdeploy_support) resizes the logits to the
# original image and then takes the argmax, as mmsegmentation does; mmdeploy's own
# with_argmax=True (argmax in the graph, then a nearest resize of the class map) differs from
# PyTorch along class boundaries of resized images (docs/deployment.md).
# Use with tools/deployment/deploy.py (it registers the FasterViT rewriters).
_base_ = ['./_base_/onnx_dynamic.py']

codebase_config = dict(
    type='mmseg',
    task='Segmentation',
    model_type='end2end_logits',
    with_argmax=False,
    align_corners=False,
)  # the decode head's align_corners (UperNet: False)
onnx_config = dict(
    output_names=['output'],
    dynamic_axes=dict(
        input=dict({0: 'batch', 2: 'height', 3: 'width'}),
        output=dict({0: 'batch', 2: 'height', 3: 'width'}),
    ),
)

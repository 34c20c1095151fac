# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# UperNet (FasterViT backbone) -> ONNX Runtime, dynamic N, H, W. Output: the class map
# (N, 1, H, W) at the input size (argmax in the graph).
# Use with tools/deployment/deploy.py (it registers the FasterViT rewriters).
_base_ = ['./_base_/onnx_dynamic.py']

codebase_config = dict(type='mmseg', task='Segmentation', with_argmax=True)
onnx_config = dict(
    output_names=['output'],
    dynamic_axes=dict(
        input=dict({0: 'batch', 2: 'height', 3: 'width'}),
        output=dict({0: 'batch', 2: 'height', 3: 'width'})))

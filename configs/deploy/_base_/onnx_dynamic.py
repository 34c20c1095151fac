# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# ONNX export settings shared by the deploy configs (mmdeploy 1.3.1 format): opset 17 (the
# FasterViT graph uses LayerNormalization; RoiAlign-16 has the aligned mode of mmcv's roi_align),
# dynamic batch, height and width. mmdeploy's wheel ships no deploy configs, so they live here.
onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    opset_version=17,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['output'],
    input_shape=None,  # dynamic: the export image keeps its pipeline size
    optimize=False,
)
backend_config = dict(type='onnxruntime')

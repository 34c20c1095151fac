# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Deployment: ONNX export (:mod:`.export`) and runtimes (:mod:`.runtimes`)."""

from .export import export_onnx, prepare_for_export, to_graph_form_

__all__ = ['export_onnx', 'prepare_for_export', 'to_graph_form_']

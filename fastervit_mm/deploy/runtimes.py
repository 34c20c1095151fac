# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Run an exported ONNX file, or the PyTorch model itself, in one calling convention.

A runner takes one float32 image batch (``torch.Tensor`` or ``numpy.ndarray``, ``N x 3 x H x W``)
and returns the model's outputs as a list of float32 ``numpy`` arrays, so the benchmark and the
parity checks treat every runtime alike:

* ``torch``: eager PyTorch under ``torch.inference_mode``; ``precision='bf16'`` runs it under
  ``torch.autocast('cpu', dtype=torch.bfloat16)``.
* ``onnxruntime``: the CPU execution provider, all graph optimisations, one intra-op thread per
  core this process may use, sequential execution (the graph is one chain of kernels).
* ``openvino``: the CPU plugin with a performance hint (``LATENCY`` for one request at a time, as
  the benchmark issues them), one thread per core, and ``INFERENCE_PRECISION_HINT`` ``f32`` or
  ``bf16``.

bfloat16 is only fast on CPUs with native bf16 arithmetic (AVX512-BF16 or AMX,
:func:`cpu_has_native_bf16`); elsewhere the same switches still run and give bf16-rounded results,
which is what the correctness checks rely on.
"""

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn

RUNTIMES = ('torch', 'onnxruntime', 'openvino')
PRECISIONS = ('f32', 'bf16')
OPENVINO_HINTS = ('LATENCY', 'THROUGHPUT')

Array = Union[np.ndarray, torch.Tensor]


def cpu_threads() -> int:
    """The number of CPU cores this process may run on (its affinity mask, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_has_native_bf16(cpuinfo: str = '/proc/cpuinfo') -> bool:
    """Whether the CPU computes in bfloat16 natively (``avx512_bf16`` or ``amx_bf16`` flags).

    Args:
        cpuinfo (str): The file listing the CPU flags. Defaults to ``'/proc/cpuinfo'``.

    Returns:
        bool: False where the flags are absent or the file cannot be read (then bf16 runs are
        correct but emulated, so their speed says nothing).
    """
    try:
        with open(cpuinfo, encoding='utf-8') as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return bool({'avx512_bf16', 'amx_bf16'} & flags)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f'{name}={value!r} is not supported: use one of {", ".join(choices)}')


def _as_numpy(x: Array) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(x, dtype=np.float32)


def _as_list(out: Any) -> List[np.ndarray]:
    if isinstance(out, torch.Tensor):
        out = [out]
    return [o.detach().float().cpu().numpy() for o in out]


def _check_file(path: str) -> None:
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'{path!r} does not exist: export the model first '
            '(fastervit_mm.deploy.export_onnx or tools/deployment/export_onnx.py)'
        )


class TorchRunner:
    """Eager PyTorch inference, in float32 or under CPU bfloat16 autocast.

    Args:
        model (nn.Module): The model; switched to ``eval()``.
        precision (str): ``'f32'`` or ``'bf16'`` (``torch.autocast('cpu', torch.bfloat16)``).
            Defaults to ``'f32'``.
        threads (int, optional): ``torch.set_num_threads`` value; None keeps the current one.
            Defaults to None.
    """

    runtime = 'torch'

    def __init__(
        self, model: nn.Module, precision: str = 'f32', threads: Optional[int] = None
    ) -> None:
        _check_choice('precision', precision, PRECISIONS)
        self.model = model.eval()
        self.precision = precision
        if threads is not None:
            torch.set_num_threads(threads)

    def __call__(self, x: Array) -> List[np.ndarray]:
        x = torch.as_tensor(_as_numpy(x)) if not isinstance(x, torch.Tensor) else x.float()
        with torch.inference_mode(), torch.autocast(
            'cpu', dtype=torch.bfloat16, enabled=self.precision == 'bf16'
        ):
            return _as_list(self.model(x))

    def options(self) -> Dict[str, Any]:
        """The settings in effect, for the benchmark's JSON line."""
        return {'precision': self.precision, 'threads': torch.get_num_threads()}


class OnnxRuntimeRunner:
    """An ONNX file in ONNX Runtime's CPU execution provider.

    Args:
        path (str): The ``.onnx`` file (its external ``.data`` file beside it).
        threads (int, optional): Intra-op threads; None means :func:`cpu_threads`.
            Defaults to None.
        precision (str): Only ``'f32'``: ONNX Runtime's CPU provider has no bf16 switch for a
            float32 graph. Defaults to ``'f32'``.
    """

    runtime = 'onnxruntime'

    def __init__(self, path: str, threads: Optional[int] = None, precision: str = 'f32') -> None:
        import onnxruntime as ort

        _check_file(path)
        if precision != 'f32':
            raise ValueError(
                f"precision={precision!r}: ONNX Runtime's CPU provider runs this "
                "graph in float32 only; use runtime='openvino' or 'torch' for bf16"
            )
        self.threads = threads or cpu_threads()
        so = ort.SessionOptions()
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])
        self.input_name = self.session.get_inputs()[0].name
        self.precision = precision

    def __call__(self, x: Array) -> List[np.ndarray]:
        return list(self.session.run(None, {self.input_name: _as_numpy(x)}))

    def options(self) -> Dict[str, Any]:
        """The settings in effect, for the benchmark's JSON line."""
        return {
            'precision': self.precision,
            'threads': self.threads,
            'graph_optimization_level': 'ORT_ENABLE_ALL',
            'execution_mode': 'sequential',
        }


class OpenVINORunner:
    """An ONNX file compiled by OpenVINO's CPU plugin.

    Args:
        path (str): The ``.onnx`` file.
        threads (int, optional): ``INFERENCE_NUM_THREADS``; None means :func:`cpu_threads`.
            Defaults to None.
        precision (str): ``INFERENCE_PRECISION_HINT``: ``'f32'`` or ``'bf16'``.
            Defaults to ``'f32'``.
        hint (str): ``PERFORMANCE_HINT``: ``'LATENCY'`` (one stream using every thread, for
            requests issued one after another) or ``'THROUGHPUT'`` (several streams, for
            concurrent requests). Defaults to ``'LATENCY'``.
        streams (int, optional): ``NUM_STREAMS``; None leaves it to the hint. Defaults to None.
    """

    runtime = 'openvino'

    def __init__(
        self,
        path: str,
        threads: Optional[int] = None,
        precision: str = 'f32',
        hint: str = 'LATENCY',
        streams: Optional[int] = None,
    ) -> None:
        import openvino as ov

        _check_file(path)
        _check_choice('precision', precision, PRECISIONS)
        _check_choice('hint', hint, OPENVINO_HINTS)
        self.config = {
            'PERFORMANCE_HINT': hint,
            'INFERENCE_NUM_THREADS': threads or cpu_threads(),
            'INFERENCE_PRECISION_HINT': precision,
        }
        if streams is not None:
            self.config['NUM_STREAMS'] = streams
        self.compiled = ov.Core().compile_model(path, 'CPU', self.config)
        self.request = self.compiled.create_infer_request()
        self.precision = precision

    def __call__(self, x: Array) -> List[np.ndarray]:
        result = self.request.infer([_as_numpy(x)])
        return [np.asarray(result[out], dtype=np.float32) for out in self.compiled.outputs]

    def options(self) -> Dict[str, Any]:
        """The settings in effect (as the plugin reports them), for the benchmark's JSON line."""
        keys = (
            'PERFORMANCE_HINT',
            'INFERENCE_NUM_THREADS',
            'INFERENCE_PRECISION_HINT',
            'NUM_STREAMS',
        )
        return {
            'precision': self.precision,
            **{k.lower(): str(self.compiled.get_property(k)) for k in keys},
        }


def build_runner(
    runtime: str,
    model_or_path: Union[nn.Module, str],
    precision: str = 'f32',
    threads: Optional[int] = None,
    **kwargs,
) -> Callable[[Array], List[np.ndarray]]:
    """Build the runner of ``runtime`` for a model (``'torch'``) or an exported file (others).

    Args:
        runtime (str): ``'torch'``, ``'onnxruntime'`` or ``'openvino'``.
        model_or_path (nn.Module | str): The PyTorch model for ``'torch'``, else the ONNX file.
        precision (str): ``'f32'`` or ``'bf16'``. Defaults to ``'f32'``.
        threads (int, optional): Threads; None means every core this process may use for the
            exported runtimes and the current setting for torch. Defaults to None.
        **kwargs: Further options of the runner class (e.g. ``hint``/``streams`` for OpenVINO).

    Returns:
        Callable: ``runner(x) -> list of float32 numpy arrays``, with ``runner.options()``.
    """
    _check_choice('runtime', runtime, RUNTIMES)
    is_model = isinstance(model_or_path, nn.Module)
    if is_model != (runtime == 'torch'):
        want = 'an nn.Module' if runtime == 'torch' else 'the path of an exported .onnx file'
        raise TypeError(f'runtime={runtime!r} needs {want}, got {type(model_or_path).__name__}')
    if runtime == 'torch':
        return TorchRunner(model_or_path, precision=precision, threads=threads)
    if runtime == 'onnxruntime':
        return OnnxRuntimeRunner(model_or_path, threads=threads, precision=precision, **kwargs)
    return OpenVINORunner(model_or_path, threads=threads, precision=precision, **kwargs)


def relative_error(out: np.ndarray, ref: np.ndarray) -> float:
    """``||out - ref|| / ||ref||`` (Frobenius norms) in float64."""
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        raise ValueError(f'shapes differ: {out.shape} vs reference {ref.shape}')
    return float(np.linalg.norm(out - ref) / max(np.linalg.norm(ref), 1e-30))


def precision_report(
    runner: Callable, reference: Callable, inputs: Sequence[Array], classifier: bool = False
) -> Dict[str, Any]:
    """Compare a runner (e.g. bf16) against a float32 reference on the same inputs.

    Args:
        runner (Callable): The runner under test.
        reference (Callable): The float32 runner.
        inputs (Sequence): Input batches.
        classifier (bool): Also count top-1 agreement of the first output (logits).
            Defaults to False.

    Returns:
        dict: ``rel_error`` (the worst over inputs, per output), and with ``classifier``
        ``top1_agree`` (fraction of images whose argmax is the same) and ``images``.
    """
    worst: List[float] = []
    agree = total = 0
    for x in inputs:
        outs, refs = runner(x), reference(x)
        errs = [relative_error(o, r) for o, r in zip(outs, refs)]
        worst = [max(a, b) for a, b in zip(worst, errs)] if worst else errs
        if classifier:
            agree += int((outs[0].argmax(-1) == refs[0].argmax(-1)).sum())
            total += refs[0].shape[0]
    report: Dict[str, Any] = {'rel_error': worst}
    if classifier:
        report.update(top1_agree=agree / total, images=total)
    return report

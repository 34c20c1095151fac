# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Fail-fast checks of the dataset paths named by a config.

Without them a missing dataset surfaces late (after the model is built, or only when the first
image is read, inside a dataloader worker). :func:`check_data_paths` names the config key, the
path as resolved against ``data_root`` and the working directory, and how to fix it.
"""

import os
import os.path as osp
from typing import Iterator, Sequence, Tuple

__all__ = ['check_data_paths', 'DEMO_DATA_HINT']

#: Printed when a missing path looks like the embedded synthetic dataset.
DEMO_DATA_HINT = (
    'the synthetic demo dataset is made with `python tools/misc/make_demo_data.py det --out {root}`'
)


def _is_local(path) -> bool:
    return isinstance(path, str) and bool(path) and '://' not in path


def _dataset_paths(dataset, key: str) -> Iterator[Tuple[str, str, str]]:
    """Yield (config key, resolved path, data_root) for a dataset config and its wrapped ones."""
    if not isinstance(dataset, dict):
        return
    if dataset.get('backend_args'):  # remote storage: nothing to check locally
        return
    if 'dataset' in dataset:  # RepeatDataset, ClassBalancedDataset, MultiImageMixDataset ...
        yield from _dataset_paths(dataset['dataset'], f'{key}.dataset')
    for i, sub in enumerate(dataset.get('datasets') or []):  # ConcatDataset
        yield from _dataset_paths(sub, f'{key}.datasets[{i}]')
    root = dataset.get('data_root')
    root = root if _is_local(root) else ''

    def resolve(path: str) -> str:  # mmengine's BaseDataset joins relative paths to data_root
        return path if osp.isabs(path) or not root else osp.join(root, path)

    if root:
        yield f'{key}.data_root', root, root
    if _is_local(dataset.get('ann_file')):
        yield f'{key}.ann_file', resolve(dataset['ann_file']), root
    prefix = dataset.get('data_prefix') or {}
    for name, value in prefix.items() if isinstance(prefix, dict) else []:
        if _is_local(value):
            yield f'{key}.data_prefix.{name}', resolve(value), root


def check_data_paths(
    cfg, loaders: Sequence[str] = ('train_dataloader', 'val_dataloader', 'test_dataloader')
) -> None:
    """Raise ``FileNotFoundError`` naming the first dataset path of ``cfg`` that does not exist.

    Checks ``data_root``, ``ann_file`` and every ``data_prefix`` entry of the datasets of the given
    dataloaders (through dataset wrappers), and the ``ann_file`` of the matching evaluators
    (``val_evaluator`` for ``val_dataloader`` ...). Remote paths (``s3://`` ...) and datasets
    with ``backend_args`` are skipped. Loaders missing from ``cfg`` or set to None are ignored.

    Args:
        cfg (Config | dict): The full config.
        loaders (Sequence[str]): Dataloader keys to check.
    """
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, dict):
            continue
        checks = list(_dataset_paths(loader_cfg.get('dataset'), f'{loader}.dataset'))
        evaluator_key = loader.replace('_dataloader', '_evaluator')
        evaluators = cfg.get(evaluator_key) or []
        for i, ev in enumerate(
            evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]
        ):
            if (
                isinstance(ev, dict)
                and _is_local(ev.get('ann_file'))
                and not ev.get('backend_args')
            ):
                checks.append((f'{evaluator_key}[{i}].ann_file', ev['ann_file'], ''))
        for key, path, root in checks:
            if not osp.exists(path):
                hint = ''
                if 'synthetic' in path:
                    from .synthetic_ade import SEG_DEMO_DATA_HINT  # the ADE20K-format one

                    fmt = SEG_DEMO_DATA_HINT if 'ade' in path.lower() else DEMO_DATA_HINT
                    hint = '; ' + fmt.format(root=root or osp.dirname(path))
                raise FileNotFoundError(
                    f'dataset path does not exist: {path!r} (config key {key}'
                    f'{f", data_root={root!r}" if root else ""}, working directory '
                    f'{os.getcwd()!r}){hint}. Point the config at your data, e.g. with '
                    f'--cfg-options {loader}.dataset.data_root=/path/to/data'
                )

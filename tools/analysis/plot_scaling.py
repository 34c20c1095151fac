# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Plot throughput and peak memory against input resolution from benchmark JSON lines.

    python tools/analysis/plot_scaling.py ours.jsonl reference.jsonl detector.jsonl \
        --out scaling.png [--x side|pixels] [--title TEXT]

Reads the JSON lines of ``benchmark_backbone.py`` (series ``arch``; memory ``peak_mem_mb``),
``../shared/tools/bench_reference.sh`` (series ``<variant> (reference)``; ``peak_rss_mb``) and
``benchmark_detector.py`` (series ``<config name> [<part>]``; ``peak_cuda_mb`` on CUDA, else
``peak_rss_mb``), and the run lines of ``alternate.py`` (the command's result, named by the run's
name). An optional ``label`` field names the series instead. Where records of one name differ in
batch, mode, part, device, threads, deploy, amp, channels_last or torch_compile, those values are
appended to the name, so each series holds one setting. Lines that are not JSON or lack
``img_per_s``/``size`` (summaries, logs) are skipped; repeated measurements of one series and
size are reduced to their medians.

Left panel: images/s (log scale) against resolution, sqrt(H*W) in pixels by default
(``--x pixels``: H*W in megapixels), on a log axis; for each series a dashed line of ideal linear
scaling in the number of pixels (img/s proportional to 1/(H*W)), anchored at its smallest size:
a series that follows its dashed line costs time linear in the pixels (FasterViT's claim); the
legend gives the fraction of that ideal reached at the largest size. Right panel: peak memory
(MB) against the same axis. Memory is what the tool measured: the process's peak resident memory
on CPU (model, framework and, for a process that timed several sizes in a row, the largest so
far), peak allocated memory on CUDA.
"""

import argparse
import json
import math
import os.path as osp
import statistics
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

SETTING_KEYS = (
    'batch',
    'mode',
    'part',
    'device',
    'threads',
    'deploy',
    'amp',
    'channels_last',
    'torch_compile',
)
MEMORY_KEYS = ('peak_cuda_mb', 'peak_mem_mb', 'peak_rss_mb')


def load_records(paths: Sequence[str]) -> List[Dict[str, Any]]:
    """The measurement records of JSON-lines files (see the module docstring)."""
    records = []
    for path in paths:
        with open(path) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(rec, dict):
                    continue
                if isinstance(rec.get('result'), dict) and 'name' in rec:  # alternate.py run
                    rec = dict(rec['result'], label=rec['result'].get('label', rec['name']))
                if isinstance(rec.get('img_per_s'), (int, float)) and rec.get('size'):
                    records.append(rec)
    return records


def base_name(rec: Dict[str, Any]) -> str:
    if rec.get('label'):
        return str(rec['label'])
    if 'arch' in rec:
        return str(rec['arch'])
    if 'variant' in rec:
        return f"{rec['variant']} (reference)"
    if 'config' in rec:
        name = osp.splitext(osp.basename(str(rec['config']).split('::')[-1]))[0]
        return f"{name} [{rec['part']}]" if rec.get('part') else name
    return 'unnamed'


def memory_mb(rec: Dict[str, Any]) -> Optional[float]:
    """The record's peak memory: CUDA peak where measured, else what the tool reported."""
    return next((rec[k] for k in MEMORY_KEYS if rec.get(k) is not None), None)


def _hw(size) -> Tuple[int, int]:
    if isinstance(size, (int, float)):
        return int(size), int(size)
    if isinstance(size, str):
        h, _, w = size.lower().partition('x')
        return int(h), int(w or h)
    return (int(size[0]), int(size[-1]))


def group_series(records: Sequence[Dict[str, Any]]) -> 'OrderedDict[str, List[Dict[str, Any]]]':
    """Series name -> points sorted by pixels: ``{'hw', 'pixels', 'img_per_s', 'memory_mb'}``
    (medians over repeated measurements; memory None when the records have none)."""
    by_base: 'OrderedDict[str, List[Dict[str, Any]]]' = OrderedDict()
    for rec in records:
        by_base.setdefault(base_name(rec), []).append(rec)
    grouped: 'OrderedDict[str, Dict[Tuple[int, int], List[Dict[str, Any]]]]' = OrderedDict()
    for base, recs in by_base.items():
        varying = (
            []
            if recs[0].get('label')
            else [k for k in SETTING_KEYS if len({json.dumps(r.get(k)) for r in recs}) > 1]
        )
        for rec in recs:
            name = base + ''.join(f', {k}={rec.get(k)}' for k in varying)
            grouped.setdefault(name, OrderedDict()).setdefault(_hw(rec['size']), []).append(rec)
    series = OrderedDict()
    for name, by_size in grouped.items():
        points = []
        for hw, recs in by_size.items():
            mems = [m for m in map(memory_mb, recs) if m is not None]
            points.append(
                dict(
                    hw=hw,
                    pixels=hw[0] * hw[1],
                    img_per_s=statistics.median(r['img_per_s'] for r in recs),
                    memory_mb=statistics.median(mems) if mems else None,
                )
            )
        series[name] = sorted(points, key=lambda p: p['pixels'])
    return series


def _tick_label(xv: float, hw: Tuple[int, int]) -> str:
    """The axis value, with H x W under it where the size is not square."""
    text = f'{xv:.0f}' if xv >= 10 else f'{xv:.3g}'
    return text if hw[0] == hw[1] else f'{text}\n{hw[0]}x{hw[1]}'


def plot(
    series: 'OrderedDict[str, List[Dict[str, Any]]]',
    out: str,
    x: str = 'side',
    title: Optional[str] = None,
):
    """Draw the two panels into ``out``; returns (figure, series names in legend order)."""
    if not series:
        raise ValueError('no measurements to plot (records need img_per_s and size)')
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(14, 5.8))
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
    xval = (lambda p: math.sqrt(p['pixels'])) if x == 'side' else (lambda p: p['pixels'] / 1e6)
    ticks: Dict[float, Tuple[int, int]] = {}  # x -> the (H, W) first seen there
    for i, (name, points) in enumerate(series.items()):
        color = colors[i % len(colors)]
        xs = [xval(p) for p in points]
        for xv, pt in zip(xs, points):
            ticks.setdefault(xv, pt['hw'])
        first, last = points[0], points[-1]
        ideal = [first['img_per_s'] * first['pixels'] / p['pixels'] for p in points]
        label = name
        if len(points) > 1:
            label += (
                f" ({last['img_per_s'] / ideal[-1]:.0%} of linear at "
                f"{last['hw'][0]}x{last['hw'][1]})"
            )
        ax_t.plot(xs, [p['img_per_s'] for p in points], 'o-', color=color, label=label)
        ax_t.plot(xs, ideal, '--', color=color, alpha=0.6, linewidth=1)
        mem = [(xv, p['memory_mb']) for xv, p in zip(xs, points) if p['memory_mb'] is not None]
        if mem:
            ax_m.plot(*zip(*mem), 'o-', color=color, label=name)
    xlabel = (
        'input resolution sqrt(H*W) (pixels)'
        if x == 'side'
        else 'input resolution H*W (megapixels)'
    )
    for ax in (ax_t, ax_m):
        ax.set_xscale('log')
        ax.set_xticks(sorted(ticks))
        ax.set_xticklabels([_tick_label(xv, ticks[xv]) for xv in sorted(ticks)], fontsize=8)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.grid(True, which='both', alpha=0.3)
    ax_t.set_yscale('log')
    ax_t.set_ylabel('throughput (images/s, log scale)')
    ax_t.set_title('Throughput; dashed: ideal linear scaling (img/s \u221d 1/pixels)')
    handles, labels = ax_t.get_legend_handles_labels()
    handles.append(Line2D([], [], color='grey', linestyle='--'))
    labels.append('ideal linear scaling, from the smallest size')
    ax_t.legend(handles, labels, fontsize=8, loc='best')
    ax_m.set_ylabel('peak memory (MB)')
    ax_m.set_title('Peak memory (CPU: process RSS; CUDA: allocated)')
    if ax_m.lines:
        ax_m.legend(fontsize=8, loc='best')
    fig.suptitle(title or 'Scaling with input resolution', fontsize=13)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return fig, list(series)


def main(argv: Optional[Sequence[str]] = None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('results', nargs='+', help='JSON-lines files')
    p.add_argument('--out', required=True, help='PNG to write')
    p.add_argument(
        '--x', choices=['side', 'pixels'], default='side', help='x axis: sqrt(H*W) (default) or H*W'
    )
    p.add_argument('--title', default=None)
    args = p.parse_args(argv)
    series = group_series(load_records(args.results))
    if not series:
        p.error(
            'no measurements (JSON lines with img_per_s and size) in ' + ', '.join(args.results)
        )
    fig, names = plot(series, args.out, args.x, args.title)
    plt.close(fig)
    print(json.dumps(dict(out=args.out, series=names)))
    return fig, names


if __name__ == '__main__':
    main()

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""tools/analysis/plot_scaling.py on synthetic results of the three benchmark tools."""

import json

import pytest

from .conftest import analysis_module

plot_scaling = analysis_module('plot_scaling')

RECORDS = [
    # benchmark_backbone.py, two batch sizes -> two series
    *[
        dict(
            arch='faster_vit_0_224',
            batch=b,
            size=[s, s],
            mode='eval',
            img_per_s=ips,
            peak_mem_mb=mem,
        )
        for b in (1, 8)
        for s, ips, mem in ((224, 40.0, 500), (448, 9.0, 800), (896, 2.0, 2000))
    ],
    # bench_reference.sh: same variant name, its own series
    *[
        dict(
            variant='faster_vit_0_224',
            mode='eval',
            batch=1,
            size=[s, s],
            img_per_s=ips,
            peak_rss_mb=mem,
        )
        for s, ips, mem in ((224, 30.0, 600), (448, 6.0, 900))
    ],
    # benchmark_detector.py, measured twice at one size -> medians
    *[
        dict(
            config='mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py',
            part='backbone',
            size=[800, 1333],
            img_per_s=ips,
            peak_rss_mb=1500,
        )
        for ips in (1.0, 3.0, 2.0)
    ],
    dict(
        config='mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py',
        part='backbone',
        size=[512, 512],
        img_per_s=5.0,
        peak_rss_mb=1100,
    ),
    # a label overrides the name
    dict(config='configs/x.py', part='predict', size=[512, 512], img_per_s=1.0, label='mine'),
]


def _write(path, records, extra=()):
    path.write_text('\n'.join([json.dumps(r) for r in records] + list(extra)) + '\n')
    return str(path)


def test_series_names_medians_and_png(tmp_path):
    alternate_run = json.dumps(
        dict(name='alt', pair=0, slot=0, result=dict(arch='a', size=[64, 64], img_per_s=3.0))
    )
    src = _write(
        tmp_path / 'r.jsonl',
        RECORDS,
        ['not json', json.dumps(dict(summary=True, median_ratio=2.0)), alternate_run],
    )
    out = tmp_path / 'scaling.png'
    fig, names = plot_scaling.main([src, '--out', str(out)])
    assert names == [
        'faster_vit_0_224, batch=1',
        'faster_vit_0_224, batch=8',
        'faster_vit_0_224 (reference)',
        'mask-rcnn_swin-t-p4-w7_fpn_1x_coco [backbone]',
        'mine',
        'alt',
    ]
    data = out.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 10_000
    ax_t, ax_m = fig.axes[:2]
    assert ax_t.get_yscale() == 'log'
    assert len(ax_t.lines) == 2 * len(names)  # measured + ideal guide per series
    assert len(ax_m.lines) == len(names) - 2  # 'mine' and 'alt' have no memory
    series = plot_scaling.group_series(plot_scaling.load_records([src]))
    swin = series['mask-rcnn_swin-t-p4-w7_fpn_1x_coco [backbone]']
    assert [p['hw'] for p in swin] == [(512, 512), (800, 1333)]  # sorted by pixels
    assert swin[1]['img_per_s'] == 2.0 and swin[1]['memory_mb'] == 1500


def test_ideal_guide_is_inverse_in_pixels_from_the_smallest_size(tmp_path):
    src = _write(tmp_path / 'r.jsonl', RECORDS[:3])
    fig, names = plot_scaling.main([src, '--out', str(tmp_path / 'p.png'), '--x', 'pixels'])
    measured, ideal = fig.axes[0].lines[:2]
    assert list(ideal.get_ydata()) == pytest.approx([40.0, 10.0, 2.5])
    assert list(measured.get_ydata()) == [40.0, 9.0, 2.0]
    assert list(ideal.get_xdata()) == pytest.approx([224**2 / 1e6, 448**2 / 1e6, 896**2 / 1e6])
    assert '80% of linear at 896x896' in fig.axes[0].get_legend().get_texts()[0].get_text()


def test_no_measurements_is_an_error(tmp_path):
    src = _write(tmp_path / 'empty.jsonl', [], ['nothing here'])
    with pytest.raises(SystemExit):
        plot_scaling.main([src, '--out', str(tmp_path / 'e.png')])

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Packaging of fastervit_mm in the OpenMMLab shape (mmdet / mmseg / mmpretrain ``setup.py``).

``configs/``, ``tools/`` and ``model-index.yml`` are exposed to ``mim`` as ``fastervit_mm/.mim``:
copied for ``pip install .`` (``bdist_wheel``) and sdists, symlinked for editable installs — both
the legacy ``develop`` command and PEP 660's ``editable_wheel``, which is what pip runs for
``pip install -e .`` today and which the stock OpenMMLab helper does not recognise.
"""

import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def readme():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version():
    scope = {}
    with open(osp.join(ROOT, 'fastervit_mm', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Read a requirements file, following ``-r`` includes and dropping pip options."""
    out = []
    with open(osp.join(ROOT, 'requirements', fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                out += parse_requirements(line[3:].strip())
            elif not line.startswith('-'):
                out.append(line)
    return out


def add_mim_extension():
    """Materialise ``fastervit_mm/.mim/{configs,tools,model-index.yml}`` for ``mim``."""
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(ROOT, 'fastervit_mm', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(ROOT, name)
        dst = osp.join(mim_dir, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_dir), dst)
                continue
            except OSError:  # e.g. Windows without developer mode: fall back to copying
                pass
        if osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    extras = {
        'mim': parse_requirements('mminstall.txt'),
        'det': parse_requirements('det.txt'),
        'seg': parse_requirements('seg.txt'),
        'cls': parse_requirements('cls.txt'),
        'flops': parse_requirements('flops.txt'),
        'deploy': parse_requirements('deploy.txt'),
        'tests': parse_requirements('tests.txt'),
    }
    extras['all'] = sorted({req for reqs in extras.values() for req in reqs})
    setup(
        name='fastervit_mm',
        version=get_version(),
        description='FasterViT backbones and Hierarchical Attention for OpenMMLab '
        '(mmdetection, mmsegmentation, mmpretrain)',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='computer vision, vision transformer, FasterViT, object detection, '
        'semantic segmentation, image classification, OpenMMLab',
        license='Apache License 2.0',
        packages=find_packages(
            exclude=(
                'configs',
                'configs.*',
                'tools',
                'tools.*',
                'tests',
                'tests.*',
                'docs',
                'docs.*',
            )
        ),
        include_package_data=True,
        package_data={
            'fastervit_mm': ['.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*']
        },
        # The supported range (docs/install.md): Python >= 3.8 here; torch >= 2.1 is checked when
        # fastervit_mm is imported (fastervit_mm.compat.check_torch_version), because torch is never
        # installed implicitly (its build must match the CUDA and mmcv of the machine).
        python_requires='>=3.8',
        classifiers=[
            'Development Status :: 4 - Beta',
            'License :: OSI Approved :: Apache Software License',
            'Operating System :: OS Independent',
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.8',
            'Programming Language :: Python :: 3.9',
            'Programming Language :: Python :: 3.10',
            'Programming Language :: Python :: 3.11',
            'Programming Language :: Python :: 3.12',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        install_requires=parse_requirements('runtime.txt'),
        extras_require=extras,
        zip_safe=False,
    )

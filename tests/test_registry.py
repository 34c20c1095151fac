# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""``type='fastervit_mm.X'`` resolves from every host library's registry with no import at all."""

import textwrap

import pytest
from conftest import run_python


def test_registries_are_children_of_mmengine_roots():
    import mmengine.registry as root

    from fastervit_mm import registry

    for name in ('MODELS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'HOOKS', 'DATASETS', 'TRANSFORMS'):
        child = getattr(registry, name)
        assert child.scope == 'fastervit_mm'
        assert child.parent is getattr(root, name)
        assert child._locations, f'{name} has no locations: nothing would be imported lazily'


@pytest.mark.parametrize('host', ['mmdet', 'mmseg', 'mmpretrain'])
def test_prefixed_type_builds_under_host_scope(host):
    """A fresh interpreter in the host's default scope builds the backbone from the host registry.

    Nothing imports fastervit_mm first: mmengine imports ``fastervit_mm.registry`` from the prefix
    and ``fastervit_mm.models`` from the registry's ``locations``, as a Runner built from a config
    does.
    """
    code = textwrap.dedent(f'''
        import importlib, sys
        from mmengine.registry import init_default_scope
        init_default_scope({host!r})
        host_models = importlib.import_module({host!r} + '.registry').MODELS
        assert not any(m.startswith('fastervit_mm') for m in sys.modules), 'imported too early'
        model = host_models.build(dict(type='fastervit_mm.FasterViT', arch='faster_vit_0_224'))
        cls = type(model)
        print('built', cls.__module__ + '.' + cls.__name__)
        try:
            host_models.build(dict(type='FasterViT', arch='faster_vit_0_224'))
        except KeyError as e:
            print('unprefixed-fails', 'not in the {host}::model registry' in str(e))
    ''')
    out = run_python(code, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'built fastervit_mm.models.backbones.fastervit.FasterViT' in out.stdout, out.stdout
    # Unprefixed names are not silently taken from a sibling registry.
    assert 'unprefixed-fails True' in out.stdout, out.stdout

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Runtime settings that the FasterViT detection, segmentation and ImageNet configs all swap into
# their parents. Plain variables, so that this file can sit next to an mmdet/mmseg/mmpretrain
# experiment config in a _base_ list. Every family config sets
# `custom_imports = {{_base_.fastervit_imports}}` and
# `default_hooks = {{_base_.fastervit_default_hooks}}`; every `_amp` config sets
# `optim_wrapper = {{_base_.fastervit_amp_optim_wrapper}}`.

# `fastervit_mm` registers its modules when imported; the scope prefix of the types would import
# it too, this makes a missing installation fail at config load. (The classification family adds
# the classifiers, which need mmpretrain.)
fastervit_imports = dict(imports=['fastervit_mm'], allow_failed_imports=False)

# Checkpoints and the `last_checkpoint` pointer written atomically (temporary file, fsync,
# rename): a run killed while saving resumes from the previous complete checkpoint. The family
# configs merge this into the inherited `default_hooks` (interval etc. stay the parent's).
fastervit_default_hooks = dict(checkpoint=dict(type='fastervit_mm.AtomicCheckpointHook'))

# Layer-wise lr decay (x 0.9 per backbone layer going down from the top) and no weight decay on
# norms, position-embedding MLPs and layer scales: the `paramwise_cfg` of the detection and
# segmentation families (the paper does not state its values: a design choice).
fastervit_paramwise_cfg = dict(
    layer_decay_rate=0.9,
    custom_keys={
        'norm': dict(decay_mult=0.0),
        'pos_embed': dict(decay_mult=0.0),
        'cpb_mlp': dict(decay_mult=0.0),
        'gamma': dict(decay_mult=0.0),
    },
)

# Automatic mixed precision, merged into the family's optimizer wrapper by every `_amp` config.
# The loss scale is AmpOptimWrapper's default, 'dynamic' (no `loss_scale` key, so that
# `--cfg-options optim_wrapper.type=OptimWrapper` turns AMP off, e.g. on a CPU).
fastervit_amp_optim_wrapper = dict(type='AmpOptimWrapper')

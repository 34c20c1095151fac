# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# Runtime settings that the FasterViT detection, segmentation and ImageNet configs all swap into
# their parents. Plain variables, so that this file can sit next to an mmdet/mmseg/mmpretrain
# experiment config in a _base_ list.

# Checkpoints and the `last_checkpoint` pointer written atomically (temporary file, fsync,
# rename): a run killed while saving resumes from the previous complete checkpoint. The family
# configs merge this into the inherited `default_hooks` (interval etc. stay the parent's).
fastervit_default_hooks = dict(checkpoint=dict(type='fastervit_mm.AtomicCheckpointHook'))

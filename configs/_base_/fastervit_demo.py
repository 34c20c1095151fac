# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
# The small FasterViT of the CPU demos (configs/demo/), trained from scratch: the published layout
# (conv stages 1-2, HAT with carrier tokens in stage 3, window attention in stage 4), narrower and
# shallower. Plain variables, so that this file can sit next to the real config a demo inherits in
# its _base_ list. `_delete_`: the real configs name a published arch, which this replaces.
fastervit_demo_arch = dict(
    _delete_=True,
    dim=32,
    in_dim=32,
    depths=[1, 2, 2, 1],
    num_heads=[2, 2, 4, 8],
    window_size=[7, 7, 7, 7],
    ct_size=2,
    mlp_ratio=2,
    hat=[False, False, True, False],
)

# The demo backbone of the detection demos (192x192 images): the arch above, no drop path, BN
# instead of SyncBN, no ImageNet weights on a machine that trains from scratch.
fastervit_demo_backbone = dict(
    arch=fastervit_demo_arch, drop_path_rate=0.0, norm_cfg=dict(type='BN'), init_cfg=None
)

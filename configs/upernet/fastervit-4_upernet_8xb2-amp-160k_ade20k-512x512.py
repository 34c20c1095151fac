# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
_base_ = './fastervit-4_upernet_8xb2-160k_ade20k-512x512.py'

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')

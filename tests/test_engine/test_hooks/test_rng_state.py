# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""RNGStateHook: checkpoints carry the RNG states; a resumed iteration-based loop gets them back
right before its first new batch; validation does not move them."""

import random
from types import SimpleNamespace

import numpy as np
import torch

from fastervit_mm.engine.hooks import RNGStateHook, get_rng_state, set_rng_state


def _draw():
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_round_trip():
    state = get_rng_state()
    first = _draw()
    set_rng_state(state)
    assert _draw() == first


def test_resumed_iteration_loop_draws_what_the_uninterrupted_one_drew():
    hook = RNGStateHook()
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)  # end of iteration 2 of the first run
    expected = _draw()  # what batch 3 of the uninterrupted run is built with

    _draw()  # the resumed process starts from other states
    loop = SimpleNamespace(dataloader_iterator=iter(range(10)))
    runner = SimpleNamespace(train_loop=loop, iter=2)
    hook.after_load_checkpoint(runner, checkpoint)
    hook.before_train(runner)
    assert next(loop.dataloader_iterator) == 0 and next(loop.dataloader_iterator) == 1  # replay
    _draw()  # the replayed batches' augmentation
    assert next(loop.dataloader_iterator) == 2
    assert _draw() == expected


def test_epoch_loop_and_validation():
    hook = RNGStateHook()
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    expected = _draw()
    runner = SimpleNamespace(train_loop=SimpleNamespace(), iter=0)
    hook.after_load_checkpoint(runner, checkpoint)
    hook.before_train(runner)  # no dataloader_iterator: restored at the epoch start
    hook.before_train_epoch(runner)
    hook.before_val(runner)
    _draw()  # e.g. the validation dataloader's seed
    hook.after_val(runner)
    assert _draw() == expected


def test_checkpoint_without_states_is_ignored():
    hook = RNGStateHook()
    hook.after_load_checkpoint(SimpleNamespace(), {'state_dict': {}})
    assert hook._pending is None

# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
from .attention import WindowAttention
from .conv import ConvBlock, ConvStage, Downsample, Stem
from .drop_path import DropPath
from .hat import HAT, HATPositions, HATStage, PublishedAnyResHAT, TokenInitializer
from .mlp import Mlp
from .norm import LayerNorm2d, build_norm
from .pos_embed import ContinuousPositionBias, MLPPositionEmbedding
from .windows import WindowGrid, window_partition, window_reverse

__all__ = [
    'WindowAttention',
    'ConvBlock',
    'ConvStage',
    'Downsample',
    'Stem',
    'DropPath',
    'HAT',
    'HATPositions',
    'HATStage',
    'PublishedAnyResHAT',
    'TokenInitializer',
    'Mlp',
    'LayerNorm2d',
    'build_norm',
    'ContinuousPositionBias',
    'MLPPositionEmbedding',
    'WindowGrid',
    'window_partition',
    'window_reverse',
]

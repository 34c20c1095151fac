# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""What the 4-stage hierarchical backbones (FasterViT, SwinHAT) share: input checks, the
multi-scale forward, freezing, deploy switch and layer ids for layer-wise learning-rate decay.

A subclass builds ``patch_embed`` (stride 4), ``levels`` (stages whose ``forward`` returns the map
before their ``downsample``) and one ``norm{i}`` per output index.
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from fastervit_mm.compat import cpu_supports_float16_conv, is_autocast_enabled


def check_input(x: Tensor, in_channels: int, dtype: Optional[torch.dtype] = None) -> None:
    """Raise a ValueError/TypeError explaining how to fix an unusable backbone input.

    ``dtype`` is that of the stem's weights: another floating dtype is an error outside autocast
    (the convolution would fail with a dtype RuntimeError).
    """
    if not isinstance(x, Tensor):
        raise TypeError(
            f'expected a torch.Tensor of shape (N, {in_channels}, H, W), got {type(x).__name__}'
        )
    if x.dim() != 4:
        hint = ' (add the batch dimension with x[None])' if x.dim() == 3 else ''
        raise ValueError(f'expected a 4-D (N, C, H, W) tensor, got shape {tuple(x.shape)}{hint}')
    if not x.is_floating_point():
        raise TypeError(
            f'expected a floating-point image tensor, got {x.dtype}; convert it with '
            'x.float() and normalise it (e.g. mmengine data_preprocessor mean/std)'
        )
    if dtype is not None and x.dtype != dtype and not is_autocast_enabled(x.device.type):
        raise TypeError(
            f'input dtype {x.dtype} differs from the weights\' dtype {dtype}: convert '
            f'the input (x.to({dtype})) or the model (model.to({x.dtype})), or run '
            'under torch.autocast'
        )
    if (
        x.dtype == torch.float16
        and x.device.type == 'cpu'
        and not is_autocast_enabled('cpu')
        and not cpu_supports_float16_conv()
    ):
        raise TypeError(
            f'float16 on the CPU: this torch ({torch.__version__}) has no float16 '
            'CPU convolution; use float32 or bfloat16 on the CPU, a GPU, or a newer '
            'torch'
        )
    if x.shape[1] != in_channels:
        hint = (
            ' (the input looks channels-last: use x.permute(0, 3, 1, 2))'
            if x.shape[-1] == in_channels
            else ''
        )
        raise ValueError(
            f'expected {in_channels} input channels at dim 1, got shape '
            f'{tuple(x.shape)}{hint}; set in_channels={x.shape[1]} to change the stem'
        )
    if x.shape[0] == 0:
        raise ValueError(f'got an empty batch, shape {tuple(x.shape)}')
    if x.shape[2] < 1 or x.shape[3] < 1:
        raise ValueError(f'height and width must be at least 1, got shape {tuple(x.shape)}')


def parse_out_indices(out_indices: Union[int, Sequence[int]], num_stages: int) -> Tuple[int, ...]:
    """Normalise ``out_indices`` (int or sequence, negatives allowed) to increasing stage ids."""
    if isinstance(out_indices, int):
        out_indices = [out_indices]
    result = []
    for i in out_indices:
        j = i + num_stages if i < 0 else i
        if not 0 <= j < num_stages:
            raise ValueError(
                f'out_indices entries must be in [{-num_stages}, {num_stages - 1}], got {i}'
            )
        result.append(j)
    if not result or sorted(set(result)) != result:
        raise ValueError(
            f'out_indices must be non-empty, distinct and increasing, got {out_indices}'
        )
    return tuple(result)


def init_weights_like_timm(m: nn.Module) -> None:
    """Linear: truncated normal (std 0.02), zero bias; LayerNorm/BatchNorm: 1 and 0."""
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.LayerNorm, _BatchNorm)) and m.weight is not None:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


class HierarchicalBackbone(BaseModule):
    """Base of the 4-stage backbones; see the module docstring for what subclasses build.

    Subclasses set ``in_channels``, ``depths``, ``out_indices``, ``frozen_stages`` and
    ``norm_eval`` before building, and call :meth:`_freeze_stages` at the end of ``__init__``.
    """

    num_stages = 4
    deploy = False

    def _set_common(
        self,
        in_channels: int,
        depths: Sequence[int],
        channels: Sequence[int],
        out_indices: Union[int, Sequence[int]],
        frozen_stages: int,
        norm_eval: bool,
    ) -> None:
        """Validate and store the arguments every subclass shares (call before building)."""
        if not (isinstance(in_channels, int) and in_channels > 0):
            raise ValueError(f'in_channels must be a positive int, got {in_channels!r}')
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(
                f'frozen_stages must be in [-1, {self.num_stages}], got {frozen_stages}'
            )
        self.in_channels = in_channels
        self.depths = list(depths)
        self.channels = list(channels)
        self.out_indices = parse_out_indices(out_indices, self.num_stages)
        self.out_channels = [self.channels[i] for i in self.out_indices]
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def _drop_path_rates(self, drop_path_rate: float) -> List[List[float]]:
        """Per stage, the stochastic-depth rate of each block: linear from 0 over all blocks."""
        rates = torch.linspace(0, drop_path_rate, sum(self.depths), device='cpu').tolist()
        ends = [sum(self.depths[: i + 1]) for i in range(len(self.depths))]
        return [rates[end - depth : end] for end, depth in zip(ends, self.depths)]

    def _finish_init(self, deploy: bool) -> None:
        """Initialise weights, freeze stages (before any DDP wrapping) and maybe deploy."""
        self.apply(init_weights_like_timm)
        self._freeze_stages()
        if deploy:
            self.switch_to_deploy()

    def forward_raw(self, x: Tensor, num_stages: Optional[int] = None) -> List[Tensor]:
        """The raw stage maps, before each downsample and before any output norm.

        Args:
            x (Tensor): (N, C, H, W) images.
            num_stages (int, optional): Stop after this many stages. Defaults to all.

        Returns:
            list[Tensor]: stage ``i`` has stride ``2 ** (i + 2)`` (sizes rounded up).
        """
        num_stages = num_stages or self.num_stages
        self._check_input(x, num_stages)
        maps = self._forward_maps(x, num_stages)
        return [self._output_format(m, x) for m in maps]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Multi-scale features: one NCHW map per ``out_indices`` entry, normed by ``norm{i}``.

        The outputs are channels-last in memory when the input is, else contiguous.
        """
        self._check_input(x, self.out_indices[-1] + 1)
        maps = self._forward_maps(x, self.out_indices[-1] + 1)
        return tuple(
            self._output_format(getattr(self, f'norm{i}')(maps[i]), x) for i in self.out_indices
        )

    def _check_input(self, x: Tensor, num_stages: int) -> None:
        """:func:`check_input`, and in training mode the BatchNorm batch-statistics condition."""
        check_input(x, self.in_channels, next(self.patch_embed.parameters()).dtype)
        if not self.training or x.shape[0] != 1:
            return
        # A training-mode BatchNorm needs more than one value per channel; with one image the
        # deepest one that runs sees the smallest map (stem: stride 4, stage i and norm{i}:
        # 2 ** (i + 2), the downsample after stage i: 2 ** (i + 3)).
        stride = 0
        for name, m in self.named_modules():
            if not (isinstance(m, _BatchNorm) and m.training):
                continue
            parts = name.split('.')
            if parts[0] == 'levels' and int(parts[1]) < num_stages:
                i = int(parts[1])
                stride = max(stride, 2 ** (i + 3) if parts[2] == 'downsample' else 2 ** (i + 2))
            elif parts[0].startswith('norm') and parts[0][4:].isdigit():
                stride = max(stride, 2 ** (int(parts[0][4:]) + 2))
            elif parts[0] == 'patch_embed':
                stride = max(stride, 4)
        if stride and -(-x.shape[2] // stride) * -(-x.shape[3] // stride) == 1:
            raise ValueError(
                f'in training mode BatchNorm needs more than one value per channel, but one '
                f'{x.shape[2]}x{x.shape[3]} image gives a 1x1 map at stride {stride}: use a batch '
                'of 2 or more, larger images, norm_eval=True, or eval mode'
            )

    def _forward_maps(self, x: Tensor, num_stages: int) -> List[Tensor]:
        # In inference the convolutions run channels-last (oneDNN / cuDNN prefer it, and the
        # transformer stages then window NHWC memory without a transpose copy). Training keeps
        # the input's format: PyTorch's channels-last training-mode BatchNorm on CPU computes
        # batch statistics ~50x less accurately; pass a channels-last input to opt in.
        if not self.training:
            x = x.contiguous(memory_format=torch.channels_last)
        x = self.patch_embed(x)
        maps = []
        for stage in self.levels[:num_stages]:
            y = stage(x)
            maps.append(y)
            if stage.downsample is not None:
                x = stage.downsample(y)
        return maps

    @staticmethod
    def _output_format(y: Tensor, x: Tensor) -> Tensor:
        if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
            return y
        return y.contiguous()

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen = [self.patch_embed]
        for i in range(self.frozen_stages):
            frozen.append(self.levels[i])
            if i in self.out_indices:
                frozen.append(getattr(self, f'norm{i}'))
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'HierarchicalBackbone':
        """Set the mode, then keep frozen stages (and with ``norm_eval`` all BatchNorms) in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def init_weights(self) -> None:
        """Initialise; ``init_cfg=dict(type='Pretrained', checkpoint=...)`` loads strictly.

        mmengine's ``Pretrained`` only logs a warning for weights that do not fit, leaving them
        random; here :func:`fastervit_mm.checkpoint.load_pretrained` raises an error naming the file
        and the first mismatched keys and shapes. It unwraps ``state_dict`` / ``model`` / EMA
        copies and ``module.`` prefixes, takes ``backbone.`` keys from a whole-model file, and
        lets output norms the file lacks (``norm0``-``norm2`` of a classification checkpoint)
        keep their initialisation. Extra ``init_cfg`` keys: ``strict`` (default True; False
        tolerates missing and unexpected keys, never shape mismatches), ``prefer_ema`` (default
        False), and mmengine's ``prefix`` and ``map_location``.
        """
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        from fastervit_mm.checkpoint import load_pretrained

        self.init_cfg = None
        try:
            super().init_weights()
        finally:
            self.init_cfg = cfg
        load_pretrained(
            self,
            cfg['checkpoint'],
            prefix=cfg.get('prefix'),
            map_location=cfg.get('map_location', 'cpu'),
            strict=cfg.get('strict', True),
            optional=(r'^norm\d\.',),
            prefer_ema=cfg.get('prefer_ema', False),
        )

    def switch_to_deploy(self) -> None:
        """Freeze every position bias/embedding per input geometry (outputs are unchanged).

        Outside deploy mode these terms are reused only in inference and recomputed after any
        ``train()``/``eval()`` call (see :mod:`~..layers.inference_cache`); in deploy mode they are
        also reused in training and across mode switches. Call it after the weights are final;
        loading a state dict or moving the model clears the terms.
        """
        for m in self.modules():
            if m is not self and hasattr(m, 'switch_to_deploy'):
                m.switch_to_deploy()
        self.deploy = True

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise learning-rate decay (as mmpretrain backbones).

        The stem is layer 0, block ``j`` of stage ``i`` is ``sum(depths[:i]) + j + 1``, a stage's
        downsample shares the id of its last block and its carrier-token initialiser that of its
        first block; output norms and anything outside the backbone get the last id.

        Args:
            param_name (str): e.g. ``'backbone.levels.2.blocks.3.attn.qkv.weight'``.
            prefix (str): Prefix of backbone parameters, e.g. ``'backbone.'``. Defaults to ''.

        Returns:
            tuple[int, int]: (layer id, number of layers = ``sum(depths) + 2``).
        """
        num_layers = sum(self.depths) + 2
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        parts = param_name[len(prefix) :].split('.')
        if parts[0] == 'patch_embed':
            return 0, num_layers
        if parts[0] == 'levels' and len(parts) > 2:
            i = int(parts[1])
            if parts[2] == 'blocks':
                return sum(self.depths[:i]) + int(parts[3]) + 1, num_layers
            if parts[2] == 'downsample':
                return sum(self.depths[: i + 1]), num_layers
            return sum(self.depths[:i]) + 1, num_layers
        return num_layers - 1, num_layers

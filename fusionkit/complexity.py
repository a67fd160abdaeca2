"""Network complexity, measured: parameters, multiply-accumulates, the AE-Netv2 paper's "FLOPs", size.

Counting uses ``torch.utils.flop_counter.FlopCounterMode`` (PyTorch's own counter: it reports 2 FLOPs
per multiply-accumulate of convolutions and matrix products, and ignores element-wise operations,
BN, pooling and activations), so MACs = its total / 2.

AE-Netv2's Table VI (../shared/papers 004) lists "Flops" that equal parameters x pixels for its own
networks (5,378 x 400 x 400 = 860,480,000); :func:`complexity` reports that convention
(``paper_flops``) beside the true count, and the report says which is which.
"""
from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from typing import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def parameter_count(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (buffers such as BN running statistics excluded, as in PyTorch and the paper)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def macs(model: nn.Module, *inputs: torch.Tensor, call: Callable | None = None) -> int:
    """Multiply-accumulates of one forward pass on ``inputs`` (``call(model, *inputs)`` if given)."""
    call = call or (lambda m, *x: m(*x))
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        call(model, *inputs)
    total = counter.get_total_flops()
    if total % 2:
        raise AssertionError(f"FlopCounterMode returned an odd FLOP count {total}")
    return total // 2


def state_dict_bytes(model: nn.Module, dtype: torch.dtype | None = None) -> int:
    """Size of ``torch.save(model.state_dict())`` in bytes (BN buffers included), optionally cast to ``dtype``."""
    sd = {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v) for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(sd, buf)
    return buf.getbuffer().nbytes


@dataclass(frozen=True)
class Complexity:
    """One network's measured complexity at an input size (``height`` x ``width``)."""

    name: str
    height: int
    width: int
    parameters: int
    macs: int
    flops: int  # 2 x MACs
    paper_flops: int  # AE-Netv2 Table VI's convention: parameters x height x width
    size_mb: float  # fp32 state dict file, 10^6 bytes

    def row(self) -> dict:
        return asdict(self)


def complexity(name: str, model: nn.Module, inputs: tuple[torch.Tensor, ...], call: Callable | None = None) -> Complexity:
    """Measured :class:`Complexity` of ``model`` on ``inputs`` (the spatial size is the first input's)."""
    h, w = inputs[0].shape[-2:]
    p, m = parameter_count(model), macs(model.eval(), *inputs, call=call)
    return Complexity(name, int(h), int(w), p, m, 2 * m, p * int(h) * int(w), state_dict_bytes(model) / 1e6)

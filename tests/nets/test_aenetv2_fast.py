"""Optimised AE-Netv2 inference (fusionkit.nets.aenetv2_fast) equals the eager network."""
import pytest
import torch
from torch import nn

from fusionkit.nets import build
from fusionkit.nets.aenetv2 import VARIANTS
from fusionkit.nets.aenetv2_fast import fast_aenet, fold_batchnorm


def _trained_like(name: str, seed: int = 0) -> nn.Module:
    """A network with non-trivial BN statistics and affine parameters (as after training)."""
    torch.manual_seed(seed)
    m = build(name)
    for bn in (x for x in m.modules() if isinstance(x, nn.BatchNorm2d)):
        with torch.no_grad():
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.2, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    return m.eval()


@pytest.mark.parametrize("name", [*VARIANTS, "aenetv2-pp", "aenetv2-m"])
def test_folded_channels_last_path_equals_eager(name):
    m = _trained_like(name)
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(2, 1, 37, 45, generator=g), torch.rand(2, 1, 37, 45, generator=g)
    with torch.inference_mode():
        want = m(a, b)
    got = fast_aenet(m)(a, b)
    assert got.shape == want.shape and (got - want).abs().max() < 1e-5


def test_every_batchnorm_after_a_convolution_is_folded_and_the_original_is_untouched():
    m = _trained_like("aenetv2-regular")
    folded = fold_batchnorm(m)
    assert not any(isinstance(x, nn.BatchNorm2d) for x in folded.modules())
    assert sum(isinstance(x, nn.BatchNorm2d) for x in m.modules()) == 3  # C1, R, C2 keep theirs
    assert folded.c1[0].bias is not None and m.c1[0].bias is None


def test_compiled_path_equals_eager():
    m = _trained_like("aenetv2-gcb")
    a, b = torch.rand(1, 1, 40, 48), torch.rand(1, 1, 40, 48)
    with torch.inference_mode():
        want = m(a, b)
    assert (fast_aenet(m, compile=True)(a, b) - want).abs().max() < 1e-5


@pytest.mark.parametrize("name", [*VARIANTS, "aenetv2-pp"])
def test_tiled_path_equals_eager_borders_included(name):
    m = _trained_like(name)
    g = torch.Generator().manual_seed(2)
    a, b = torch.rand(1, 1, 53, 70, generator=g), torch.rand(1, 1, 53, 70, generator=g)  # tiles do not divide it
    with torch.inference_mode():
        want = m(a, b)
    got = fast_aenet(m, tile=16)(a, b)
    assert (got - want).abs().max() < 1e-5


def test_receptive_radius_and_strided_pooling_refused():
    from fusionkit.nets.aenetv2_fast import receptive_radius

    assert receptive_radius(build("aenetv2-gcb")) == 3  # C1, GC, C2: one pixel each
    with pytest.raises(ValueError, match="stride"):
        fast_aenet(_trained_like("aenetv2-m"), tile=32)


@pytest.mark.parametrize("name", ["aenetv2-gcb", "aenetv2-m"])
def test_method_fast_path_equals_eager(name):
    from fusionkit.methods.trained import AENetTrained

    m = _trained_like(name)
    g = torch.Generator().manual_seed(3)
    a, b = torch.rand(1, 1, 150, 170, generator=g), torch.rand(1, 1, 150, 170, generator=g)
    fast = AENetTrained.from_model(m).fuse_batch(a, b)
    eager = AENetTrained.from_model(m, fast=False).fuse_batch(a, b)
    assert (fast - eager).abs().max() < 1e-5

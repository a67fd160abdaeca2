"""The optimised DIDFuse inference path equals eager PyTorch (borders, tiles, rules, ablations)."""
import numpy as np
import pytest
import torch

from fusionkit.fusion_rules import get_rule
from fusionkit.nets import DIDFuse
from fusionkit.nets.didfuse_fast import FastDIDFuse, fold_block

RULES = ["sum", "average", "max", "weighted", "l1", "l1_attention", "saliency+cam", "weighted+cam"]


def _random_model(seed: int = 0, **kw) -> DIDFuse:
    """Random weights *and* random batch-norm statistics, so folding is really exercised."""
    g = torch.Generator().manual_seed(seed)
    m = DIDFuse(**kw)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.3)
                mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
                mod.weight.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
            if isinstance(mod, torch.nn.PReLU):
                mod.weight.fill_(0.1)
    return m.eval()


@pytest.fixture(scope="module")
def images():
    g = torch.Generator().manual_seed(1)
    return torch.rand(1, 1, 37, 53, generator=g), torch.rand(1, 1, 37, 53, generator=g)


def test_fold_block_equals_conv_bn_activation():
    m = _random_model()
    blk = m.encoder.cov2
    x = torch.randn(2, 64, 9, 11)
    lay = fold_block(blk)
    y = lay.act(torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1, 1, 1, 1)), lay.weight, lay.bias))
    with torch.no_grad():
        assert torch.allclose(y, blk(x), atol=1e-5)


@pytest.mark.parametrize("tile", [None, 16, 7])
def test_reconstruction_matches_eager_including_borders(images, tile):
    m = _random_model()
    a, _ = images
    with torch.no_grad():
        ref = m(a)
    out = FastDIDFuse(m, tile=tile)(a)
    assert out.shape == ref.shape
    assert (out - ref).abs().max().item() < 1e-5


@pytest.mark.parametrize("rule", RULES)
def test_fusion_matches_eager_for_every_rule(images, rule):
    m = _random_model(2)
    a, b = images
    fn = get_rule(rule)
    with torch.no_grad():
        ref = m.fuse(a, b, fn)
    out = FastDIDFuse(m, tile=16, rule_tile=16).fuse(a, b, fn)
    assert (out - ref).abs().max().item() < 1e-5
    # the border rows/columns are where tiling and padding could go wrong
    assert (out[..., 0, :] - ref[..., 0, :]).abs().max().item() < 1e-5
    assert (out[..., :, -1] - ref[..., :, -1]).abs().max().item() < 1e-5


@pytest.mark.parametrize("kw", [{"skip_connections": False}, {"branches": "base"}, {"branches": "detail"}])
def test_ablation_architectures_match_eager(images, kw):
    m = _random_model(3, **kw)
    a, b = images
    fn = get_rule("sum")
    with torch.no_grad():
        ref = m.fuse(a, b, fn)
    assert (FastDIDFuse(m, tile=16).fuse(a, b, fn) - ref).abs().max().item() < 1e-5


def test_bad_input_is_rejected():
    f = FastDIDFuse(_random_model(), tile=16)
    with pytest.raises(ValueError, match=r"expected \(N, 1, H, W\)"):
        f(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match="shapes differ"):
        f.fuse(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 9), get_rule("sum"))


def test_released_checkpoint_fast_equals_eager_on_a_tno_crop(real_data):
    from fusionkit import methods
    from fusionkit.data import FusionDataset

    it = FusionDataset("didfuse-tno", manifest=real_data, limit=1)[0]
    a, b = it["a"][0].numpy()[:90, :130], it["b"][0].numpy()[:90, :130]
    fast = methods.get("didfuse-ijcai", tile=32).fuse(a, b)
    eager = methods.get("didfuse-ijcai", fast=False).fuse(a, b)
    assert np.abs(fast - eager).max() < 1e-5
    # The paper's rule, split into statistics + 16-pixel tiles: on the same (folded) features it equals
    # the whole-map rule; against eager features, BN folding moves features by ~1e-7, which can flip a
    # value across a 256-level quantisation step of the histogram saliency: a few pixels then differ by
    # slightly more than 1e-5 (1.5e-5 on 0.4 % of this crop), every other pixel is within 1e-5.
    from fusionkit.fusion_rules import Rule

    rule = get_rule("saliency+cam")
    m = methods.get("didfuse-ijcai", tile=32, rule="saliency+cam", rule_tile=16)
    a4, b4 = torch.from_numpy(a)[None, None], torch.from_numpy(b)[None, None]
    fast = FastDIDFuse(m.model, tile=32, rule_tile=16)
    assert (fast.fuse(a4, b4, rule) - fast.fuse(a4, b4, Rule("whole", rule.fn))).abs().max().item() < 1e-6
    diff = np.abs(m.fuse(a, b) - methods.get("didfuse-ijcai", fast=False, rule="saliency+cam").fuse(a, b))
    assert diff.max() < 1e-4 and (diff > 1e-5).mean() < 1e-2  # one flipped level: a 13x13 neighbourhood


SPLIT_RULES = [n for n in ("weighted", "weighted+cam", "l1_attention", "l1_attention+cam", "saliency", "saliency+cam")]


@pytest.mark.parametrize("rule", SPLIT_RULES)
@pytest.mark.parametrize("rule_tile", [5, 16])
def test_split_rules_tile_by_tile_equal_the_whole_map_rule(images, rule, rule_tile):
    """Global statistics once + the local part per tile (halo 2r) == the rule on the full feature maps."""
    from fusionkit.fusion_rules import Rule

    fn = get_rule(rule)
    assert fn.split is not None
    m = _random_model(4)
    a, b = images
    fast = FastDIDFuse(m, tile=16, rule_tile=rule_tile)
    whole = fast.fuse(a, b, Rule("whole", fn.fn))  # same features, rule on stitched maps
    tiled = fast.fuse(a, b, fn)
    assert (tiled - whole).abs().max().item() < 1e-6
    for edge in (tiled[..., 0, :] - whole[..., 0, :], tiled[..., -1, :] - whole[..., -1, :],
                 tiled[..., :, 0] - whole[..., :, 0], tiled[..., :, -1] - whole[..., :, -1]):
        assert edge.abs().max().item() < 1e-6
    x, y = torch.randn(2, 8, 11, 13), torch.randn(2, 8, 11, 13)  # and the split itself, on raw maps
    assert torch.allclose(fn.split.local(x, y, fn.split.stats(x, y)), fn(x, y), atol=1e-6)


def test_compiled_rule_equals_the_eager_local_part(images):
    """The saliency rule's local part runs under torch.compile; same tiles, same statistics, same values."""
    m = _random_model(5)
    a, b = images
    rule = get_rule("saliency+cam")
    assert rule.split.compile and not get_rule("l1_attention").split.compile
    compiled = FastDIDFuse(m, tile=16, rule_tile=16).fuse(a, b, rule)
    eager = FastDIDFuse(m, tile=16, rule_tile=16, compile_rule=False).fuse(a, b, rule)
    assert (compiled - eager).abs().max().item() < 1e-6


def test_compiled_rule_falls_back_to_eager_when_compilation_fails(monkeypatch):
    from fusionkit import compiled

    def broken_compile(fn, **kw):
        def run(*args):
            raise RuntimeError("no C++ compiler")
        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    calls = []

    def local(x, y, st):
        calls.append(1)
        return x + y + st

    wrapped = compiled.CompiledOrEager(local)
    x = torch.ones(1, 2, 3, 3)
    with pytest.warns(RuntimeWarning, match="torch.compile of local failed.*no C.. compiler.*running it eagerly"):
        out = wrapped(x, x, 1.0)
    assert torch.equal(out, torch.full_like(x, 3.0)) and wrapped.ok is False
    assert torch.equal(wrapped(x, 2 * x, 0.0), torch.full_like(x, 3.0)) and len(calls) == 2

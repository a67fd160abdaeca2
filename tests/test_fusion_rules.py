"""Feature-level fusion rules, including DIDFuse's fusion layer (eqs. (6)-(17)), by hand and by property."""
import numpy as np
import pytest
import torch

from fusionkit import fusion_rules as R
from fusionkit.fusion_rules import didfuse_attention as DA
from fusionkit.fusion_rules import RULES


def test_every_rule_but_sum_returns_identical_inputs():
    x = torch.rand(2, 3, 20, 24, generator=torch.Generator().manual_seed(0))
    for name, rule in R.RULES.items():
        if name != "sum":
            assert torch.allclose(rule(x, x), x, atol=1e-6), name
    assert torch.equal(R.RULES["sum"](x, x), 2 * x)


def test_channel_attention_by_hand():
    # channel means of |.|: x = [1, 3], y = [3, 1] -> weights for x: [1/4, 3/4]
    x = torch.stack([torch.full((4, 4), 1.0), torch.full((4, 4), 3.0)])[None]
    y = torch.stack([torch.full((4, 4), 3.0), torch.full((4, 4), 1.0)])[None]
    out = R.channel_attention(x, y)
    assert torch.allclose(out[0, 0], torch.full((4, 4), 0.25 * 1 + 0.75 * 3))
    assert torch.allclose(out[0, 1], torch.full((4, 4), 0.75 * 3 + 0.25 * 1))


def test_histogram_saliency_by_hand():
    # a channel with 12 pixels at level 0 and 4 at level 255: S(level 0) = 4*255, S(level 255) = 12*255
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 0, :] = 1.0
    s = R.histogram_saliency(x)
    assert float(s[0, 0, 0, 0]) == 12 * 255 and float(s[0, 0, 3, 3]) == 4 * 255


def test_guided_filter_matches_the_numpy_implementation():
    from fusionkit.methods.classical.filters import guided_filter as gf_np

    g = torch.Generator().manual_seed(2)
    I, p = torch.rand(1, 1, 30, 40, generator=g, dtype=torch.float64), torch.rand(1, 1, 30, 40, generator=g, dtype=torch.float64)
    ours = R.guided_filter(I, p, 3, 1e-2)[0, 0].numpy()
    ref = gf_np(I[0, 0].numpy(), p[0, 0].numpy(), 3, 1e-2)
    assert np.abs(ours - ref).max() < 1e-10


def test_l1_and_weighted_by_hand():
    x, y = torch.ones(1, 2, 5, 5), torch.zeros(1, 2, 5, 5)
    assert torch.equal(R.l1_attention(x, y), x)  # all activity in x -> weight 1
    assert torch.allclose(R.weighted_average(x, y), torch.full_like(x, 0.5))
    # saliency: y is constant (no saliency), so x's weight is 1 before guided filtering
    assert torch.allclose(R.didfuse_fusion_layer("weighted", cam=True)(x, y), torch.full_like(x, 0.75))


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="valid: weighted, l1_attention, saliency"):
        R.didfuse_fusion_layer("softmax")
    with pytest.raises(ValueError, match="valid: sum, average, max, l1"):
        R.get_rule("median")


def test_didfuse_with_the_extended_papers_fusion_layer(real_data):
    from fusionkit import methods
    from fusionkit.data import FusionDataset

    it = FusionDataset("didfuse-tno", manifest=real_data, limit=1)[0]
    a, b = (it[k][0].numpy()[200:264, 300:380].astype(np.float64) for k in ("a", "b"))
    outs = {r: methods.get("didfuse-ijcai", rule=r).fuse(a, b) for r in ("saliency+cam", "l1_attention", "weighted")}
    for r, f in outs.items():
        assert f.shape == a.shape and 0 <= f.min() and f.max() <= 1, r
    assert np.abs(outs["saliency+cam"] - outs["weighted"]).mean() > 1e-4
    with pytest.raises(ValueError, match="valid: sum, average, l1, weighted"):
        methods.get("didfuse-ijcai", rule="median")


def test_quantiser_is_the_same_compiled_and_eager():
    """The histogram's levels come from a compiled loop on large maps: it must give exactly the eager
    levels (values right at a level boundary included), and so the same saliency table."""
    g = torch.Generator().manual_seed(5)
    x = torch.randn(1, 3, 40, 50, generator=g).contiguous(memory_format=torch.channels_last)
    lo, hi = x.amin((-2, -1), keepdim=True), x.amax((-2, -1), keepdim=True)
    x[0, :, 0, :11] = lo[0, :, 0] + (hi - lo)[0, :, 0] * (torch.arange(11) + 0.5) / 255  # half-way points
    eager = R.saliency_table(x, rows=7, compiled=False)
    compiled = R.saliency_table(x, rows=7, compiled=True)
    for e, c in zip(eager, compiled):
        assert torch.equal(e, c)
    scale = DA._level_scale(lo, hi)
    lv = DA._levels(x, lo, scale)
    assert lv.dtype == torch.int32 and int(lv.min()) == 0 and int(lv.max()) == 255
    # round half to even at the boundaries, as torch.round: (k + 0.5) -> k or k + 1, never off by more
    assert torch.all((lv[0, :, 0, :11] - torch.arange(11)).abs() <= 1)


# ----------------------------------------------------------------------------- JCAE eq. (8), (9)
def _maps():
    """Two samples' worth of hand-made 2x2 maps, 2 channels: channel 0 sparse (1 non-zero of 8 in A and
    B together), channel 1 dense (every position non-zero)."""
    x = torch.tensor([[[[0.0, 0.0], [0.0, 4.0]], [[1.0, 2.0], [3.0, 1.0]]]])
    y = torch.tensor([[[[0.0, 0.0], [0.0, 0.0]], [[3.0, 2.0], [1.0, 1.0]]]])
    return x, y


def test_jcae_private_rule_eq8_is_choose_max():
    x, y = _maps()
    torch.testing.assert_close(RULES.get("max")(x, y), torch.maximum(x, y))


def test_jcae_common_eq9_by_hand_both_sides_of_the_threshold():
    from fusionkit.fusion_rules import jcae_common, jcae_layer_activity

    x, y = _maps()
    # counts over both maps: channel 0 -> 1, channel 1 -> 8; T = 0.6 * 2 * 2 = 2.4
    assert jcae_layer_activity(x, y).tolist() == [[1.0, 8.0]]
    out = jcae_common(x, y)
    # channel 0 (1 < T): choose-max
    assert out[0, 0].tolist() == [[0.0, 0.0], [0.0, 4.0]]
    # channel 1 (8 >= T): C_A = x summed over channels = [[1, 2], [3, 5]], C_B = [[3, 2], [1, 1]]
    w1 = torch.tensor([[1 / 4, 2 / 4], [3 / 4, 5 / 6]])
    torch.testing.assert_close(out[0, 1], w1 * x[0, 1] + (1 - w1) * y[0, 1])
    assert out[0, 1, 0, 0].item() == pytest.approx(1 / 4 * 1 + 3 / 4 * 3)


def test_jcae_common_sum_reading_and_ratio():
    from fusionkit.fusion_rules import jcae_common

    x, y = _maps()
    # sums: channel 0 -> 4 (>= 2.4: weighted), channel 1 -> 14 (weighted)
    out = RULES.get("jcae-common-sum")(x, y)
    ca, cb = x.sum(1, keepdim=True), y.sum(1, keepdim=True)
    torch.testing.assert_close(out, ca / (ca + cb) * x + cb / (ca + cb) * y)
    # a ratio above every count makes it choose-max everywhere
    torch.testing.assert_close(jcae_common(x, y, ratio=3.0), torch.maximum(x, y))
    with pytest.raises(ValueError, match="count, sum"):
        jcae_common(x, y, activity="mean")


def test_jcae_common_where_both_locations_are_silent_takes_half_each():
    from fusionkit.fusion_rules import jcae_common

    x = torch.zeros(1, 1, 2, 2)
    x[0, 0, 0, 0] = 2.0
    y = torch.zeros(1, 1, 2, 2)
    y[0, 0, 1, 1] = 0.0
    out = jcae_common(x, y, activity="sum", ratio=0.1)  # sum 2 >= 0.4: weighted branch
    assert torch.isfinite(out).all() and out[0, 0, 0, 0].item() == 2.0 and out[0, 0, 1, 1].item() == 0.0

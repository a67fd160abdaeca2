"""FMMF and VIF-Net networks (../shared/papers/003): attention rows, chunked == naive, every variant builds
and fuses odd sizes, the encoders are separate."""
import pytest
import torch

from fusionkit.nets import build
from fusionkit.nets.fmmf import FUSIONS, MappingFusion, attention_weights, mutual_attention


def test_attention_rows_sum_to_one_and_follow_the_similarity():
    torch.manual_seed(0)
    q, k = torch.randn(2, 7, 4), torch.randn(2, 9, 4)
    a = attention_weights(q, k)
    assert a.shape == (2, 7, 9)
    torch.testing.assert_close(a.sum(-1), torch.ones(2, 7))
    # by hand: row 0 of batch 0 is softmax of the scaled dot products
    logits = torch.tensor([float(q[0, 0] @ k[0, j]) / 2.0 for j in range(9)])  # sqrt(d) = 2
    torch.testing.assert_close(a[0, 0], torch.softmax(logits, 0))
    # a key equal to a large multiple of the query takes (almost) all the weight
    k2 = k.clone()
    k2[0, 3] = 50 * q[0, 0] / q[0, 0].norm()
    assert attention_weights(q, k2)[0, 0].argmax() == 3


@pytest.mark.parametrize("chunk", [1, 5, 16, None])
def test_chunked_attention_equals_the_naive_form(chunk):
    torch.manual_seed(1)
    q, k, v = torch.randn(2, 37, 8), torch.randn(2, 37, 8), torch.randn(2, 37, 6)
    naive = attention_weights(q, k) @ v
    torch.testing.assert_close(mutual_attention(q, k, v, chunk), naive, atol=1e-5, rtol=1e-5)


def test_mapping_module_is_eq1_with_the_materialised_map():
    torch.manual_seed(2)
    m = MappingFusion(6, key_dim=3)
    fx, fy = torch.rand(1, 6, 5, 7), torch.rand(1, 6, 5, 7)
    fuse, map_x, map_y = m(fx, fy, chunk=4)
    q, k = m.qk(fx, fy)
    a = attention_weights(q, k)  # (1, 35, 35)
    want_x = (fx.flatten(2) @ a.transpose(1, 2)).reshape(1, 6, 5, 7)
    want_y = (fy.flatten(2) @ a.transpose(1, 2)).reshape(1, 6, 5, 7)
    torch.testing.assert_close(map_x, want_x, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(map_y, want_y, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(fuse, want_x * fx + want_y * fy, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fusion", FUSIONS)
@pytest.mark.parametrize("depth", [3, 4, 5])
def test_every_variant_builds_and_fuses_odd_sizes(fusion, depth):
    torch.manual_seed(0)
    m = build("fmmf", fusion=fusion, depth=depth).eval()
    a, b = torch.rand(1, 1, 37, 53), torch.rand(1, 1, 37, 53)
    out = m.fuse(a, b)
    assert out.shape == (1, 1, 37, 53)
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert len(m.enc_x.res) == depth - 1


def test_whole_model_chunked_equals_unchunked():
    torch.manual_seed(3)
    m = build("fmmf").eval()
    a, b = torch.rand(1, 1, 40, 48), torch.rand(1, 1, 40, 48)  # 10 x 12 = 120 positions at 1/4
    with torch.no_grad():
        torch.testing.assert_close(m(a, b, chunk=7), m(a, b, chunk=None), atol=1e-5, rtol=1e-5)


def test_encoders_are_separate_and_variants_differ():
    m = build("fmmf")
    assert m.enc_x.conv.weight.data_ptr() != m.enc_y.conv.weight.data_ptr()
    assert not hasattr(build("fmmf", fusion="add"), "mapping")
    # concat doubles what the decoder takes at every scale
    assert build("fmmf", fusion="concat").dec[0].in_channels == 2 * 16 + 32
    assert build("fmmf", fusion="add").dec[0].in_channels == 16 + 32


def test_shallow_maps_come_from_every_deeper_map():
    m = build("fmmf", depth=4).eval()
    maps_x, maps_y = m.maps(torch.rand(1, 1, 64, 64), torch.rand(1, 1, 64, 64))
    assert [t.shape[-1] for t in maps_x] == [64, 32, 16, 8]
    assert [t.shape[1] for t in maps_x] == list(m.widths)
    assert m.shallow[0].mix_x.in_channels == sum(m.widths[1:])  # dense: all deeper scales


def test_dense_buffer_is_bit_identical_to_the_concatenation():
    from fusionkit.nets.fmmf import ShallowMaps

    g = torch.Generator().manual_seed(0)
    maps = [torch.rand(2, c, s, s, generator=g) for c, s in ((3, 8), (5, 4), (2, 2))]
    cat = torch.cat([torch.nn.functional.interpolate(m, size=(13, 11), mode="bilinear", align_corners=False)
                     for m in maps], 1)
    assert torch.equal(ShallowMaps.dense(maps, (13, 11)), cat)


@pytest.mark.parametrize("positions", [7, 40, 10**6])
def test_striped_pointwise_conv_equals_the_whole_conv(positions):
    from fusionkit.nets.fmmf import ShallowMaps

    torch.manual_seed(0)
    conv, x = torch.nn.Conv2d(9, 4, 1), torch.rand(2, 9, 13, 10)
    with torch.no_grad():
        torch.testing.assert_close(ShallowMaps.pointwise(conv, x, positions), conv(x), atol=1e-6, rtol=1e-6)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="fusion='sum'"):
        build("fmmf", fusion="sum")
    with pytest.raises(ValueError, match="depth=7"):
        build("fmmf", depth=7)
    with pytest.raises(ValueError, match="no maps"):
        build("fmmf", fusion="add").maps(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8))


def test_fmmf_trains_a_step_and_gradients_reach_the_mapping_module():
    torch.manual_seed(0)
    m = build("fmmf")
    out = m(torch.rand(2, 1, 32, 32), torch.rand(2, 1, 32, 32))
    out.mean().backward()
    assert m.mapping.query.weight.grad.abs().sum() > 0
    assert m.shallow[0].mix_x.weight.grad.abs().sum() > 0


def test_vifnet_shape_dense_widths_and_sharing():
    m = build("vifnet").eval()
    assert m.fuse(torch.rand(1, 1, 9, 11), torch.rand(1, 1, 9, 11)).shape == (1, 1, 9, 11)
    assert [c.in_channels for c in m.enc_ir.dense] == [16, 32, 48]
    assert m.C2.in_channels == 128
    assert m.enc_ir is not m.enc_vis
    shared = build("vifnet", share=True)
    assert shared.enc_ir is shared.enc_vis


def test_attention_is_a_convex_combination_so_maps_of_positive_features_stay_in_range():
    torch.manual_seed(4)
    q, k = torch.randn(1, 20, 8), torch.randn(1, 20, 8)
    v = torch.rand(1, 20, 3)
    out = mutual_attention(q, k, v, chunk=6)
    assert (out >= v.min(1).values - 1e-6).all() and (out <= v.max(1).values + 1e-6).all()

"""AE-Netv2 family (../shared/papers 004, Fig. 2-3, Tables I and VI): counts, shapes, the hop connection."""
import pytest
import torch

from fusionkit.complexity import parameter_count
from fusionkit.nets import NETS, build
from fusionkit.nets.aenetv2 import VARIANTS, stack_sources
from fusionkit.nets.blocks import GCB

ALL = [*VARIANTS, "aenetv2-pp", "aenetv2-m"]


@pytest.mark.parametrize("name, paper", [("aenetv2-gcb", 5_378), ("aenetv2-regular", 41_154), ("aenetv2-pp", 1_537)])
def test_parameter_counts_equal_table_vi(name, paper):
    assert parameter_count(build(name)) == paper


def test_gcb_layers_follow_table_i():
    m = build("aenetv2-gcb")
    assert tuple(m.c1[0].weight.shape) == (64, 6, 3, 3) and m.c1[0].bias is None
    gc = m.r[0].conv
    assert (gc.in_channels, gc.out_channels, gc.kernel_size, gc.groups) == (64, 64, (3, 3), 32)
    assert tuple(m.c2[0].weight.shape) == (1, 64, 3, 3)


@pytest.mark.parametrize("name", ALL)
def test_every_variant_is_registered_and_keeps_the_input_size(name):
    assert name in NETS.names()
    torch.manual_seed(0)
    m = build(name).eval()
    out = m(torch.rand(2, 1, 17, 23), torch.rand(2, 3, 17, 23))  # odd sizes, grey + colour source
    assert out.shape == (2, 1, 17, 23) and torch.isfinite(out).all()


def test_sources_are_stacked_as_six_channels_grey_repeated():
    a, b = torch.rand(1, 1, 4, 5), torch.rand(1, 3, 4, 5)
    x = stack_sources(a, b)
    assert x.shape == (1, 6, 4, 5)
    assert torch.equal(x[:, 0], a[:, 0]) and torch.equal(x[:, 2], a[:, 0]) and torch.equal(x[:, 3:], b)


@pytest.mark.parametrize("a, b, match", [((1, 1, 4, 5), (1, 1, 4, 6), "differ"), ((1, 2, 4, 5), (1, 2, 4, 5), "1 or 3")])
def test_bad_sources_are_named(a, b, match):
    with pytest.raises(ValueError, match=match):
        stack_sources(torch.rand(*a), torch.rand(*b))


def test_channel_shuffle_interleaves_the_groups():
    """After the 32-group convolution, the output channel 2k+j (group k, member j) moves to j*32+k."""
    g = GCB()
    with torch.no_grad():
        g.conv.weight.zero_()
        g.conv.bias.copy_(torch.arange(64, dtype=torch.float32))  # channel c outputs the constant c
    out = g(torch.zeros(1, 64, 3, 3))[0, :, 0, 0]
    assert out.tolist() == [float(2 * k + j) for j in range(2) for k in range(32)]


def test_hop_connection_feeds_c1_output_to_c2_even_when_r_is_silent():
    """Eq. (1): P = C2(h + R(h)). With R's convolution zeroed (ReLU(0) = 0) the output is C2(C1(x))."""
    torch.manual_seed(0)
    m = build("aenetv2-gcb").eval()
    with torch.no_grad():
        m.r[0].conv.weight.zero_()
        m.r[0].conv.bias.zero_()
    a, b = torch.rand(1, 1, 9, 9), torch.rand(1, 1, 9, 9)
    assert torch.allclose(m(a, b), m.c2(m.c1(stack_sources(a, b))))


@pytest.mark.parametrize("groups,cin,cout", [(32, 64, 64), (4, 8, 12), (3, 6, 3)])
def test_block_diagonal_conv_is_the_grouped_conv_with_the_same_gradients(groups, cin, cout):
    from fusionkit.nets.blocks import block_diagonal_conv

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(cin, cout, 3, padding=1, groups=groups)
    x = torch.randn(2, cin, 9, 11, requires_grad=True)
    ref = conv(x)
    (ref * ref).sum().backward()
    g_ref, gx_ref = conv.weight.grad.clone(), x.grad.clone()
    conv.weight.grad, x.grad = None, None
    out = block_diagonal_conv(conv, x)
    (out * out).sum().backward()
    assert (out - ref).abs().max() < 1e-5
    assert conv.weight.grad.shape == g_ref.shape and (conv.weight.grad - g_ref).abs().max() < 1e-4
    assert (x.grad - gx_ref).abs().max() < 1e-5


def test_gcb_under_cpu_bf16_autocast_takes_the_dense_form_and_agrees():
    from fusionkit.nets.blocks import GCB, block_diagonal_conv

    torch.manual_seed(0)
    gcb, x = GCB(), torch.randn(2, 64, 16, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = gcb(x)
        dense = gcb.shuffle(torch.relu(block_diagonal_conv(gcb.conv, x)))
    assert torch.equal(y, dense)  # the dense path is the one taken
    assert (y.float() - gcb(x)).abs().max() < 0.05  # and agrees with fp32 to bf16 precision


@pytest.mark.parametrize("name", ALL)
def test_output_starts_as_a_mid_grey_image_unless_default_init(name):
    torch.manual_seed(0)
    a, b = torch.rand(4, 1, 24, 20), torch.rand(4, 1, 24, 20)
    net = build(name)  # train mode: C2's BN standardises the batch, then scale 0.25 and shift 0.5
    with torch.no_grad():
        out = net(a, b)
    assert parameter_count(net) == parameter_count(build(name, output_init="default"))
    if name == "aenetv2-pp":  # no output BN: only the bias starts at 0.5
        assert net.c2.bias.item() == 0.5 and build(name, output_init="default").c2.bias.item() != 0.5
    else:
        with torch.no_grad():
            plain = build(name, output_init="default")(a, b)
        assert abs(out.mean().item() - 0.5) < 1e-3 and abs(plain.mean().item()) < 1e-3
        # the same standardised map, scaled by 0.25 (BN's eps makes the spread slightly below 1)
        assert plain.std().item() > 0.8 and abs(out.std().item() / plain.std().item() - 0.25) < 1e-3
    with pytest.raises(ValueError, match="output_init"):
        build(name, output_init="grey")

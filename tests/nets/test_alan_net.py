"""ALAN networks (../shared/papers/000): channel attention (eq. 5) by hand, the fusion rules (eq. 6 and the
fixed criteria of Fig. 10), the lateral connections (eq. 7): frozen sub-task weights stay bit-identical
through main-task training while gradients reach the lateral weights."""
from __future__ import annotations

import pytest
import torch

from fusionkit.nets import build
from fusionkit.nets.alan import ALAN, ReconstructionNet
from fusionkit.nets.blocks import ChannelAttention, MultiScaleConv


def test_channel_attention_is_eq5_by_hand():
    torch.manual_seed(0)
    ca = ChannelAttention(8, reduction=4)
    x = torch.rand(2, 8, 5, 7)
    gp = x.mean((2, 3))  # F_GP (N, C)
    w1, b1 = ca.squeeze.weight[:, :, 0, 0], ca.squeeze.bias
    w2, b2 = ca.excite.weight[:, :, 0, 0], ca.excite.bias
    s = torch.sigmoid(torch.relu(gp @ w1.T + b1) @ w2.T + b2)  # S(W_2, R(W_1, F_GP))
    torch.testing.assert_close(ca(x), x * s[:, :, None, None])
    assert ca.squeeze.out_channels == 2


def test_multiscale_block_keeps_the_size():
    m = MultiScaleConv(4, 6)
    assert m(torch.rand(1, 4, 9, 11)).shape == (1, 6, 9, 11)


@pytest.mark.parametrize("fuse_at", ["image", "features"])
def test_every_rule_gives_the_input_size(fuse_at):
    m = ALAN(depth=3, width=8, fuse_at=fuse_at).eval()
    a, b = torch.rand(2, 1, 17, 13), torch.rand(2, 1, 17, 13)
    for rule in ("learned", "max", "sum", "mean"):
        assert m.fuse_with(a, b, rule).shape == (2, 1, 17, 13)


def test_fixed_criteria_on_the_images_are_the_pixel_rules():
    m = ALAN(depth=2, width=4).eval()
    a, b = torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(m.fuse_with(a, b, "max"), torch.maximum(a, b))
        torch.testing.assert_close(m.fuse_with(a, b, "sum"), a + b)
        torch.testing.assert_close(m.fuse_with(a, b, "mean"), (a + b) / 2)


def test_learned_weights_are_eq6_and_their_normalisation():
    torch.manual_seed(0)
    a, b = torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)
    for kind in ("sigmoid", "softmax"):
        m = ALAN(depth=2, width=4, weights=kind).eval()
        with torch.no_grad():
            fa, fb = m.activations(a)[-1], m.activations(b)[-1]
            w = m.fusion_weights(fa, fb)
            torch.testing.assert_close(m(a, b), w[:, :1] * a + w[:, 1:] * b)
        assert ((w > 0) & (w < 1)).all()
        if kind == "softmax":
            torch.testing.assert_close(w.sum(1), torch.ones(1, 8, 8))


def test_no_attention_variant_has_no_attention_parameters():
    with_ca, without = ALAN(depth=3, width=8), ALAN(depth=3, width=8, attention=False)
    assert not any("attn" in n for n, _ in without.named_parameters())
    assert sum(p.numel() for p in with_ca.parameters()) > sum(p.numel() for p in without.parameters())


def test_lateral_connections_train_only_the_main_network():
    torch.manual_seed(0)
    recon = ReconstructionNet(depth=3, growth=4)
    focus = ALAN(depth=3, width=6)
    frozen = {k: v.clone() for col in (recon, focus) for k, v in col.state_dict().items()}
    main = ALAN(depth=3, width=8, columns=[recon, focus])
    assert len(main.encoder.laterals) == 2 and main.encoder.laterals[0][0].in_channels == 4
    opt = torch.optim.Adam([p for p in main.parameters() if p.requires_grad], lr=1e-2)
    main.train()
    assert not recon.training and not focus.training and main.encoder.training
    a, b = torch.rand(2, 1, 12, 10), torch.rand(2, 1, 12, 10)
    for _ in range(3):
        opt.zero_grad()
        loss = (main(a, b) - (a + b) / 2).pow(2).mean()
        loss.backward()
        grads = [p.grad for lat in main.encoder.laterals for p in lat.parameters()]
        assert all(g is not None and g.abs().sum() > 0 for g in grads)  # gradients reach every lateral
        opt.step()
    after = {k: v for col in (recon, focus) for k, v in col.state_dict().items()}
    assert all(torch.equal(frozen[k], after[k]) for k in frozen)  # bit-identical
    assert all(p.grad is None for col in (recon, focus) for p in col.parameters())
    # the checkpoint holds the whole auxiliary network
    assert any(k.startswith("columns.0.") for k in main.state_dict()) and any(
        k.startswith("columns.1.encoder.") for k in main.state_dict())


def test_lateral_input_changes_the_output():
    torch.manual_seed(0)
    recon = ReconstructionNet(depth=3, growth=4)
    main = ALAN(depth=3, width=8, columns=[recon]).eval()
    a, b = torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)
    with torch.no_grad():
        before = main(a, b)
        torch.nn.init.constant_(main.encoder.laterals[0][1].weight, 0.5)
        assert not torch.allclose(before, main(a, b))


def test_columns_from_descriptions_load_a_checkpoint():
    torch.manual_seed(0)
    trained = ALAN(depth=3, width=8, columns=[ReconstructionNet(depth=3, growth=4)])
    fresh = ALAN(depth=3, width=8, columns=[{"net": "alan-recon", "depth": 3, "growth": 4}])
    fresh.load_state_dict(trained.state_dict())
    a, b = torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(fresh.eval()(a, b), trained.eval()(a, b))
    assert not any(p.requires_grad for p in fresh.columns.parameters())
    with pytest.raises(ValueError, match="expected a network or"):
        ALAN(depth=3, columns=[{"depth": 3}])


def test_reconstruction_net_shape_and_dense_widths():
    r = build("alan-recon", depth=4, growth=8)
    assert r(torch.rand(1, 1, 16, 16)).shape == (1, 1, 16, 16)
    assert [layer.in_channels for layer in r.dense] == [8, 16, 24]
    assert [t.shape[1] for t in r.activations(torch.rand(1, 1, 8, 8))] == [8, 8, 8, 8]


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="fusion='avg'"):
        build("alan", fusion="avg")
    with pytest.raises(ValueError, match="weights='relu'"):
        build("alan", weights="relu")
    with pytest.raises(ValueError, match="fuse_at='decoder'"):
        build("alan", fuse_at="decoder")
    with pytest.raises(ValueError, match="lateral column 0: 2 layers"):
        ALAN(depth=4, columns=[ReconstructionNet(depth=2)])
    with pytest.raises(ValueError, match="rule='min'"):
        ALAN(depth=2, width=4).fuse_with(torch.rand(1, 1, 4, 4), torch.rand(1, 1, 4, 4), "min")


def test_alan_fusion_method_wraps_a_network_and_applies_figure_10s_criteria():
    from fusionkit import methods

    torch.manual_seed(0)
    net = build("alan", depth=3, width=8)
    a, b = torch.rand(30, 34).numpy(), torch.rand(30, 34).numpy()
    learned = methods.METHODS.get("alan").from_model(net)
    out = learned.fuse(a, b)
    assert out.shape == (30, 34) and 0 <= out.min() and out.max() <= 1
    with torch.no_grad():
        expect = net(torch.from_numpy(a).float()[None, None], torch.from_numpy(b).float()[None, None])
    assert abs(out - expect.clamp(0, 1)[0, 0].numpy()).max() < 1e-6
    # fuse_at='image': the fixed criteria are the pixel rules on the sources
    mean = methods.METHODS.get("alan").from_model(net, rule="mean").fuse(a, b)
    assert abs(mean - (a + b) / 2).max() < 1e-6
    mx = methods.METHODS.get("alan").from_model(net, rule="max").fuse(a, b)
    assert abs(mx - (a > b) * a - (a <= b) * b).max() < 1e-6
    with pytest.raises(ValueError, match="unknown rule 'median'"):
        methods.METHODS.get("alan").from_model(net, rule="median")
    with pytest.raises(ValueError, match="not a fusion network"):
        methods.METHODS.get("alan").from_model(build("alan-recon", depth=3, growth=4))

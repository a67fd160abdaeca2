"""JCAE network (../shared/papers 001, Sec. 2.2-2.4): shapes, the shared common branch, eq. (4), VGG19 loading."""
import pytest
import torch

from fusionkit.checkpoints import CheckpointError
from fusionkit.fusion_rules import RULES
from fusionkit.nets import build
from fusionkit.nets.jcae import JCAE, load_vgg19


def _pair(n=2, h=20, w=26, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, h, w, generator=g), torch.rand(n, 1, h, w, generator=g)


def test_branches_are_vgg19s_first_three_convolutions_with_128_maps_at_half_resolution():
    m = build("jcae")
    assert isinstance(m, JCAE)
    for branch in (m.private_ir, m.private_vis, m.common):
        shapes = [tuple(c.weight.shape) for c in (branch.block1_conv1, branch.block1_conv2, branch.block2_conv1)]
        assert shapes == [(64, 3, 3, 3), (64, 64, 3, 3), (128, 64, 3, 3)]
    a, b = _pair(h=21, w=27)
    f = m.encode(a, b)
    assert {k: tuple(v.shape) for k, v in f.items()} == {k: (2, 128, 10, 13) for k in
                                                          ("private_a", "private_b", "common_a", "common_b")}


def test_common_branch_is_one_set_of_weights_fed_and_trained_by_both_inputs():
    m = build("jcae")
    names = [n for n, _ in m.named_parameters()]
    assert sum(n.startswith("common.") for n in names) == 6  # one branch, not one per input
    a, b = _pair()
    # a gradient through the common features of a alone, then of b alone, both reach common.*
    for key in ("common_a", "common_b"):
        m.zero_grad()
        m.encode(a, b)[key].sum().backward()
        assert m.common.block1_conv1.weight.grad.abs().sum() > 0
        assert m.private_ir.block1_conv1.weight.grad is None or m.private_ir.block1_conv1.weight.grad.abs().sum() == 0
    # same input through the common branch gives the same features whichever side it comes from
    f = m.encode(a, a)
    assert torch.equal(f["common_a"], f["common_b"])
    assert not torch.equal(f["private_a"], f["private_b"])  # the private branches differ


def test_reconstruction_is_decoded_common_plus_decoded_private_eq4():
    m = build("jcae").eval()
    a, b = _pair(h=21, w=27)
    with torch.no_grad():
        out = m(a, b)
        f = m.encode(a, b)
        dec = lambda x: m.decoder(x, (21, 27))  # noqa: E731
        assert out["a_hat"].shape == a.shape and out["b_hat"].shape == b.shape
        torch.testing.assert_close(out["a_hat"], dec(f["common_a"]) + dec(f["private_a"]))
        torch.testing.assert_close(out["b_hat"], dec(f["common_b"]) + dec(f["private_b"]))


def test_a_few_steps_teach_it_to_reconstruct_both_inputs():
    from fusionkit.losses import jcae_training_loss

    torch.manual_seed(0)
    m = build("jcae")
    a, b = _pair(n=4, h=16, w=16)
    a, b = (torch.nn.functional.avg_pool2d(x, 3, 1, 1) for x in (a, b))  # smooth images: learnable fast
    loss = jcae_training_loss(lam=0.0)
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    first = loss(m, {"a": a, "b": b})["total"].item()
    for _ in range(60):
        opt.zero_grad()
        loss(m, {"a": a, "b": b})["total"].backward()
        opt.step()
    assert loss(m, {"a": a, "b": b})["total"].item() < 0.2 * first


def test_fuse_applies_the_private_and_the_common_rule_and_clamps():
    m = build("jcae").eval()
    a, b = _pair()
    with torch.no_grad():
        f = m.encode(a, b)
        p = m.decoder(torch.maximum(f["private_a"], f["private_b"]), (20, 26))
        c = m.decoder((f["common_a"] + f["common_b"]) / 2, (20, 26))
        out = m.fuse(a, b, RULES.get("max"), RULES.get("average"))
    torch.testing.assert_close(out, (p + c).clamp(0, 1))


def test_grey_input_only():
    with pytest.raises(ValueError, match="grey"):
        build("jcae").encode(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match="input_norm"):
        build("jcae", input_norm="caffe")


def test_vgg19_weights_load_into_every_branch_from_a_torchvision_state_dict(tmp_path):
    g = torch.Generator().manual_seed(1)
    sd = {"features.0.weight": torch.randn(64, 3, 3, 3, generator=g), "features.0.bias": torch.randn(64, generator=g),
          "features.2.weight": torch.randn(64, 64, 3, 3, generator=g), "features.2.bias": torch.randn(64, generator=g),
          "features.5.weight": torch.randn(128, 64, 3, 3, generator=g), "features.5.bias": torch.randn(128, generator=g),
          "classifier.0.weight": torch.randn(4, 4, generator=g)}
    torch.save(sd, tmp_path / "vgg19.pth")
    m = load_vgg19(build("jcae"), tmp_path / "vgg19.pth")
    assert m.input_norm == "imagenet"
    for branch in (m.private_ir, m.private_vis, m.common):
        assert torch.equal(branch.block1_conv2.weight, sd["features.2.weight"])
        assert torch.equal(branch.block2_conv1.bias, sd["features.5.bias"])
    # the normalisation is torchvision's: grey 0.485 in channel 0 becomes 0
    x = torch.full((1, 1, 2, 2), 0.485)
    assert float(m._rgb(x)[0, 0].abs().max()) < 1e-6


def test_vgg19_loading_errors_name_the_file_and_the_layer(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_vgg19(build("jcae"), tmp_path / "nope.pth")
    torch.save({"features.0.weight": torch.zeros(64, 3, 3, 3)}, tmp_path / "bad.pth")
    with pytest.raises(CheckpointError, match="block1_conv1"):
        load_vgg19(build("jcae"), tmp_path / "bad.pth")

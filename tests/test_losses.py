"""Loss terms by hand, the DIDFuse composition (eq. (5), ablations, variants), and a real training step."""
import math

import pytest
import torch

from fusionkit.losses import (didfuse_loss, didfuse_training_loss, gradient, gradient_loss,
                              reconstruction_loss, ssim_loss)


def test_ssim_and_reconstruction_by_hand():
    x = torch.rand(2, 1, 24, 24, generator=torch.Generator().manual_seed(0))
    assert float(ssim_loss(x, x)) == pytest.approx(0.0, abs=1e-6)
    # constant images c1, c2 (no variance): SSIM = (2 c1 c2 + C1)/(c1^2 + c2^2 + C1), C1 = 0.01^2
    # float64: in float32 the variance E[x^2] - mu^2 of a constant image is not exactly 0
    a = torch.full((1, 1, 24, 24), 0.6, dtype=torch.float64)
    b = torch.full((1, 1, 24, 24), 0.2, dtype=torch.float64)
    C1 = 0.01 ** 2
    s = (2 * 0.6 * 0.2 + C1) / (0.6 ** 2 + 0.2 ** 2 + C1)
    assert float(ssim_loss(a, b)) == pytest.approx((1 - s) / 2, rel=1e-4)
    # f = MSE + lam * (1 - SSIM)/2 with MSE = 0.16
    assert float(reconstruction_loss(a, b, lam=5.0)) == pytest.approx(0.16 + 5 * (1 - s) / 2, rel=1e-4)


def test_gradient_by_hand():
    ramp = torch.arange(4.0).repeat(4, 1)[None, None]  # x increases by 1 per column
    g = gradient(ramp)
    assert torch.equal(g[0, 0, 0, :, :3], torch.ones(4, 3)) and torch.equal(g[0, 0, 0, :, 3], torch.zeros(4))
    assert torch.equal(g[0, 0, 1], torch.zeros(4, 4))
    # |grad ramp - grad 0| = 1 on 12 of the 32 gradient entries
    assert float(gradient_loss(ramp, torch.zeros_like(ramp))) == pytest.approx(12 / 32)
    assert gradient(ramp, "sobel").shape == (1, 1, 2, 4, 4)
    with pytest.raises(ValueError, match="valid: diff, sobel"):
        gradient(ramp, "prewitt")


def _feats(db, dd):
    z = torch.zeros(1, 2, 4, 4)
    return [z, z, z, z], [z, z, z + db, z + dd]


def test_didfuse_total_by_hand():
    img = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    f_ir, f_vis = _feats(0.5, 2.0)  # base gap 0.25, detail gap 4 (mean squares); reconstructions perfect
    t = didfuse_loss(img, img, img, img, f_ir, f_vis, "paper")
    assert float(t["gap_base"]) == pytest.approx(0.25) and float(t["gap_detail"]) == pytest.approx(4.0)
    assert float(t["total"]) == pytest.approx(math.tanh(0.25) - 0.05 * math.tanh(4.0), abs=1e-6)
    r = didfuse_loss(img, img, img, img, f_ir, f_vis, "released")  # l1 gaps 0.5 and 2, a1 = 0.5
    assert float(r["total"]) == pytest.approx(math.tanh(0.5) - 0.5 * math.tanh(2.0), abs=1e-6)
    assert float(didfuse_loss(img, img, img, img, f_ir, f_vis, "paper", "no_base")["total"]) == \
        pytest.approx(-0.05 * math.tanh(4.0), abs=1e-6)
    assert float(didfuse_loss(img, img, img, img, f_ir, f_vis, "paper", "no_detail")["total"]) == \
        pytest.approx(math.tanh(0.25), abs=1e-6)
    assert float(didfuse_loss(img, img, img, img, f_ir, f_vis, "paper", "no_decomposition")["total"]) == \
        pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="valid: paper, released"):
        didfuse_loss(img, img, img, img, f_ir, f_vis, "v3")


def test_didfuse_trains_on_real_data(tmp_path, real_data):
    """Two steps of the shared trainer on FLIR-Train 128x128 centre crops (the paper's input)."""
    from fusionkit.data import CenterCrop, FusionDataset
    from fusionkit.nets import DIDFuse
    from fusionkit.train import TrainConfig, Trainer

    class Pairs(torch.utils.data.Dataset):
        def __init__(self):
            self.ds = FusionDataset("didfuse-flir-train", split="train", transform=CenterCrop(128),
                                    manifest=real_data, limit=8)

        def __len__(self):
            return len(self.ds)

        def __getitem__(self, i):
            it = self.ds[i]
            return {"a": it["a"], "b": it["b"]}

    t = Trainer(DIDFuse(), didfuse_training_loss("paper"), Pairs(),
                TrainConfig(epochs=1, batch_size=2, max_steps_per_epoch=2, out_dir=str(tmp_path), progress=False))
    hist = t.fit()
    assert hist[0]["steps"] == 2 and all(math.isfinite(v) for v in hist[0].values())
    assert set(hist[0]) >= {"total", "gap_base", "gap_detail", "recon_ir", "recon_vis", "grad_vis"}


def test_didfuse_without_skip_connections():
    """Table IV's 'no skip connections' ablation: conv6/conv7 take 64 channels and the model still trains."""
    from fusionkit.nets import DIDFuse

    m = DIDFuse(skip_connections=False)
    assert m.decoder.cov6.cov6[0].in_channels == 64 and m.decoder.cov7.cov7[1].in_channels == 64
    assert DIDFuse().decoder.cov6.cov6[0].in_channels == 128
    x = torch.rand(2, 1, 32, 32)
    out, feats = m(x, return_features=True)
    assert out.shape == x.shape and len(feats) == 4
    t = didfuse_training_loss("paper")(m, {"a": x, "b": torch.rand(2, 1, 32, 32)})
    t["total"].backward()
    assert m.decoder.cov7.cov7[1].weight.grad is not None


def test_jcae_loss_is_mse_plus_lambda_one_minus_ssim():
    import kornia

    from fusionkit.losses import jcae_loss

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(2, 1, 24, 24, generator=g), torch.rand(2, 1, 24, 24, generator=g)
    out = jcae_loss(x, y, lam=100.0)
    mse = ((x - y) ** 2).mean()
    ssim = kornia.metrics.ssim(y, x, 11, max_val=1.0).mean()
    torch.testing.assert_close(out["mse"], mse)
    torch.testing.assert_close(out["total"], mse + 100 * (1 - ssim))
    same = jcae_loss(x, x)
    assert float(same["total"]) == pytest.approx(0.0, abs=1e-5)


def test_aenet_loss_terms_by_hand():
    """AE-Netv2 (Algorithm 1, our reading): L = |P - O|_1 + (1 - SSIM(P, O)) + f ((1 - SSIM(P, x)) + (1 - SSIM(P, y))) / 2."""
    from fusionkit.losses import aenet_loss, ssim_value

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(2, 1, 24, 24, generator=g), torch.rand(2, 1, 24, 24, generator=g)
    o = (x + y) / 2
    at_target = aenet_loss(o, o, x, y, fidelity=0.1)
    assert float(at_target["l1_target"]) == 0 and abs(float(at_target["ssim_target"])) < 1e-6
    src = ((1 - ssim_value(o, x)) + (1 - ssim_value(o, y))) / 2
    assert torch.allclose(at_target["total"], 0.1 * src, atol=1e-6)
    p = o + 0.1
    off = aenet_loss(p, o, x, y, fidelity=0.0)
    assert torch.allclose(off["l1_target"], torch.tensor(0.1), atol=1e-6)
    assert torch.allclose(off["total"], off["l1_target"] + off["ssim_target"])


def test_aenet_training_loss_trains_the_network_towards_the_target():
    from fusionkit.losses import aenet_training_loss
    from fusionkit.nets import build

    torch.manual_seed(0)
    net = build("aenetv2-gcb")
    g = torch.Generator().manual_seed(1)
    batch = {"a": torch.rand(4, 1, 32, 32, generator=g), "b": torch.rand(4, 1, 32, 32, generator=g)}
    batch["target"] = torch.maximum(batch["a"], batch["b"])
    loss_fn = aenet_training_loss()
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    first = float(loss_fn(net, batch)["total"].detach())
    for _ in range(30):
        opt.zero_grad()
        loss_fn(net, batch)["total"].backward()
        opt.step()
    assert float(loss_fn(net, batch)["total"].detach()) < 0.7 * first


# ----------------------------------------------------------------------------- FMMF Var-SSIM
def _halves(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    return torch.cat([left, right], -1)


def _sources():
    """X textured (mean 0.5) on the left and flat bright (0.9) on the right; Y the other way round."""
    g = torch.Generator().manual_seed(0)
    tex = lambda: 0.5 + 0.3 * (torch.rand(1, 1, 48, 24, generator=g) - 0.5)  # noqa: E731
    flat = torch.full((1, 1, 48, 24), 0.9)
    x, y = _halves(tex(), flat), _halves(flat, tex())
    return x, y


def test_window_stat_is_the_patch_variance_and_mean_of_eq3():
    import numpy as np

    from fusionkit.losses import window_stat
    img = torch.arange(30, dtype=torch.float64).reshape(1, 1, 5, 6) ** 1.5 / 100
    a = img[0, 0].numpy()
    var, mean = window_stat(img, 3, "var")[0, 0].numpy(), window_stat(img, 3, "mean")[0, 0].numpy()
    assert var.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            patch = a[i:i + 3, j:j + 3]
            assert var[i, j] == pytest.approx(np.var(patch), rel=1e-9)  # divided by MN, as eq. (3)
            assert mean[i, j] == pytest.approx(patch.mean(), rel=1e-12)


def test_var_ssim_picks_the_textured_source_and_mean_the_bright_one():
    from fusionkit.losses import var_ssim_loss, var_ssim_map
    x, y = _sources()
    textured = _halves(x[..., :24], y[..., 24:])  # the detail of both: what the var criterion asks for
    bright = _halves(y[..., :24], x[..., 24:])    # the bright flat halves: what the mean criterion asks for
    interior = (slice(None), slice(None), slice(None), list(range(0, 8)) + list(range(30, 38)))  # windows off the seam
    assert float(var_ssim_map(x, y, textured)[interior].mean()) == pytest.approx(1.0, abs=1e-4)
    assert float(var_ssim_map(x, y, bright, criterion="mean")[interior].mean()) == pytest.approx(1.0, abs=1e-4)
    # and each criterion penalises the other's target
    assert float(var_ssim_loss(x, y, bright)) > 0.3
    assert float(var_ssim_loss(x, y, textured, criterion="mean")) > 0.3
    assert float(var_ssim_loss(x, y, textured)) < 0.1


def test_var_ssim_ties_go_to_y_as_eq4_reads():
    from fusionkit.losses import var_ssim_loss
    x = torch.full((1, 1, 16, 16), 0.5, dtype=torch.float64)
    y = torch.full((1, 1, 16, 16), 0.25, dtype=torch.float64)  # both variances are exactly 0: a tie
    assert float(var_ssim_loss(x, y, y)) == pytest.approx(0.0, abs=1e-7)
    assert float(var_ssim_loss(x, y, x)) > 0.1
    # the mean criterion has no tie here: X's mean is larger, so X is the reference
    assert float(var_ssim_loss(x, y, x, criterion="mean")) == pytest.approx(0.0, abs=1e-7)


def test_var_ssim_by_hand_on_constant_patches():
    """Constants a (X) and b (F): SSIM = (2ab + C1) / (a^2 + b^2 + C1) on every window; X is picked by the
    mean criterion (a > Y's c)."""
    from fusionkit.losses import var_ssim_loss
    a, b, c = 0.75, 0.5, 0.25
    x, f, y = (torch.full((1, 1, 13, 13), v, dtype=torch.float64) for v in (a, b, c))
    C1 = 0.01 ** 2
    want = 1 - (2 * a * b + C1) / (a * a + b * b + C1)
    assert float(var_ssim_loss(x, y, f, criterion="mean")) == pytest.approx(want, rel=1e-6)


def test_fmmf_training_loss_trains_and_rejects_a_bad_criterion():
    from fusionkit.losses import fmmf_training_loss
    from fusionkit.nets import build
    with pytest.raises(ValueError, match="criterion='max'"):
        fmmf_training_loss("max")
    torch.manual_seed(0)
    model = build("fmmf", fusion="add")
    x, y = _sources()
    batch = {"a": x[..., :32, :32].contiguous(), "b": y[..., :32, :32].contiguous()}
    loss_fn = fmmf_training_loss()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    first = loss_fn(model, batch)["total"].item()
    for _ in range(30):
        opt.zero_grad()
        loss_fn(model, batch)["total"].backward()
        opt.step()
    assert loss_fn(model, batch)["total"].item() < 0.8 * first


# ----------------------------------------------------------------------------- ALAN
def test_psnr_loss_by_hand():
    from fusionkit.losses import psnr_loss

    x = torch.zeros(2, 1, 4, 4)
    y = torch.full((2, 1, 4, 4), 0.1)  # MSE 0.01 -> PSNR 20 dB -> 1 - 20/50
    assert float(psnr_loss(x, y)) == pytest.approx(0.6, abs=1e-6)
    assert float(psnr_loss(x, y, scale=20.0)) == pytest.approx(0.0, abs=1e-6)


def test_alan_loss_terms_against_one_and_two_references():
    from fusionkit.losses import alan_loss, psnr_loss, ssim_value

    g = torch.Generator().manual_seed(0)
    a, b, f = (torch.rand(2, 1, 24, 24, generator=g) for _ in range(3))
    one = alan_loss(f, (a,))
    assert float(one["mse"]) == pytest.approx(float(((f - a) ** 2).mean()), rel=1e-6)
    assert float(one["ssim"]) == pytest.approx(float(1 - ssim_value(f, a)), rel=1e-6)
    assert float(one["content"]) == 0.0
    two = alan_loss(f, (a, b))
    # joint (default): the PSNR of the mean MSE over the sources, per image, by hand
    mse = (((f - a) ** 2).flatten(1).mean(1) + ((f - b) ** 2).flatten(1).mean(1)) / 2
    assert float(two["psnr"]) == pytest.approx(float((1 - 10 * torch.log10(1 / mse) / 50).mean()), rel=1e-6)
    mean = alan_loss(f, (a, b), psnr="mean")
    assert float(mean["psnr"]) == pytest.approx(float((psnr_loss(f, a) + psnr_loss(f, b)) / 2), rel=1e-6)
    with pytest.raises(ValueError, match="psnr='max'"):
        alan_loss(f, (a, b), psnr="max")
    assert float(two["total"]) == pytest.approx(float(two["ssim"] + two["psnr"] + two["mse"]), rel=1e-6)
    # the content term: feature maps of a fixed extractor, gradients reach f only
    conv = torch.nn.Conv2d(1, 3, 3, padding=1)
    fx = f.clone().requires_grad_(True)
    out = alan_loss(fx, (a,), features=lambda x: [conv(x), torch.relu(conv(x))], weights={"content": 2.0})
    expect = torch.nn.functional.mse_loss(conv(f), conv(a)) + torch.nn.functional.mse_loss(
        torch.relu(conv(f)), torch.relu(conv(a)))
    assert float(out["content"].detach()) == pytest.approx(float(expect.detach()), rel=1e-5)
    out["total"].backward()
    assert fx.grad is not None and fx.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="unknown terms \\['tv'\\]"):
        alan_loss(f, (a,), weights={"tv": 1.0})


def test_joint_psnr_prefers_a_blend_to_copying_one_source_and_the_mean_reading_does_not():
    """Why 'joint' is the default: with the mean of per-source PSNRs, copying source a exactly scores about
    -1 against a (100 dB with eps) and wins over any blend; the joint PSNR is monotone in the mean MSE,
    which the average of the two sources minimises."""
    from fusionkit.losses import psnr_loss

    g = torch.Generator().manual_seed(3)
    a, b = torch.rand(1, 1, 16, 16, generator=g), torch.rand(1, 1, 16, 16, generator=g)
    blend = (a + b) / 2
    assert float(psnr_loss(blend, (a, b))) < float(psnr_loss(a, (a, b)))
    per_source = lambda f: float((psnr_loss(f, a) + psnr_loss(f, b)) / 2)  # noqa: E731
    assert per_source(a) < per_source(blend)


def test_alan_loss_is_zero_at_the_target_and_prefers_it():
    from fusionkit.losses import alan_loss

    t = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    at = alan_loss(t, (t,), psnr_scale=1e12)  # PSNR capped by eps: scale large -> term ~1
    noisy = (t + 0.1 * torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    assert float(at["mse"]) == 0.0 and float(at["ssim"]) == pytest.approx(0.0, abs=1e-4)
    assert float(alan_loss(noisy, (t,))["total"]) > float(alan_loss(t, (t,))["total"])

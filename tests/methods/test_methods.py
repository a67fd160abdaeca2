"""Fusion methods: registry, hand-checkable properties, released checkpoints, CLI."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from fusionkit import methods
from fusionkit.metrics import evaluate

CLASSICAL = ["avg", "max", "lp", "rp", "dwt", "dtcwt", "msvd", "gff", "cbf", "mgff", "adf", "tif", "fpde",
             "gtf", "hybrid_msd", "vsmwls"]
NETS = ["ifcnn-max", "ifcnn-mean", "ifcnn-sum", "didfuse-ijcai"]


@pytest.fixture(scope="module")
def pair(real_data):
    """A 96x120 crop of TNO pair 1 (IR, VIS) in [0, 1]."""
    from fusionkit.data import FusionDataset

    it = FusionDataset("didfuse-tno", manifest=real_data, limit=1)[0]
    sl = (slice(200, 296), slice(300, 420))
    return it["a"][0].numpy()[sl].astype(np.float64), it["b"][0].numpy()[sl].astype(np.float64)


def test_registry_lists_every_method_and_rejects_unknown_names():
    assert set(CLASSICAL + NETS) <= set(methods.names())
    with pytest.raises(ValueError, match="unknown fusion method 'nsct'; valid: avg, max"):
        methods.get("nsct")
    with pytest.raises(ValueError, match=r"tif: unknown option\(s\) \['size'\]; valid: mean_size, median_size"):
        methods.get("tif", size=3)


@pytest.mark.parametrize("name", CLASSICAL)
def test_fusing_an_image_with_itself_returns_it(name, pair):
    a = pair[0]
    f = methods.get(name).fuse(a, a)
    # every classical rule here reduces to the identity when both sources are equal (GFF's weights are
    # quantised to 8 bits, DTCWT's filters are single precision, FPDE's base is rounded to 8 bits
    # but its detail restores the difference)
    tol = {"gff": 2e-3, "dtcwt": 1e-5}.get(name, 1e-6)
    assert np.abs(f - a).max() < tol, name


@pytest.mark.parametrize("name", CLASSICAL + NETS)
def test_output_shape_range_and_determinism(name, pair):
    m = methods.get(name)
    f1, f2 = m.fuse(*pair), m.fuse(*pair)
    assert f1.shape == pair[0].shape and f1.min() >= 0 and f1.max() <= 1
    assert np.array_equal(f1, f2)
    # the fused image carries information from both sources
    v = evaluate(f1 * 255, pair[0] * 255, pair[1] * 255, ["MI"])["MI"]
    assert v > 0.5


@pytest.mark.parametrize("name", ["avg", "lp", "ifcnn-max", "didfuse-ijcai"])
def test_fuse_batch_matches_fuse(name, pair):
    m = methods.get(name)
    a = torch.from_numpy(np.stack([pair[0], pair[1]])).float().unsqueeze(1)
    b = torch.from_numpy(np.stack([pair[1], pair[0]])).float().unsqueeze(1)
    out = m.fuse_batch(a, b)
    assert out.shape == (2, 1, *pair[0].shape)
    for i in range(2):
        single = m.fuse(a[i, 0].double().numpy(), b[i, 0].double().numpy())
        assert np.abs(out[i, 0].double().numpy() - single).max() < 1e-5


def test_didfuse_reconstructs_with_the_average_rule(pair):
    """The released auto-encoder reconstructs its input: fusing x with itself (average) ~ x."""
    a = pair[1]
    f = methods.get("didfuse-ijcai", rule="average").fuse(a, a)
    psnr = 10 * np.log10(1 / np.mean((f - a) ** 2))
    assert psnr > 25


def test_ifcnn_sharpens_lytro_and_schemes_differ(real_data):
    """IFCNN-MAX on whole Lytro colour pairs (its multi-focus setting) is sharper than either source."""
    from fusionkit.data import FusionDataset
    from fusionkit.data.color import rgb2gray

    ds = FusionDataset("ifcnn-lytro", manifest=real_data, mode="rgb", limit=2)
    m = methods.get("ifcnn-max")
    for i in range(len(ds)):
        it = ds[i]
        a, b = (np.moveaxis(it[k].numpy(), 0, -1).astype(np.float64) for k in ("a", "b"))
        f = m.fuse_color(a, b)
        ga, gb, gf = (rgb2gray(x) * 255 for x in (a, b, f))
        sa, sb, sf = (evaluate(x, ga, gb, ["SF", "AG"]) for x in (ga, gb, gf))
        assert sf["SF"] > max(sa["SF"], sb["SF"]) and sf["AG"] > max(sa["AG"], sb["AG"]), (i, sa, sb, sf)
    it = FusionDataset("ifcnn-lytro", manifest=real_data, limit=1)[0]
    a, b = (it[k][0].numpy()[150:300, 150:300].astype(np.float64) for k in ("a", "b"))
    mx, mn, sm = (methods.get(n).fuse(a, b) for n in ("ifcnn-max", "ifcnn-mean", "ifcnn-sum"))
    assert np.abs(mx - mn).mean() > 1e-3 and np.abs(mn - sm).mean() > 1e-4


def test_bad_input_errors(pair):
    m = methods.get("avg")
    a = pair[0]
    with pytest.raises(ValueError, match=r"a and b differ in size: \(96, 120\) vs \(96, 119\)"):
        m.fuse(a, a[:, :119])
    bad = a.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="b: contains NaN"):
        m.fuse(a, bad)
    with pytest.raises(ValueError, match="a: expected a 2-D grey image"):
        m.fuse(np.zeros((4, 4, 3)), np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"values must lie in \[0, 1\]"):
        m.fuse(a * 255, a)


def test_missing_checkpoint_names_the_manifest_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONKIT_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"fusionkit data fetch ifcnn-max"):
        methods.get("ifcnn-max")


def test_checkpoint_with_wrong_keys_lists_them(tmp_path):
    from fusionkit.methods.released import CheckpointError, load_into
    from fusionkit.nets import IFCNN

    sd = IFCNN().state_dict()
    sd["conv9.weight"] = torch.zeros(1)
    del sd["conv4.bias"]
    sd["conv4.weight"] = torch.zeros(3, 64, 3, 3)
    p = tmp_path / "bad.pth"
    torch.save(sd, p)
    with pytest.raises(CheckpointError) as ei:
        load_into(IFCNN(), p)
    msg = str(ei.value)
    assert "conv4.bias" in msg and "conv9.weight" in msg and "conv4.weight: checkpoint (3, 64, 3, 3)" in msg


def test_fuse_rgb_keeps_colour_and_fused_luminance(pair):
    from fusionkit.data import rgb_to_ycbcr

    a = pair[0]
    colour = np.stack([pair[1], pair[1] * 0.8, pair[1] * 0.6], -1)
    out = methods.fuse_rgb(methods.get("avg"), a, colour)
    assert out.shape == colour.shape
    y_vis = rgb_to_ycbcr(torch.from_numpy(np.moveaxis(colour, -1, 0)))[0].numpy()
    y_out = rgb_to_ycbcr(torch.from_numpy(np.moveaxis(out, -1, 0)))[0].numpy()
    assert np.abs(y_out - (a + y_vis) / 2).max() < 0.02  # clamping may shave a little


def test_cli_fuse_dataset(tmp_path, real_data):
    r = subprocess.run([sys.executable, "-m", "fusionkit.cli", "fuse", "--method", "avg", "--dataset",
                        "ifcnn-medical", "--out", str(tmp_path), "--no-progress"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    names = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert names == sorted(p.name for p in real_data["ifcnn-medical"].pairs)
    assert "ms per pair" in r.stdout


@pytest.mark.parametrize("name", ["lp", "rp"])
@pytest.mark.parametrize("shape", [(61, 285), (97, 143), (64, 64)])
def test_pyramids_handle_odd_sizes(name, shape):
    """pyrdown floors odd sizes; EXPAND must still return the finer level's size (found on NIR-Country)."""
    rng = np.random.default_rng(0)
    a = rng.random(shape)
    f = methods.get(name).fuse(a, a)
    assert f.shape == shape
    assert np.abs(f - a).max() < 1e-6  # fusing an image with itself gives the image back

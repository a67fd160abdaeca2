"""Bad input found by trying fusionkit as a new user would: each gives a clear error naming the
argument/file, or a sensible default."""
import numpy as np
import pytest
import torch

from fusionkit import methods
from fusionkit.checkpoints import CheckpointError, load_weights
from fusionkit.metrics import evaluate


def test_metrics_refuse_unit_range_images_or_take_data_range():
    rng = np.random.default_rng(0)
    a, b = rng.random((32, 32)), rng.random((32, 32))
    f = (a + b) / 2
    with pytest.raises(ValueError, match=r"fused, a, b: all values lie in \[0, 1\].*data_range=1.0"):
        evaluate(f, a, b, ["EN"])
    unit = evaluate(f, a, b, ["EN", "SD"], data_range=1.0)
    levels = evaluate(f * 255, a * 255, b * 255, ["EN", "SD"])
    assert unit == pytest.approx(levels) and levels["EN"] > 4  # not the bogus EN = 1 of [0, 1] levels
    dark = np.full((32, 32), 3.0)  # a dark 8-bit image (max 3) is legitimate
    assert evaluate(dark, dark, dark, ["SD"])["SD"] == 0.0
    with pytest.raises(ValueError, match="data_range must be a positive number"):
        evaluate(f, a, b, ["EN"], data_range=0)


def test_method_options_are_type_checked_naming_option_type_and_default():
    with pytest.raises(ValueError, match=r"gff: option r1='abc' must be an int \(default 45\)"):
        methods.get("gff", r1="abc")
    with pytest.raises(ValueError, match=r"gff: option eps1=True must be a float \(default 0.3\)"):
        methods.get("gff", eps1=True)
    m = methods.get("gff", r1=7, eps1=1, eps2="1e-6")  # an int for a float, YAML's string "1e-6"
    assert m.options["eps1"] == 1.0 and isinstance(m.options["eps1"], float) and m.options["eps2"] == 1e-6


def test_cli_fuse_reports_a_bad_option_without_traceback(tmp_path, capsys):
    from fusionkit.cli import main

    rc = main(["fuse", "--method", "gff", "--opt", "r1=abc", "--a", str(tmp_path), "--b", str(tmp_path),
               "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and "r1='abc' must be an int (default 45)" in err and "Traceback" not in err


def test_truncated_or_foreign_checkpoints_name_the_file(tmp_path):
    good = tmp_path / "weights.pt"
    torch.save({"w": torch.arange(1000.0)}, good)
    assert torch.equal(load_weights(good)["w"], torch.arange(1000.0))
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"cut\.pt \(\d+ bytes\).*truncated"):
        load_weights(cut)
    text = tmp_path / "page.pth"
    text.write_text("<html>404 Not Found</html>")
    with pytest.raises(CheckpointError, match=r"page\.pth .*not a file written by torch.save"):
        load_weights(text)
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_weights(tmp_path / "missing.pt")


def test_released_method_names_a_corrupt_checkpoint(tmp_path, real_data):
    (tmp_path / "IFCNN-MAX.pth").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CheckpointError, match="IFCNN-MAX.pth"):
        methods.get("ifcnn-max", checkpoint=str(tmp_path))


def test_dataset_default_split(real_data):
    from fusionkit.data import FusionDataset

    flir = FusionDataset("didfuse-flir-train")  # only a train split: that one
    assert flir.split == "train" and len(flir) == 180
    road = FusionDataset("roadscene")  # train/val/test: the test split
    assert road.split == "test" and len(road) == 50
    assert FusionDataset("didfuse-tno").split == "test" and len(FusionDataset("didfuse-tno")) == 40
    assert len(FusionDataset("roadscene", split=None)) == 221  # explicit None: every item

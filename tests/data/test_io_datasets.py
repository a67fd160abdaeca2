"""Image reading, paired datasets and transforms, on real data and on bad input."""
import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from fusionkit.data import (CenterCrop, FusionDataset, ImageReadError, Manifest, PairSizeError, RandomCrop,
                            Resize, deterministic_order, make_loader, read_image, save_image)
from fusionkit.files import sha256_file


def test_read_image_modes(tmp_path):
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[..., 0] = 255  # red -> MATLAB grey 76
    Image.fromarray(rgb).save(tmp_path / "c.png")
    g = read_image(tmp_path / "c.png", "gray")
    assert g.shape == (2, 3) and g.dtype == np.float32
    assert np.allclose(g, 76 / 255)
    assert read_image(tmp_path / "c.png", "native").shape == (2, 3, 3)
    Image.fromarray(np.full((2, 2), 128, np.uint8)).save(tmp_path / "g.png")
    assert read_image(tmp_path / "g.png", "rgb").shape == (2, 2, 3)
    Image.fromarray(np.full((2, 2), 65535, np.uint16)).save(tmp_path / "w.png")
    assert np.allclose(read_image(tmp_path / "w.png", "gray"), 1.0)


def test_read_image_errors_name_the_file(tmp_path):
    with pytest.raises(ImageReadError, match="nothere.png: file not found"):
        read_image(tmp_path / "nothere.png")
    bad = tmp_path / "corrupt.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    with pytest.raises(ImageReadError, match="corrupt.jpg: unreadable or corrupt"):
        read_image(bad)
    with pytest.raises(ValueError, match="unknown mode"):
        read_image(bad, "cmyk")


def test_save_image_roundtrip_and_rejects_nan(tmp_path):
    img = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    save_image(tmp_path / "x.png", img)
    back = read_image(tmp_path / "x.png", "gray")
    assert np.abs(back - img).max() <= 0.5 / 255 + 1e-7
    with pytest.raises(ValueError, match="non-finite"):
        save_image(tmp_path / "y.png", np.full((2, 2), np.nan))
    assert not (tmp_path / "y.png").exists()


def test_real_pair_loads_in_unit_range(real_data):
    ds = FusionDataset("didfuse-tno", split="test", mode="gray", manifest=real_data)
    assert len(ds) == 40 and "7" in ds.names
    item = ds[ds.names.index("7")]
    assert item["name"] == "7"
    assert item["a"].shape == item["b"].shape and item["a"].shape[0] == 1
    assert item["paths"][0].endswith("IR7.bmp") and item["paths"][1].endswith("VIS7.bmp")
    assert 0.0 <= float(item["a"].min()) and float(item["a"].max()) <= 1.0
    assert item["a"].dtype == torch.float32
    assert item["size"] == tuple(item["a"].shape[-2:])
    # IR and VIS differ (they are different modalities)
    assert float((item["a"] - item["b"]).abs().mean()) > 0.01


def test_grey_loading_equals_matlab_rgb2gray_on_a_colour_file(real_data):
    ds = FusionDataset("vifb", mode="gray", manifest=real_data, limit=1)
    path = ds.paths(0)[1]
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.float64)
    w = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    expected = np.floor(rgb @ w + 0.5) / 255
    assert np.allclose(ds[0]["b"][0].numpy(), expected, atol=1e-6)


def test_roadscene_visible_is_resized_to_infrared(real_data):
    ds = FusionDataset("roadscene", split="val", mode="native", manifest=real_data, limit=1)
    item = ds[0]
    ir = Image.open(item["paths"][0])
    assert item["a"].shape[-2:] == (ir.size[1], ir.size[0])
    assert item["b"].shape == (3, ir.size[1], ir.size[0])  # colour visible, promoted ir
    assert len(FusionDataset("roadscene", split="train", manifest=real_data)) == 137


def test_sequences_of_multi_exposure(real_data):
    ds = FusionDataset("ifcnn-me", None, kind="sequences", mode="gray", manifest=real_data)
    assert len(ds) == 6
    door = ds[ds.names.index("door")]
    assert door["sources"].shape[0] == 5 and door["sources"].dim() == 4
    with pytest.raises(ValueError, match="has no pairs"):
        FusionDataset("ifcnn-me", manifest=real_data)


def test_sequences_are_served_by_split(real_data):
    """ifcnn-me's train/test splits name sequences; the items load as whole exposure stacks."""
    train = FusionDataset("ifcnn-me", "train", kind="sequences", mode="gray", manifest=real_data)
    test = FusionDataset("ifcnn-me", kind="sequences", mode="gray", manifest=real_data)  # default: test
    assert train.names == ["chair", "door", "garage", "house"] and test.names == ["igloo", "window"]
    assert test.split == "test"
    item = train[train.names.index("door")]
    assert item["name"] == "door" and item["sources"].shape[0] == 5
    # a split naming pairs and sequences: each kind gets its own (Lytro's test holds the triple series)
    assert len(FusionDataset("ifcnn-lytro", "test", manifest=real_data)) == 6
    triples = FusionDataset("ifcnn-lytro", "test", kind="sequences", manifest=real_data)
    assert triples.names == [f"triple-lytro-{i:02d}" for i in range(1, 5)]
    assert triples[0]["sources"].shape[0] == 3


def _tiny_manifest(tmp_path, size_b=(4, 4)):
    root = tmp_path / "data" / "tiny"
    root.mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "IR1.png")
    Image.fromarray(np.zeros(size_b, np.uint8)).save(root / "VIS1.png")
    doc = {"datasets": [{
        "name": "tiny", "kind": "dataset", "available": True, "task": "ir-vis", "root": "tiny",
        "files": [{"path": f"tiny/{n}", "sha256": sha256_file(root / n)} for n in ("IR1.png", "VIS1.png")],
        "pairs": [{"name": "1", "a": "IR1.png", "b": "VIS1.png"}], "splits": {"test": "all"}}]}
    return Manifest(yaml.safe_load(yaml.safe_dump(doc))), root


def test_pair_size_mismatch_names_both_files(tmp_path, monkeypatch):
    man, root = _tiny_manifest(tmp_path, size_b=(4, 5))
    monkeypatch.setenv("FUSIONKIT_DATA_DIR", str(tmp_path / "data"))
    ds = FusionDataset("tiny", manifest=man)
    with pytest.raises(PairSizeError) as ei:
        ds[0]
    msg = str(ei.value)
    assert "IR1.png" in msg and "VIS1.png" in msg and "4x4" in msg and "4x5" in msg


def test_missing_file_error_names_file_and_fix(tmp_path, monkeypatch):
    man, root = _tiny_manifest(tmp_path)
    (root / "VIS1.png").unlink()
    monkeypatch.setenv("FUSIONKIT_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ImageReadError, match=r"VIS1.png: file not found.*fusionkit data fetch tiny"):
        FusionDataset("tiny", manifest=man)[0]


def test_joint_crops_are_deterministic_and_shared():
    x = torch.arange(100.0).view(1, 10, 10)
    srcs = [x, x + 1000]
    c = CenterCrop(4)(srcs)
    assert c[0].shape == (1, 4, 4) and c[0][0, 0, 0] == 33  # rows/cols 3..6
    r1 = RandomCrop(4, seed=5)(srcs)
    r2 = RandomCrop(4, seed=5)(srcs)
    assert torch.equal(r1[0], r2[0]) and torch.equal(r1[1] - 1000, r1[0])
    assert Resize((5, 5))([x / 100])[0].shape == (1, 5, 5)
    with pytest.raises(ValueError, match="larger than image"):
        CenterCrop(11)(srcs)


def test_deterministic_order_and_loader():
    assert deterministic_order(10, 3) == deterministic_order(10, 3)
    assert sorted(deterministic_order(10, 3)) == list(range(10))
    assert deterministic_order(10, 3) != deterministic_order(10, 4)
    data = list(range(20))
    a = [int(v) for b in make_loader(data, batch_size=4, shuffle=True, seed=7) for v in b]
    b = [int(v) for b in make_loader(data, batch_size=4, shuffle=True, seed=7) for v in b]
    assert a == b and a != data


def test_unavailable_dataset_names_substitute(manifest):
    with pytest.raises(ValueError, match="Substitute"):
        FusionDataset("kaist", manifest=manifest)

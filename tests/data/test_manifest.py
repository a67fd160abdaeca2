"""The manifest holds every entry the issue names, with consistent files, pairs and splits."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fusionkit.data import FusionDataset

ROOT = Path(__file__).resolve().parents[2]

REQUIRED = ["didfuse-flir-train", "didfuse-tno", "didfuse-flir-test", "didfuse-nir-country", "ifcnn-lytro",
            "ifcnn-ivf", "ifcnn-medical", "ifcnn-me", "roadscene", "vifb", "cddfuse-tno",
            "cddfuse-roadscene", "cddfuse-mri-ct", "cddfuse-mri-pet", "cddfuse-mri-spect"]
CHECKPOINTS = ["didfuse-ijcai", "ifcnn-max", "ifcnn-mean", "ifcnn-sum"]
UNAVAILABLE = ["cvs", "kaist", "nir-other-scenes", "coco-2014", "ifcnn-training-set", "rgbt-234", "sice"]
COUNTS = {"didfuse-flir-train": 180, "didfuse-tno": 40, "didfuse-flir-test": 40, "didfuse-nir-country": 52,
          "ifcnn-lytro": 20, "ifcnn-ivf": 14, "ifcnn-medical": 8, "roadscene": 221, "vifb": 21,
          "cddfuse-tno": 25, "cddfuse-roadscene": 50, "cddfuse-mri-ct": 21, "cddfuse-mri-pet": 42,
          "cddfuse-mri-spect": 73}  # pair counts from ../shared/README.md


def test_required_entries(manifest):
    for n in REQUIRED:
        assert manifest[n].kind == "dataset" and manifest[n].available
        assert manifest[n].task in ("ir-vis", "multi-focus", "medical", "multi-exposure")
    for n in CHECKPOINTS:
        assert manifest[n].kind == "checkpoint" and manifest[n].files
    assert len(manifest["ifcnn-me"].sequences) == 6


@pytest.mark.parametrize("name,n", sorted(COUNTS.items()))
def test_pair_counts_match_upstream_readme(manifest, name, n):
    assert len(manifest[name].pairs) == n


def test_unavailable_entries_say_why_and_what_stands_in(manifest):
    for n in UNAVAILABLE:
        e = manifest[n]
        assert not e.available
        assert e.raw["reason"] and e.substitute and e.used_by


def test_every_file_has_sha256_and_pairs_point_to_listed_files(manifest):
    for e in manifest:
        if not e.available:
            continue
        listed = {f.path for f in e.files}
        assert all(re.fullmatch(r"[0-9a-f]{64}", f.sha256) for f in e.files)
        for p in e.pairs + e.sequences:
            for s in p.sources:
                assert f"{e.root}/{s}" in listed, (e.name, s)


def test_irvis_pairs_have_infrared_as_a(manifest):
    for e in manifest.datasets(available=True):
        if e.task != "ir-vis":
            continue
        for p in e.pairs:
            a, b = p.sources
            assert re.search(r"(^|/)(IR|ir|cropinfrared)", a) or "_IR." in a, (e.name, a)
            assert re.search(r"(^|/)(VIS|VI|vi|crop_HR_visible)", b) or "_Vis." in b, (e.name, b)


def test_pair_names_are_the_shared_stem(manifest):
    p = {x.name: x for x in manifest["didfuse-tno"].pairs}["7"]
    assert p.sources == ("IR7.bmp", "VIS7.bmp")
    q = {x.name: x for x in manifest["ifcnn-lytro"].pairs}["lytro-05"]
    assert q.sources == ("lytro-05-A.jpg", "lytro-05-B.jpg")
    r = {x.name: x for x in manifest["ifcnn-ivf"].pairs}["Kayak"]
    assert r.sources == ("Kayak_IR.png", "Kayak_Vis.png")


def test_roadscene_train_val_never_overlap_any_test_set(manifest):
    rs = manifest["roadscene"]
    train, val, test = (set(rs.split_names(s)) for s in ("train", "val", "test"))
    cdd = {p.name for p in manifest["cddfuse-roadscene"].pairs}
    assert train and val and not (train & val)
    assert not ((train | val) & cdd) and test == cdd
    assert train | val | test == {p.name for p in rs.pairs}


def test_upstream_url_is_raw_file_at_pinned_commit(manifest):
    e = manifest["didfuse-tno"]
    assert e.url("didfuse/Datasets/Test_data_TNO/IR7.bmp") == (
        "https://raw.githubusercontent.com/Zhaozixiang1228/IVIF-DIDFuse/"
        "5f287300dce7cbc90b9e08e6872455af6baa279f/Datasets/Test_data_TNO/IR7.bmp")
    lytro = manifest["ifcnn-lytro"]
    assert lytro.url("ifcnn/datasets/CMFDataset/Triple Series/lytro-01-A.jpg") == (
        "https://raw.githubusercontent.com/uzeful/IFCNN/8fe59c2b1553e52acc793986208ca479d134a8da/"
        "Code/datasets/CMFDataset/Triple%20Series/lytro-01-A.jpg")
    ck = manifest["ifcnn-max"]
    assert ck.url(ck.files[0].path).endswith("/Code/snapshots/IFCNN-MAX.pth")
    assert e.url("a b.png", base_url="http://127.0.0.1:9/") == "http://127.0.0.1:9/a%20b.png"


def test_unknown_entry_lists_valid_names(manifest):
    with pytest.raises(KeyError, match="didfuse-tno"):
        manifest["no-such-set"]


def test_unknown_split_is_rejected(manifest):
    with pytest.raises(ValueError, match="has no 'train' split"):
        manifest["didfuse-tno"].split_names("train")


# AE-Netv2's own splits (datasets no paper splits): kind, pairs/sequences for training (None: round(0.7 n))
NAME_ORDER_SPLITS = {"ifcnn-lytro": ("pairs", 14), "ifcnn-me": ("sequences", 4), "cddfuse-mri-ct": ("pairs", None),
                     "cddfuse-mri-pet": ("pairs", None), "cddfuse-mri-spect": ("pairs", None)}
SPLIT_SIZES = {"ifcnn-lytro": (14, 6), "ifcnn-me": (4, 2), "cddfuse-mri-ct": (15, 6), "cddfuse-mri-pet": (29, 13),
               "cddfuse-mri-spect": (51, 22)}


def _natural_key(name):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", name) if t]


@pytest.mark.parametrize("name", sorted(NAME_ORDER_SPLITS))
def test_name_order_splits_follow_the_rule(manifest, name):
    """train = the first n (14, 4 or round(0.7 n)) in natural name order, test = the rest: disjoint, covering."""
    kind, n_train = NAME_ORDER_SPLITS[name]
    e = manifest[name]
    items = [p.name for p in (e.pairs if kind == "pairs" else e.sequences)]
    order = sorted(items, key=_natural_key)
    k = n_train if n_train is not None else round(0.7 * len(order))
    train = FusionDataset(name, "train", kind=kind, manifest=manifest).names
    test = FusionDataset(name, "test", kind=kind, manifest=manifest).names
    assert (train, test) == (order[:k], order[k:])
    assert (len(train), len(test)) == SPLIT_SIZES[name]
    assert not set(train) & set(test) and set(train) | set(test) == set(items)
    assert e.split_note.startswith("natural name order, first ")
    assert (f"first {n_train} train" if n_train else f"round(0.7 n) = {k} train") in e.split_note


def test_name_order_splits_spot_checks(manifest):
    assert FusionDataset("ifcnn-lytro", "test", manifest=manifest).names == [f"lytro-{i}" for i in range(15, 21)]
    assert FusionDataset("cddfuse-mri-ct", "train", manifest=manifest).names == [str(i) for i in range(11, 26)]
    assert manifest["ifcnn-me"].split_names("test") == ["igloo", "window"]
    # the Lytro triple series belong to no rule: they are held out with the test split
    lytro = manifest["ifcnn-lytro"]
    assert set(lytro.split_names("test")) - {p.name for p in lytro.pairs} == {s.name for s in lytro.sequences}


def _build_manifest_module():
    spec = importlib.util.spec_from_file_location("build_manifest", ROOT / "tools" / "build_manifest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_split_rule_of_the_manifest_tool():
    rule = _build_manifest_module().name_order_split
    splits, note = rule(["10", "9", "2", "1"], n_train=2)
    assert splits == {"train": ["1", "2"], "test": ["9", "10"]}  # natural, not string, order
    assert note == "natural name order, first 2 train, the other 2 test"
    splits, note = rule([str(i) for i in range(21)], train_share=0.7)
    assert len(splits["train"]) == 15 and splits["test"][0] == "15" and "round(0.7 n) = 15" in note
    splits, note = rule(["b", "a"], n_train=1, extra_test=["s"])
    assert splits == {"train": ["a"], "test": ["b", "s"]} and "1 sequences" in note
    with pytest.raises(SystemExit, match="leaves a side empty"):
        rule(["a", "b"], n_train=2)


def test_regenerating_the_manifest_reproduces_it(real_data, tmp_path):
    """tools/build_manifest.py on the shared data writes the committed manifest (hand edits get lost)."""
    from fusionkit import paths

    out = tmp_path / "m.yaml"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_manifest.py"), "--data", str(paths.data_dir()),
                    "--weights", str(paths.weights_dir()), "--out", str(out)], check=True, capture_output=True)
    assert yaml.safe_load(out.read_text()) == yaml.safe_load((ROOT / "data_manifest.yaml").read_text())

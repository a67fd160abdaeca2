"""The manifest holds every entry the issue names, with consistent files, pairs and splits."""
import re

import pytest

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

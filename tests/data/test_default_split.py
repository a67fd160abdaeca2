"""FusionDataset's default split: the manifest's ``test`` split when declared, else the only declared
split, else every item; ``self.split`` records the choice, and an explicit ``split=None`` is every item."""
import warnings

import pytest
import yaml

from fusionkit.data import FusionDataset, Manifest


def test_default_split_on_real_manifest_entries(real_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the choice is silent: documented, not warned about
        flir = FusionDataset("didfuse-flir-train", manifest=real_data)  # declares only `train`
        road = FusionDataset("roadscene", manifest=real_data)  # train / val / test
        tno = FusionDataset("didfuse-tno", manifest=real_data)  # test only
    assert (flir.split, len(flir)) == ("train", 180)
    assert (road.split, len(road)) == ("test", 50)
    assert road.names == FusionDataset("roadscene", split="test", manifest=real_data).names
    assert (tno.split, len(tno)) == ("test", 40)


def test_explicit_splits_still_win(real_data):
    assert len(FusionDataset("roadscene", split=None, manifest=real_data)) == 221  # explicit None: every item
    road_all = FusionDataset("roadscene", split=None, manifest=real_data)
    assert road_all.split is None
    assert len(FusionDataset("roadscene", split="train", manifest=real_data)) == 137
    with pytest.raises(ValueError, match="has no 'test' split; it has: train"):
        FusionDataset("didfuse-flir-train", split="test", manifest=real_data)


def test_default_split_of_the_name_order_split_sets(manifest):
    """Datasets split by name for AE-Netv2 default to their test split; split=None is still every item."""
    lytro = FusionDataset("ifcnn-lytro", manifest=manifest)
    assert (lytro.split, lytro.names) == ("test", [f"lytro-{i}" for i in range(15, 21)])
    assert len(FusionDataset("ifcnn-lytro", None, manifest=manifest)) == 20
    assert len(FusionDataset("cddfuse-mri-ct", manifest=manifest)) == 6
    assert len(FusionDataset("cddfuse-mri-ct", None, manifest=manifest)) == 21
    me = FusionDataset("ifcnn-me", kind="sequences", manifest=manifest)
    assert (me.split, len(me)) == ("test", 2)


def _mixed_manifest(splits):
    entry = {"name": "mix", "kind": "dataset", "available": True, "task": "multi-focus", "root": "mix",
             "files": [], "pairs": [{"name": f"p{i}", "a": f"p{i}A.png", "b": f"p{i}B.png"} for i in range(3)],
             "sequences": [{"name": f"s{i}", "sources": [f"s{i}{k}.png" for k in "ABC"]} for i in range(2)],
             "splits": splits}
    return Manifest(yaml.safe_load(yaml.safe_dump({"datasets": [entry]})))


def test_a_split_over_pairs_and_sequences_serves_each_kind_its_own():
    man = _mixed_manifest({"train": ["p1", "p0"], "test": ["p2", "s1", "s0"]})
    assert FusionDataset("mix", "train", manifest=man).names == ["p1", "p0"]  # the manifest's order
    assert FusionDataset("mix", "test", manifest=man).names == ["p2"]
    assert FusionDataset("mix", "test", kind="sequences", manifest=man).names == ["s1", "s0"]
    assert FusionDataset("mix", kind="sequences", manifest=man).names == ["s1", "s0"]  # default: test
    with pytest.raises(ValueError, match="mix/train holds no sequences"):
        FusionDataset("mix", "train", kind="sequences", manifest=man)
    with pytest.raises(ValueError, match=r"names unknown items: \['p9'\]"):
        FusionDataset("mix", "test", manifest=_mixed_manifest({"test": ["p2", "p9"]}))


def _manifest(splits):
    entry = {"name": "toy", "kind": "dataset", "available": True, "task": "ir-vis", "root": "toy", "files": [],
             "pairs": [{"name": str(i), "a": f"IR{i}.png", "b": f"VIS{i}.png"} for i in range(5)]}
    if splits is not None:
        entry["splits"] = splits
    return Manifest(yaml.safe_load(yaml.safe_dump({"datasets": [entry]})))


@pytest.mark.parametrize("splits, chosen, n", [
    ({"train": ["0", "1", "2"], "val": ["3", "4"]}, None, 5),  # several splits, no test: every item
    ({"val": ["3", "4"]}, "val", 2),  # a single split: that one
    ({"train": ["0"], "test": ["4"]}, "test", 1),
    (None, "test", 5),  # no splits declared: the manifest's implicit `test: all`
])
def test_default_split_rules(splits, chosen, n):
    ds = FusionDataset("toy", manifest=_manifest(splits))
    assert ds.split == chosen and len(ds) == n

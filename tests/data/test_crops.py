"""Training crops: centre crops held in memory, and random crops drawn afresh (reproducibly) per epoch."""
import pytest
import torch

from fusionkit.data.crops import CropPairs, RandomCropPairs, count_pairs

SETS = (("didfuse-flir-train", "train"),)


def test_random_crops_are_seeded_by_epoch_and_item(real_data):
    ds = RandomCropPairs(SETS, crop=32, limit=3, seed=5)
    assert len(ds) == 3 == count_pairs(SETS, 3) and ds[0]["a"].shape == (1, 32, 32)
    ds.set_epoch(0)
    e0 = [ds[i]["a"] for i in range(3)]
    assert all(torch.equal(x, ds[i]["a"]) for i, x in enumerate(e0))  # same epoch, same crops
    ds.set_epoch(1)
    assert not all(torch.equal(x, ds[i]["a"]) for i, x in enumerate(e0))  # a new epoch moves them
    again = RandomCropPairs(SETS, crop=32, limit=3, seed=5)
    again.set_epoch(1)
    assert torch.equal(again[2]["b"], ds[2]["b"])  # a resumed run sees the same crops
    # each crop is a window of the full image (8-bit levels / 255)
    full = CropPairs(SETS, crop=32, limit=1)
    assert full[0]["a"].shape == (1, 32, 32)
    a = ds[0]["a"]
    assert a.min() >= 0 and a.max() <= 1 and torch.allclose(a * 255, (a * 255).round(), atol=1e-4)


def test_flips_flip_the_same_crop_of_both_sources(real_data):
    plain = RandomCropPairs(SETS, crop=32, limit=4, seed=5)
    flipped = RandomCropPairs(SETS, crop=32, limit=4, seed=5, flips=True)
    seen = set()
    for e in range(4):
        plain.set_epoch(e)
        flipped.set_epoch(e)
        for i in range(4):
            p, f = plain[i], flipped[i]
            match = [dims for dims in ([], [-1], [-2], [-1, -2])
                     if torch.equal(p["a"].flip(dims) if dims else p["a"], f["a"])
                     and torch.equal(p["b"].flip(dims) if dims else p["b"], f["b"])]
            assert match, (e, i)  # the same window, flipped alike in a and b
            seen.add(tuple(match[0]))
    assert len(seen) >= 3  # the flips are drawn, not fixed


def test_crop_larger_than_an_image_is_an_error_naming_it(real_data):
    with pytest.raises(ValueError, match=r"didfuse-flir-train/\S+: image .* smaller than the 4096x4096 crop"):
        RandomCropPairs(SETS, crop=4096, limit=1)


def test_trainer_tells_the_dataset_the_epoch(tmp_path):
    from fusionkit.train import TrainConfig, Trainer

    seen = []

    class Data(torch.utils.data.Dataset):
        def set_epoch(self, e):
            seen.append(e)

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": torch.full((1, 4, 4), float(i))}

    net = torch.nn.Conv2d(1, 1, 1)
    loss = lambda m, b: {"total": m(b["x"]).pow(2).mean()}
    Trainer(net, loss, Data(), TrainConfig(epochs=3, batch_size=2, out_dir=str(tmp_path), progress=False)).fit()
    assert seen == [0, 1, 2]

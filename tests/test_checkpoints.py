"""Unreadable weight files give a CheckpointError naming the file, its size and the likely cause."""
import argparse
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from fusionkit.checkpoints import CheckpointError, load_weights


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.arange(1000.0), "b": torch.zeros(3)}, path)
    return path


def _cut(src, dst):
    dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return dst


def test_good_checkpoint_loads(good):
    sd = load_weights(good)
    assert torch.equal(sd["w"], torch.arange(1000.0)) and sd["w"].device.type == "cpu"


def test_truncated_checkpoint_names_file_size_and_cause(good, tmp_path):
    cut = _cut(good, tmp_path / "cut.pt")
    with pytest.raises(CheckpointError) as ei:
        load_weights(cut, "a state dict for IFCNN")
    msg = str(ei.value)
    assert "cut.pt" in msg and f"({cut.stat().st_size} bytes)" in msg
    assert "a state dict for IFCNN" in msg and "truncated" in msg
    assert ei.value.__cause__ is None and "PytorchStreamReader" not in msg  # torch's text is replaced
    legacy = tmp_path / "legacy.pt"  # torch's pre-1.6 (non-zip) format, cut short
    torch.save({"w": torch.arange(1000.0)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match=r"legacy-cut\.pt \(\d+ bytes\).*truncated"):
        load_weights(_cut(legacy, tmp_path / "legacy-cut.pt"))


@pytest.mark.parametrize("name, content, cause", [
    ("page.pth", b"<!DOCTYPE html>\n<html>404 Not Found</html>", r"not a file written by torch\.save but text "
                                                                 r"starting '<!DOCTYPE html> <html>404.*HTML error page"),
    ("notes.pt", "une note en fran\u00e7ais\n".encode(), r"not a file written by torch\.save but text"),
    ("empty.pt", b"", "the file is empty"),
    ("lfs.pt", b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", "Git LFS pointer"),
    ("plain.pkl", pickle.dumps({"w": 1}, protocol=2), "plain Python pickle"),
    ("random.bin", bytes(range(7, 200)), "not a file written by torch.save .unknown format"),
])
def test_foreign_files_name_the_file_and_cause(tmp_path, name, content, cause):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=rf"{name.replace('.', r'[.]')} \({len(content)} bytes\) cannot be read "
                                              rf"as a PyTorch checkpoint: .*{cause}"):
        load_weights(path)


def test_numpy_file_and_pickled_objects(tmp_path):
    np.save(tmp_path / "arr.npy", np.zeros(3))
    with pytest.raises(CheckpointError, match=r"arr\.npy .*NumPy \.npy file"):
        load_weights(tmp_path / "arr.npy")
    obj = tmp_path / "objects.pt"
    torch.save({"args": argparse.Namespace(lr=0.1), "w": torch.zeros(2)}, obj)
    with pytest.raises(CheckpointError, match=r"objects\.pt .*pickled Python objects \(argparse\.Namespace\).*"
                                              r"weights_only=True"):
        load_weights(obj)


def test_missing_file_is_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.pt \(expected a PyTorch checkpoint\)"):
        load_weights(tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        load_weights(tmp_path)  # a folder is not a checkpoint file


def test_released_loader_uses_it_and_keeps_the_name(good, tmp_path):
    from fusionkit.methods import released

    assert released.CheckpointError is CheckpointError
    with pytest.raises(CheckpointError, match=r"cut\.pt \(\d+ bytes\) cannot be read as a state dict for Linear.*truncated"):
        released.load_into(nn.Linear(2, 2), _cut(good, tmp_path / "cut.pt"))


def test_trainer_resume_names_the_file_and_keeps_the_hint(tmp_path):
    from fusionkit.train import TrainConfig, Trainer

    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(CheckpointError, match=r"cannot resume: .*checkpoint\.pt \(\d+ bytes\) cannot be read as a "
                                              r"fusionkit trainer checkpoint.*Move .*checkpoint\.pt away to start afresh"):
        Trainer(nn.Conv2d(1, 1, 3), lambda model, batch: {}, [], TrainConfig(out_dir=str(out), device="cpu"))

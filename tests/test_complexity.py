"""Measured complexity (fusionkit.complexity) against hand-computed counts and AE-Netv2's Table VI."""
import pytest
import torch
from torch import nn

from fusionkit.complexity import complexity, macs, parameter_count, state_dict_bytes
from fusionkit.nets import build


def test_macs_of_a_convolution_by_hand():
    conv = nn.Conv2d(3, 5, 3, padding=1)
    assert macs(conv, torch.rand(2, 3, 7, 11)) == 2 * 7 * 11 * 5 * 3 * 9


def test_aenetv2_gcb_at_400x400_true_macs_and_the_papers_convention():
    """MACs per pixel: C1 6*64*9 + GC 64*2*9 (32 groups of 2) + C2 64*9 = 5,184; the paper's
    Table VI 'Flops' 860,480,000 is parameters (5,378) x 400 x 400."""
    a = torch.rand(1, 1, 400, 400)
    c = complexity("aenetv2-gcb", build("aenetv2-gcb"), (a, a))
    assert c.macs == (6 * 64 * 9 + 64 * 2 * 9 + 64 * 9) * 400 * 400 == 829_440_000
    assert c.flops == 2 * c.macs
    assert c.paper_flops == 860_480_000  # Table VI, AE-Netv2 column
    assert (c.height, c.width, c.parameters) == (400, 400, 5_378)


def test_ifcnn_counts_against_table_vi():
    """IFCNN: 83,587 parameters (Table VI, exact); MACs by hand: two sources through conv1 (7x7x3x64) and
    conv2 (3x3x64x64), then conv3 (3x3x64x64) and conv4 (64x3) once. Table VI's 20,797,920,000 is 0.3 % above."""
    m = build("ifcnn")
    assert parameter_count(m) == 83_587
    a = torch.rand(1, 3, 40, 40)
    per_pixel = 2 * (49 * 3 * 64 + 9 * 64 * 64) + 9 * 64 * 64 + 64 * 3
    assert macs(m, a, a) == per_pixel * 40 * 40
    assert abs(per_pixel * 400 * 400 / 20_797_920_000 - 1) < 0.005


def test_state_dict_bytes_halves_in_fp16():
    m = nn.Linear(1000, 100)
    full, half = state_dict_bytes(m), state_dict_bytes(m, torch.float16)
    assert full > 4 * 100_100 and half < full * 0.55


def test_trainable_only_excludes_frozen_parameters():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    m[0].weight.requires_grad_(False)
    assert parameter_count(m) == 11 and parameter_count(m, trainable_only=True) == 5


@pytest.mark.parametrize("name", ["aenetv2-gcb", "aenetv2-m"])
def test_row_has_every_field(name):
    a = torch.rand(1, 1, 16, 16)
    row = complexity(name, build(name), (a, a)).row()
    assert set(row) == {"name", "height", "width", "parameters", "macs", "flops", "paper_flops", "size_mb"}

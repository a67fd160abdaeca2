"""Measured complexity (fusionkit.complexity) against hand-computed counts and AE-Netv2's Table VI."""
import io

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


# Per network at 16x24 (non-square, so height and width cannot be swapped; px = 384 pixels):
#   aenetv2-gcb: the 5,378 parameters and 5,184 MACs per pixel above, all at full resolution.
#   aenetv2-m (fire = squeeze 1x1 cin->s, expand 1x1 s->cout/2 and 3x3 s->cout/2, all with bias):
#     C1 6*64*9 + BN 128 = 3,584            MACs/px 3,456
#     fire1 64->64, s 16: 1,040 + 544 + 4,640 = 6,224      1,024 + 512 + 4,608 = 6,144
#     fire2 64->128, s 32: 2,080 + 2,112 + 18,496 = 22,688  2,048 + 2,048 + 18,432 = 22,528 (on the 8x12 pooled map)
#     fire3 192->64, s 16: 3,088 + 544 + 4,640 = 8,272     3,072 + 512 + 4,608 = 8,192
#     C2 64*9 + BN 2 = 578                   576
#   -> 41,346 parameters; MACs (3,456 + 6,144 + 8,192 + 576) * 384 + 22,528 * 96 = 9,216,000
#   BN statistics (running mean and variance, fp32) of 64 + 1 channels in both.
ROWS = {"aenetv2-gcb": (5_378, 5_184 * 384, 65), "aenetv2-m": (41_346, 9_216_000, 65)}


@pytest.mark.parametrize("name", list(ROWS))
def test_row_values_by_hand(name):
    params, mac, bn_channels = ROWS[name]
    a = torch.rand(1, 1, 16, 24)
    model = build(name)
    row = complexity(name, model, (a, a)).row()
    size_mb = row.pop("size_mb")
    assert row == {"name": name, "height": 16, "width": 24, "parameters": params, "macs": mac, "flops": 2 * mac,
                   "paper_flops": params * 16 * 24}
    # size: the fp32 state dict file in 10^6 bytes (MiB would be 4.6 % less, fp16 about half): within
    # 1 % of what torch.save(model.state_dict()) writes (state_dict_bytes leaves out the dict's ~0.6 kB of
    # module version metadata), and at least the bytes of its fp32 parameters and BN statistics
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    assert size_mb == pytest.approx(len(buf.getvalue()) / 1e6, rel=0.01)
    assert size_mb * 1e6 > 4 * (params + 2 * bn_channels)

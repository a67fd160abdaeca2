"""fusionkit.feature_stats on maps with known answers."""
import math

import pytest
import torch

from fusionkit.feature_stats import low_frequency_share, map_correlation, most_active_shared_channel


def test_map_correlation_of_known_pairs():
    x = torch.arange(12.0).view(1, 3, 4)
    assert map_correlation(x, 2 * x + 1) == pytest.approx(1.0)
    assert map_correlation(x, -x) == pytest.approx(-1.0)


def test_low_frequency_share_separates_slow_from_fast_patterns():
    i = torch.arange(32.0)
    slow = torch.cos(2 * math.pi * i / 32)[None, :].expand(32, 32)  # 1 cycle per side
    fast = torch.cos(math.pi * i)[None, :].expand(32, 32)  # 16 cycles per side (Nyquist)
    assert low_frequency_share(slow, k=4) == pytest.approx(1.0)
    assert low_frequency_share(fast, k=4) == pytest.approx(0.0, abs=1e-9)


def test_most_active_shared_channel_wants_both_maps_varied():
    x = torch.zeros(1, 3, 4, 4)
    y = torch.zeros(1, 3, 4, 4)
    x[0, 0] = torch.rand(4, 4) * 100  # strong in x, silent in y: not shown
    x[0, 1], y[0, 1] = torch.rand(4, 4), torch.rand(4, 4) * 0.01  # y barely varies
    x[0, 2], y[0, 2] = torch.rand(4, 4), torch.rand(4, 4)  # both vary: the one to show
    assert most_active_shared_channel(x, y) == (2, 2)


def test_source_gaps_by_hand():
    """Two 1-channel 2x2 maps: I = [[0, 1], [2, 3]], V = I + [[1, -1], [1, -1]]: squared gap 1, absolute gap 1;
    identical maps: gaps 0 and correlation 1."""
    from fusionkit.feature_stats import source_gaps

    i = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    v = i + torch.tensor([[1.0, -1.0], [1.0, -1.0]])
    g = source_gaps({"B": torch.stack([i, v])[:, None], "D": torch.stack([i, i])[:, None]}, k=1)
    assert g["mean (B_I - B_V)^2"] == 1.0 and g["mean |B_I - B_V|"] == 1.0
    assert g["mean (D_I - D_V)^2"] == 0.0 and g["corr(D_I, D_V)"] == pytest.approx(1.0)
    assert list(g)[:4] == ["mean (B_I - B_V)^2", "mean |B_I - B_V|", "mean (D_I - D_V)^2", "mean |D_I - D_V|"]

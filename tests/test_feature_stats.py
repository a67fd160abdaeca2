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

"""fusionkit.viz: figure helpers (shared grey scales)."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fusionkit import viz  # noqa: E402


def test_feature_map_grid_shares_scales_within_groups():
    a, b, c = np.zeros((4, 4)), np.full((4, 4), 2.0), np.arange(16.0).reshape(4, 4)
    b[0, 0] = 5.0
    fig = viz.feature_map_grid([("a", a), ("b", b), ("c", c)], scales=["x", "x", None])
    clims = [ax.get_images()[0].get_clim() for ax in fig.axes]
    assert clims[0] == clims[1] == (0.0, 5.0)  # a and b on the group's min .. max
    assert clims[2] == (0.0, 15.0)  # c on its own
    own = viz.feature_map_grid([("a", a), ("b", b)])
    assert [ax.get_images()[0].get_clim() for ax in own.axes][1] == (2.0, 5.0)
    with pytest.raises(ValueError, match="2 labels for 3 panels"):
        viz.feature_map_grid([("a", a), ("b", b), ("c", c)], scales=["x", "x"])

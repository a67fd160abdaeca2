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


def test_zoom_grid_draws_given_boxes_and_enlarges_their_content():
    img = np.zeros((40, 80))
    img[10:20, 40:60] = 255.0  # what the first box holds
    fig = viz.zoom_grid([{"x": img}], ["x"], boxes=[[(0.25, 0.5, 0.25, 0.25, "red"), (0.0, 0.0, 0.1, 0.1, "green")]])
    ax = fig.axes[0]
    rects = [p for p in ax.patches]
    assert [(r.get_x(), r.get_y(), r.get_width(), r.get_height()) for r in rects] == [(40, 10, 20, 10), (0, 0, 8, 4)]
    insets = ax.child_axes
    assert insets[0].get_images()[0].get_array().min() == 1.0  # box 1's content, on [0, 1]
    with pytest.raises(ValueError, match="1 columns"):
        viz.zoom_grid([{"x": img}], ["x"], boxes=[[], []])


def test_zoom_grid_titles_and_row_labels():
    img = np.zeros((20, 20))
    fig = viz.zoom_grid([{"r0": img, "r1": img}, {"r0": img, "r1": img}], ["r0", "r1"],
                        titles=[["a", "b"], ["c", "d"]], row_labels=["", "second"])
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["a", "b", "c", "d"]
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["second"]  # the empty label is not drawn

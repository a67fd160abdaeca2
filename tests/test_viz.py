"""fusionkit.viz: figure helpers (shared grey scales)."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402
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


# ----------------------------------------------------------------------------- blank cells, constant maps
def test_image_grid_leaves_none_cells_blank():
    img = np.full((8, 8), 0.5)
    fig = viz.image_grid([[img, img], [img, None]], titles=[["a", "b"], ["c", "d"]], title="grid")
    axes = fig.axes
    assert [len(ax.get_images()) for ax in axes] == [1, 1, 1, 0]
    assert axes[3].get_title() == "" and not axes[3].axison  # nothing drawn, no axis
    assert fig._suptitle.get_text() == "grid"


def test_zoom_grid_leaves_none_cells_blank():
    img = np.zeros((40, 40))
    fig = viz.zoom_grid([{"0": img, "1": img}, {"0": img, "1": None}], ["0", "1"],
                        titles=[["a", "b"], ["c", "unused"]], title="Fig. 7")
    blank = fig.axes[3]  # axes are row-major: row 1, column 1
    assert not blank.get_images() and not blank.patches and not blank.child_axes and blank.get_title() == ""
    assert [len(ax.get_images()) for ax in fig.axes[:3]] == [1, 1, 1]
    assert fig._suptitle.get_text() == "Fig. 7"
    empty_col = viz.zoom_grid([{"0": img}, {"0": None}], ["0"])  # a wholly blank column
    assert not empty_col.axes[1].get_images()


def test_feature_map_grid_names_a_constant_panel():
    fig = viz.feature_map_grid([("(c) varies", np.arange(16.0).reshape(4, 4)), ("(d) private", np.zeros((4, 4))),
                                ("(e) flat", np.full((4, 4), 2.5))], title="Fig. 6")
    titles = [ax.get_title() for ax in fig.axes]
    assert "constant" not in titles[0]
    assert titles[1] == "(d) private\nconstant: 0.000" and titles[2].endswith("constant: 2.500")


# ----------------------------------------------------------------------------- per-training figure
def _per_run():
    import pandas as pd

    rows = [{"dataset": d, "run": r, "EN": 6.5 + 0.1 * r, "SD": 30 + r} for d in ("TNO", "FLIR") for r in range(3)]
    per_run = pd.DataFrame(rows)
    ref = pd.DataFrame([("TNO", "gtf", 7.0, 40.0), ("TNO", "cbf", 6.9, 42.0), ("TNO", "mgff", 6.0, 20.0),
                        ("FLIR", "gtf", 7.5, 50.0), ("FLIR", "cbf", 7.6, 45.0)],
                       columns=["dataset", "method", "EN", "SD"]).set_index(["dataset", "method"])
    return per_run, ref


def test_per_training_figure_has_one_legend_x_labels_and_names_per_panel():
    per_run, ref = _per_run()
    fig = viz.per_training_figure(per_run, ref, ["EN", "SD"], label="DIDFuse (ours)", title="Fig. 6",
                                  note="compared methods: 40 pairs; ours: 10")
    axes = fig.axes
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["DIDFuse (ours)", "best compared method",
                                                                "2nd best compared method"]
    assert [ax.get_xlabel() for ax in axes] == ["", "", "training (seed)", "training (seed)"]
    assert axes[0].get_title() == "EN\nbest: gtf; 2nd: cbf" and axes[1].get_title() == "SD\nbest: cbf; 2nd: gtf"
    assert axes[2].get_title() == "EN\nbest: cbf; 2nd: gtf"
    assert fig._suptitle.get_text() == "Fig. 6"
    assert any(t.get_text() == "compared methods: 40 pairs; ours: 10" for t in fig.texts)
    assert list(axes[0].get_xticks()) == [0, 1, 2]  # the run numbers


def test_per_training_figure_plots_seeds_when_given():
    per_run, ref = _per_run()
    fig = viz.per_training_figure(per_run.assign(seed=per_run.run + 10), ref, ["EN"])
    assert list(fig.axes[0].lines[0].get_xdata()) == [10, 11, 12]
    assert not any(t.get_text() for t in fig.texts)  # no note asked for


# ----------------------------------------------------------------------------- loss curves
def _history(n, scale=1.0):
    return [{"epoch": e + 1, "lr": 1e-3, "steps": 4, "total": scale / (e + 1), "ssim": 0.3 / (e + 1)} for e in range(n)]


def test_loss_curves_mark_every_point_and_keep_the_legend_outside():
    fig = viz.loss_curves({"seed 0": _history(20), "smoke": _history(1, 2.0)}, marks={"lr / 10": 10.5, "later": 99},
                          title="DIDFuse training")
    ax = fig.axes[0]
    runs = {ln.get_label(): ln for ln in ax.lines if ln.get_label() in ("seed 0", "smoke")}
    assert all(ln.get_marker() == "o" for ln in runs.values())
    assert list(runs["smoke"].get_xdata()) == [1.0] and len(runs["seed 0"].get_xdata()) == 20
    (mark,) = [ln for ln in ax.lines if ln.get_label() == "lr / 10"]
    assert list(mark.get_xdata()) == [10.5, 10.5]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "training loss (total)", "DIDFuse training")
    assert ax.get_yscale() == "log" and len(fig.legends) == 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["seed 0", "smoke", "lr / 10", "later (epoch 99, not reached)"]
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1  # right of the axes
    assert ax.get_xlim()[1] < 30  # the unreached mark does not stretch the axis


def test_loss_curves_smoke_run_shows_its_points_and_linear_for_non_positive():
    fig = viz.loss_curves({"smoke": [{"epoch": 1, "total": 0.0}, {"epoch": 2, "total": -0.5}]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and list(ax.lines[0].get_xdata()) == [1.0, 2.0]
    lo, hi = ax.get_xlim()
    assert [t for t in ax.get_xticks() if lo <= t <= hi] == [1.0, 2.0]  # whole epochs only
    assert ax.get_title() == "training loss (total) per epoch"
    with pytest.raises(ValueError, match="no history has finite values of 'l1'; keys: epoch, total"):
        viz.loss_curves({"a": [{"epoch": 1, "total": 1.0}]}, key="l1")


def test_loss_terms_draws_each_term_not_epoch_lr_steps():
    fig = viz.loss_terms(_history(2), title="terms")
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.lines] == ["total", "ssim"]
    assert ax.get_ylabel() == "training loss (per term)" and ax.get_title() == "terms"
    with pytest.raises(ValueError, match="no loss values"):
        viz.loss_terms([{"epoch": 1, "lr": 0.1}])


# ----------------------------------------------------------------------------- bubble chart
def _bubbles(n):
    import pandas as pd

    rng = np.random.default_rng(n)  # a tight cluster and one outlier far off (as AE-Netv2's Fig. 10)
    q, t = 0.45 + 1e-5 * rng.random(n), 48 + 0.05 * rng.random(n)
    q[-1], t[-1] = (0.46, 67.0) if n > 2 else (q[-1], t[-1])
    return pd.DataFrame({"q": q, "t": t, "p": np.linspace(5378, 11602, n)},
                        index=[f"architecture-{i}" for i in range(n)])


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_bubble_chart_draws_bubbles_whole_labels_apart_and_a_size_legend(n):
    df = _bubbles(n)  # tightly clustered: every label starts on top of the others
    fig = viz.bubble_chart(df, "q", "t", "p", title="Fig. 10", xlabel="Combined", ylabel="ms per pair",
                           size_label="parameters")
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent()
    centres = ax.transData.transform(df[["q", "t"]].to_numpy())
    radius = np.sqrt(ax.collections[0].get_sizes()) / 2 * fig.dpi / 72  # marker size is an area in pt^2
    assert len(radius) == n
    assert (centres[:, 0] - radius >= box.x0).all() and (centres[:, 0] + radius <= box.x1).all()
    assert (centres[:, 1] - radius >= box.y0).all() and (centres[:, 1] + radius <= box.y1).all()
    labels = [t for t in ax.texts if t.get_text().startswith("architecture-")]
    assert sorted(t.get_text() for t in labels) == sorted(df.index)
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text alone, not its leader line
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    legend = ax.get_legend()
    assert len(fig.legends) == 0 and legend.get_title().get_text() == "parameters"
    values = [float(t.get_text().replace(",", "")) for t in legend.get_texts()]
    assert 1 <= len(values) <= 3 and values == sorted(values) and (len(values) == 3) == (n > 1)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Fig. 10", "Combined", "ms per pair")


def test_bubble_chart_labels_from_a_column_and_skips_missing_rows():
    df = _bubbles(3).assign(name=["a", "b", "c"])
    df.iloc[1, df.columns.get_loc("t")] = np.nan
    fig = viz.bubble_chart(df, "q", "t", "p", labels="name")
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["a", "c"] and len(ax.collections[0].get_offsets()) == 2
    assert ax.get_xlabel() == "q" and ax.get_title() == "t against q (bubble area: p)"
    with pytest.raises(ValueError, match="2 labels for 3 rows"):
        viz.bubble_chart(df, "q", "t", "p", labels=["x", "y"])


# ----------------------------------------------------------------------------- smoke note
def test_smoke_note_only_on_smoke_figures_and_once():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    assert viz.smoke_note(fig, "quick") is fig and not fig.texts
    assert viz.smoke_note(fig, "smoke") is fig
    viz.smoke_note(fig, "smoke")
    notes = [t for t in fig.texts if t.get_gid() == "smoke-note"]
    assert len(notes) == 1 and notes[0].get_visible()
    assert notes[0].get_text().replace("\n", " ") == viz.SMOKE_NOTE
    assert "not a result" in viz.SMOKE_NOTE
    fig.canvas.draw()
    assert notes[0].get_window_extent().width <= fig.bbox.width  # fits the figure


def test_grouped_bars_and_wrapped_zoom_grid():
    import numpy as np
    import pandas as pd

    from fusionkit import viz

    t = pd.DataFrame({"mixture": [0.4, 0.5], "single": [0.3, 0.6]}, index=["ir-vis", "medical"])
    fig = viz.grouped_bars(t, "title", "Combined (unitless)", "task")
    ax = fig.axes[0]
    assert ax.get_title() == "title" and ax.get_ylabel().startswith("Combined") and len(ax.patches) == 4
    assert len(fig.legends) + len([a for a in fig.axes if a.get_legend()]) == 1
    imgs = [(f"m{i}", np.full((20, 30), i / 10)) for i in range(7)]
    fig = viz.wrapped_zoom_grid(imgs, 4, ((0.1, 0.1, 0.3, 0.3, "red"), (0.5, 0.5, 0.3, 0.3, "green")), title="t")
    main = [a for a in fig.axes if a.get_title() or not a.images]
    assert sum(1 for a in fig.axes if a.images and a.get_title() in {n for n, _ in imgs}) == 7
    assert len([a for a in main if not a.images and not a.get_title()]) >= 1  # the eighth cell is blank

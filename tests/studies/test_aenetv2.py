"""The AE-Netv2 study layer: config, task splits, run specs (Table II schedule), zoo names, training plan."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

from fusionkit.studies import aenetv2 as S

matplotlib.use("Agg")


def test_paper_config_is_table_i_and_ii():
    cfg = S.config("paper")
    assert (cfg.crop, cfg.batch_size, cfg.lr, cfg.epochs_first, cfg.epochs) == (128, 16, 1e-3, 10, 110)
    assert cfg.nets == ("aenetv2-gcb", "aenetv2-squeeze-gcb")
    quick = S.config("quick")
    assert set(quick.nets) == set(S.ARCHITECTURES)
    # quick trains on the paper's crops (one target computation serves both profiles), for fewer epochs
    assert (quick.crop, quick.crops_per_task, quick.tasks, quick.library) == \
        (cfg.crop, cfg.crops_per_task, cfg.tasks, cfg.library) and quick.epochs < cfg.epochs
    with pytest.raises(ValueError, match="unknown parameter"):
        S.config("quick", epoch=3)


@pytest.mark.parametrize("dataset", ["ifcnn-lytro", "ifcnn-me", "cddfuse-mri-ct", "cddfuse-mri-pet",
                                     "cddfuse-mri-spect"])
def test_own_splits_cover_each_dataset_without_overlap_in_name_order(dataset):
    train, test = S.split_names(dataset, n_train=S._OWN_SPLITS[dataset])
    assert train and test and not set(train) & set(test)
    assert list(train + test) == S._natural(list(train + test))  # contiguous blocks: no neighbour straddles
    if dataset.startswith("cddfuse"):
        assert len(train) == round(0.7 * (len(train) + len(test)))


def test_task_sets_and_no_test_pair_in_training():
    for task in S.TASK_NAMES:
        tr, te = S.task_sets(task, "train"), S.task_sets(task, "test")
        for s in te:
            same = [t for t in tr if t[0] == s[0]]
            assert all(not set(t[2]) & set(s[2]) for t in same)  # a shared dataset is split by pair names
    assert S.task_sets("multi-focus", "test")[0][2] == tuple(f"lytro-{i:02d}" for i in range(15, 21))
    with pytest.raises(ValueError, match="unknown task"):
        S.task_sets("ir", "train")
    with pytest.raises(ValueError, match="role"):
        S.task_sets("ir-vis", "val")


def test_run_spec_follows_table_ii_and_keys_change_with_the_library():
    cfg = S.config("paper")
    spec = S.run_spec(cfg)
    assert spec.train_options() == {"lr_milestones": (10,), "channels_last": True}
    assert spec.epochs == 110 and spec.batch_size == 16
    assert spec.label() == "gcb-mixture-lib21-seed0"
    smaller = S.run_spec(cfg, library=cfg.library[1:])
    assert smaller.key() != spec.key() and smaller.label() == "gcb-mixture-lib20-seed0"
    assert S.zoo_name(cfg, spec) == "paper-gcb"
    assert S.zoo_name(cfg, smaller) == f"paper-gcb-without-{cfg.library[0]}"
    assert S.zoo_name(cfg, S.run_spec(cfg, "aenetv2-squeeze-gcb", ("medical",))) == "paper-squeeze-gcb-medical"


def test_training_plan_lists_each_training_once():
    paper = S.config("paper")
    assert [S.zoo_name(paper, s) for s in S.training_plan(paper)] == ["paper-gcb", "paper-squeeze-gcb"]
    cfg = S.config("quick", continual_drop="mgff", nets=["aenetv2-gcb", "aenetv2-pp"])
    plan = S.training_plan(cfg)
    names = [S.zoo_name(cfg, s) for s in plan]
    assert names == ["quick-gcb", "quick-pp", "quick-gcb-ir-vis", "quick-gcb-multi-focus",
                     "quick-gcb-medical", "quick-gcb-multi-exposure", "quick-gcb-without-mgff"]
    with pytest.raises(ValueError, match="not in the library"):
        S.strongest_method(cfg.replace(continual_drop="nope"))


def test_training_crops_are_balanced_over_tasks_and_deterministic():
    crops = S.train_crops(("multi-focus", "multi-exposure"), 96, 6, 0)
    assert crops == S.train_crops(("multi-focus", "multi-exposure"), 96, 6, 0)
    assert [c.dataset for c in crops] == ["ifcnn-lytro"] * 6 + ["ifcnn-me"] * 6
    train_names = set(S.task_sets("multi-focus", "train")[0][2])
    assert {c.pair for c in crops[:6]} <= train_names


def test_experiments_switched_off_at_a_profile_say_so_instead_of_training():
    cfg = S.config("paper")
    fig, t = S.fig8(cfg)
    assert "not run at the paper profile" in t.df.note[0] and fig is not None
    assert "not run at the paper profile" in S.continual(cfg)["continual"].df.note[0]


def test_a_single_task_run_reuses_the_mixtures_targets_of_that_task(tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    both = S.train_crops(("multi-focus", "multi-exposure"), 96, 3, 0)
    assert S.train_crops(("multi-exposure",), 96, 3, 0) == both[3:]  # crops seeded by the task, not its position
    crops, t, res = S.targets_of(("multi-focus", "multi-exposure"), 96, 3, 0, ("avg", "max"))
    assert crops == both and all(r.seconds > 0 for r in res) and len(t.method) == 6
    crops1, t1, res1 = S.targets_of(("multi-exposure",), 96, 3, 0, ("avg", "max"))
    assert all(r.seconds == 0 for r in res1)  # read from the target cache
    assert torch.equal(t1.target, t.target[3:]) and t1.method == t.method[3:]


@pytest.mark.parametrize("n", [2, 5])
def test_fig10_draws_every_bubble_whole_inside_the_axes(n):
    t7 = pd.DataFrame({"Combined": np.linspace(0.45, 0.46, n), "time ms": np.linspace(48, 67, n),
                       "parameters": np.linspace(5378, 11602, n)},
                      index=list(S.ARCHITECTURES)[:n])
    fig = S.fig10(t7)
    ax = fig.axes[0]
    fig.canvas.draw()
    box = ax.get_window_extent()
    centres = ax.transData.transform(t7[["Combined", "time ms"]].to_numpy())
    radius = np.sqrt(ax.collections[0].get_sizes()) / 2 * fig.dpi / 72  # marker size is an area in pt^2
    assert len(radius) == n
    assert (centres[:, 0] - radius >= box.x0).all() and (centres[:, 0] + radius <= box.x1).all()
    assert (centres[:, 1] - radius >= box.y0).all() and (centres[:, 1] + radius <= box.y1).all()

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


def test_task_sets_use_the_manifest_splits_and_no_test_pair_in_training():
    from fusionkit import evaluation as E

    for task in S.TASK_NAMES:
        tr, te = S.task_sets(task, "train"), S.task_sets(task, "test")
        for s in te:
            train_names = {n for t in tr if t[0] == s[0] for n in E.open_set(*t).names}
            assert not train_names & set(E.open_set(*s).names)  # a shared dataset is split by the manifest
    assert E.open_set(*S.task_sets("multi-focus", "test")[0]).names == [f"lytro-{i:02d}" for i in range(15, 21)]
    with pytest.raises(ValueError, match="valid tasks"):
        S.task_sets("ir", "train")
    with pytest.raises(ValueError, match="roles"):
        S.task_sets("ir-vis", "val")


def test_run_spec_follows_table_ii_and_keys_change_with_the_library():
    cfg = S.config("paper")
    spec = S.run_spec(cfg)
    assert spec.train_options() == {"lr_milestones": (10,), "channels_last": True}
    assert spec.epochs == 110 and spec.batch_size == 16
    assert spec.label() == "gcb-mixture-lib21-seed0"
    smaller = S.run_spec(cfg, library=cfg.library[1:])
    assert smaller.key() != spec.key() and smaller.label() == "gcb-mixture-lib20-seed0"
    assert spec.schedule(512).endswith("Adam lr 0.001 /10 at epoch 10")


def test_training_plan_lists_each_training_once():
    paper = S.config("paper")
    assert list(S.training_plan(paper)) == ["gcb", "squeeze-gcb"]
    cfg = S.config("quick", continual_drop="mgff", nets=["aenetv2-gcb", "aenetv2-pp"])
    plan = S.training_plan(cfg)
    assert list(plan) == ["gcb", "pp", "gcb-ir-vis", "gcb-multi-focus", "gcb-medical", "gcb-multi-exposure",
                          "gcb-without-mgff"]
    assert "mgff" not in plan["gcb-without-mgff"].library and plan["gcb-medical"].tasks == ("medical",)
    with pytest.raises(ValueError, match="not in the library"):
        S.strongest_method(cfg.replace(continual_drop="nope"))


def test_training_crops_are_balanced_over_tasks_and_deterministic():
    from fusionkit import evaluation as E

    def crops_of(tasks, n):
        return [c for t in tasks for c in S.task_crops(t, 96, n, 0)]

    crops = crops_of(("multi-focus", "multi-exposure"), 6)
    assert crops == crops_of(("multi-focus", "multi-exposure"), 6)
    assert [c.dataset for c in crops] == ["ifcnn-lytro"] * 6 + ["ifcnn-me"] * 6
    train_names = set(E.open_set(*S.task_sets("multi-focus", "train")[0]).names)
    assert {c.pair for c in crops[:6]} <= train_names


def test_experiments_switched_off_at_a_profile_say_so_instead_of_training():
    cfg = S.config("paper")
    f8, cont = S.fig8(cfg), S.continual(cfg)
    assert "paper profile" in f8["fig8_numbers"].df["not run"][0] and not f8.figures
    assert "paper profile" in cont["continual"].df["not run"][0] and cont.finding.startswith("Not run")


def test_a_single_task_run_reuses_the_mixtures_targets_of_that_task(tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path))
    # crops seeded by the task, not its position
    both = S.task_crops("multi-focus", 96, 3, 0) + S.task_crops("multi-exposure", 96, 3, 0)
    crops, t, res = S.targets_of(("multi-focus", "multi-exposure"), 96, 3, 0, ("avg", "max"))
    assert crops == both and all(r.seconds > 0 for r in res) and len(t.method) == 6
    crops1, t1, res1 = S.targets_of(("multi-exposure",), 96, 3, 0, ("avg", "max"))
    assert all(r.seconds == 0 for r in res1)  # read from the target cache
    assert torch.equal(t1.target, t.target[3:]) and t1.method == t.method[3:]


@pytest.mark.parametrize("n", [2, 5])
def test_fig10_draws_every_bubble_whole_inside_the_axes(n):
    from fusionkit.report import Section

    t7 = pd.DataFrame({"Combined": np.linspace(0.45, 0.46, n), "time ms": np.linspace(48, 67, n),
                       "parameters": np.linspace(5378, 11602, n)},
                      index=list(S.ARCHITECTURES)[:n])
    fig = S.fig10(Section("t7", data={"table7": t7})).figures["fig10_quality_time_size"]
    ax = fig.axes[0]
    fig.canvas.draw()
    box = ax.get_window_extent()
    centres = ax.transData.transform(t7[["Combined", "time ms"]].to_numpy())
    radius = np.sqrt(ax.collections[0].get_sizes()) / 2 * fig.dpi / 72  # marker size is an area in pt^2
    assert len(radius) == n
    assert (centres[:, 0] - radius >= box.x0).all() and (centres[:, 0] + radius <= box.x1).all()
    assert (centres[:, 1] - radius >= box.y0).all() and (centres[:, 1] + radius <= box.y1).all()
    assert ax.get_xlabel().startswith("Combined") and ax.get_title().startswith("Fig. 10")


def test_table5_names_the_trained_here_methods_without_a_zoo_model(real_data, tmp_path, monkeypatch):
    """Every registered method is timed when time_methods is None; one whose zoo model is not committed yet
    (here: fmmf, with an empty zoo) is named in the caption instead of failing the table."""
    from fusionkit import methods
    from fusionkit.checkpoints import CheckpointError
    from fusionkit.studies import aenetv2 as A

    monkeypatch.setenv("FUSIONKIT_ZOO_DIR", str(tmp_path))
    monkeypatch.setattr(methods, "names", lambda: ["avg", "fmmf"])
    t = A.table5(A.config("smoke", time_methods=None), trained={})
    assert list(t.data["times"].index) == ["avg"]
    assert "not timed (no zoo model yet): fmmf" in t.tables["table5"].caption
    with pytest.raises(CheckpointError):  # asked for by name, it is an error
        A.table5(A.config("smoke", time_methods=("fmmf",)), trained={})

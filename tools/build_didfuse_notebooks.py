"""Writes notebooks/1x_didfuse_*.ipynb (no outputs). Run after editing a cell here:

    .venv/bin/python tools/build_didfuse_notebooks.py
"""
from __future__ import annotations

from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]

PARAMS = '''profile = "smoke"  # smoke | quick | paper (fusionkit.profiles.PRESETS["didfuse"])
# None = take the value from the profile
seed = None
runs = None
ablation_runs = None
repro_runs = None
epochs = None
batch_size = None
crop = None
lr = None
lr_step = None
max_steps_per_epoch = None
train_limit = None
variant = None
rule = None
ablation_rule = None
val_limit = None
test_limit = None
baselines = None
figure_pairs = None
tile = None
device = None'''

SETUP = '''import pandas as pd
import torch

from fusionkit import paper_tables
from fusionkit.profiles import resolve
from fusionkit.report import Study
from fusionkit.studies import didfuse as D
from fusionkit.utils import select_device, seed_everything

P = resolve("didfuse", profile, seed=seed, runs=runs, ablation_runs=ablation_runs, repro_runs=repro_runs, epochs=epochs,
            batch_size=batch_size, crop=crop, lr=lr, lr_step=lr_step, max_steps_per_epoch=max_steps_per_epoch,
            train_limit=train_limit, variant=variant, rule=rule, ablation_rule=ablation_rule,
            val_limit=val_limit, test_limit=test_limit, baselines=baselines, figure_pairs=figure_pairs,
            tile=tile, device=device)
seed_everything(P["seed"])
dev = select_device(P["device"])
print(P, dev)'''


def study(key: str, nb: str, title: str) -> str:
    return (f'st = Study("didfuse", P, datasets=D.ENTRIES, notebook="{nb}", device=dev, key="{key}",\n'
            f'           title="{title}")\nst.__enter__()\nprint(D.training_note(P))')


def notebook(cells: list[tuple[str, str]], path: str) -> None:
    nb = nbf.v4.new_notebook()
    for kind, src in cells:
        if kind == "md":
            nb.cells.append(nbf.v4.new_markdown_cell(src))
        elif kind == "params":
            c = nbf.v4.new_code_cell(src)
            c.metadata["tags"] = ["parameters"]
            nb.cells.append(c)
        else:
            nb.cells.append(nbf.v4.new_code_cell(src))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, str(ROOT / "notebooks" / path))


INTRO = ("Paper: Zhao et al., *When Image Decomposition Meets Deep Learning: A Novel Infrared and Visible "
         "Image Fusion Method* (extended DIDFuse, `../shared/papers/002_ecde006f96d54dd5.txt`).\n\n"
         "Data substitutes: the paper's NIR Mountain/Water (training) and NIR Urban/Street (validation) "
         "scenes are not obtainable; we train on FLIR-Train + the RoadScene *train* split and validate on the "
         "RoadScene *val* split (never overlapping a test set). Tests: TNO, FLIR-Test, NIR-Country as in the "
         "paper; NIR Forest/Field are unavailable. Parameters come from `fusionkit.profiles` (`smoke` for CI, "
         "`quick` for a CPU, `paper` = the published setting, for a GPU). Smoke and quick numbers are **not** "
         "a reproduction.")

NB10 = [
    ("md", "# DIDFuse — training, loss curves (Fig. 3) and deep image decomposition (Fig. 4)\n\n" + INTRO +
     "\n\nThis notebook trains the full model `runs` times (seeds `seed`, `seed+1`, ...; Tables III/IV and "
     "Fig. 6 reuse these runs from `$FUSIONKIT_RUNS_DIR/didfuse/`), plots the loss terms per epoch (Fig. 3) "
     "and the first channel of the base/detail feature maps of a TNO pair (Fig. 4)."),
    ("params", PARAMS),
    ("code", SETUP),
    ("code", study("training", "10_didfuse_training.ipynb", "DIDFuse training, Fig. 3, Fig. 4")),
    ("md", "## Data: what stands in for what"),
    ("code", 'st.table("data_substitutes", D.SUBSTITUTES, "DIDFuse data: the paper\'s sets and ours", index=False)\n'
             'D.SUBSTITUTES'),
    ("md", "## Training (paper Sec. IV-A: Adam, lr 1e-3 /10 every 40 epochs, 120 epochs, batch 24, 128x128)"),
    ("code", 'trained = [D.train_run(D.spec_from_params(P, "none", i), device=P["device"], progress=True)\n'
             '           for i in range(P["runs"])]\n'
             'summary = pd.DataFrame([{"run": r.spec.key(), "seed": r.spec.seed, "epochs": len(r.history),\n'
             '                         "final total loss": r.history[-1]["total"],\n'
             '                         "train seconds (this process)": round(r.train_seconds, 1),\n'
             '                         "pairs/s": r.pairs_per_second} for r in trained])\n'
             'st.table("training_runs", summary, "DIDFuse trainings (full model). " + D.training_note(P), index=False)\n'
             'summary'),
    ("md", "## Fig. 3: loss curves (run 0)\n\nThe paper shows every loss term flattening out by epoch 120."),
    ("code", 'from fusionkit.train import plot_losses\n'
             'fig3 = plot_losses(trained[0].history)\n'
             'st.figure("fig3_loss_curves", fig3)\n'
             'log = pd.DataFrame(trained[0].history)\n'
             'st.table("fig3_loss_log", log, "Loss terms per epoch, run 0 (Fig. 3 data)", index=False)\n'
             'log.tail()'),
    ("md", "## Fig. 4: base and detail feature maps\n\nFirst channel of conv3 (base) and conv4 (detail) for a TNO "
           "pair. The paper: $B_I$ and $B_V$ look alike (background), $D_I$ and $D_V$ differ (targets vs. texture)."),
    ("code", 'from fusionkit.data import FusionDataset\n'
             'item = FusionDataset("didfuse-tno", "test", mode="gray", limit=1)[0]\n'
             'fig4 = D.feature_maps_figure(trained[0].model, item["a"], item["b"])\n'
             'st.figure("fig4_feature_maps", fig4)\n'
             'print("pair:", item["name"])'),
    ("code", 'st.finish()'),
]

NB11 = [
    ("md", "# DIDFuse — Table III: the six fusion-layer strategies\n\n" + INTRO +
     "\n\nEach trained model (`runs` of them) fuses the validation pairs with the weighted-average, "
     "l1-attention and saliency-attention spatial strategies, each without and with the channel attention "
     "module (eqs. 6-17). The table gives, per strategy, the mean over trainings of each metric's "
     "dataset mean, ± the standard deviation over trainings (our reading of the paper's ±). The paper "
     "reports NIR-Street and NIR-Urban; ours is RoadScene-val."),
    ("params", PARAMS),
    ("code", SETUP),
    ("code", study("table3", "11_didfuse_strategies.ipynb", "DIDFuse Table III (fusion strategies)")),
    ("code", 'frames = []\n'
             'for i in range(P["runs"]):\n'
             '    model = D.train_run(D.spec_from_params(P, "none", i), device=P["device"]).model\n'
             '    for label, (name, split) in D.VAL_SETS.items():\n'
             '        df = D.evaluate_strategies(model, name, split, limit=P["val_limit"], tile=P["tile"],\n'
             '                                   device=P["device"])\n'
             '        frames.append(df.assign(run=i, dataset=label))\n'
             'per_pair = pd.concat(frames, ignore_index=True)\n'
             'st.table("table3_per_pair", per_pair, "Table III: metrics per validation pair, strategy and training",\n'
             '         index=False)\n'
             'per_pair.groupby("strategy").size()'),
    ("md", "## Table III (ours)"),
    ("code", 'agg = D.mean_std_over_runs(per_pair, ["dataset", "strategy"])\n'
             'tables = {}\n'
             'for ds in agg.index.get_level_values(0).unique():\n'
             '    a = agg.loc[ds]\n'
             '    t = D.pm(a["mean"], a["std"]).T[list(D.STRATEGIES)]\n'
             '    t.columns = [D.STRATEGIES[c] for c in t.columns]\n'
             '    tables[ds] = t\n'
             '    n_pairs = per_pair[per_pair.dataset == ds].pair.nunique()\n'
             '    st.table("table3", t, f"Table III on {ds} ({n_pairs} pairs, {P[\'runs\']} training(s); mean ± std over "\n'
             '             f"trainings). " + D.training_note(P))\n'
             '    st.table("table3_numeric", a["mean"].T[list(D.STRATEGIES)], f"Table III on {ds}: means (numeric)")\n'
             'tables[ds]'),
    ("md", "## Beside the paper\n\nReported values (NIR-Street, NIR-Urban) and the winning strategy per metric, "
           "ours vs. reported."),
    ("code", 'rep = paper_tables.load("didfuse", 3)\n'
             'rows = []\n'
             'for m in D.METRICS:\n'
             '    row = {"metric": m}\n'
             '    for ds, a in agg.groupby(level=0):\n'
             '        means = a.xs(ds)["mean"][m]\n'
             '        row[f"best (ours, {ds})"] = D.STRATEGIES[means.idxmax()]\n'
             '    for ds, r in rep[rep.metric == m].groupby("dataset"):\n'
             '        row[f"best (paper, {ds})"] = D.STRATEGIES[r.set_index("strategy")["mean"].idxmax()]\n'
             '    rows.append(row)\n'
             'winners = pd.DataFrame(rows)\n'
             'st.table("table3_winners", winners, "Table III: best strategy per metric, ours vs. the paper", index=False)\n'
             'reported = rep.assign(value=rep["mean"].map("{:.3f}".format) + " ± " + rep["std"].map("{:.3f}".format))\\\n'
             '    .pivot_table(index=["dataset", "metric"], columns="strategy", values="value", aggfunc="first")\\\n'
             '    [list(D.STRATEGIES)].rename(columns=D.STRATEGIES)\n'
             'st.table("table3_reported", reported, "Table III as reported in the paper (NIR-Street, NIR-Urban)")\n'
             'winners'),
    ("code", 'st.finish()'),
]

NB12 = [
    ("md", "# DIDFuse — Table IV: ablations\n\n" + INTRO +
     "\n\nFive ablations, each trained `ablation_runs` times with the same settings as the full model (the full "
     "model's runs are shared with the training notebook): 1 no base branch (eq. 26), 2 no detail branch "
     "(eq. 27), 3 no decomposition loss (eq. 28), 4 plain auto-encoder (eq. 29), 5 no skip connections. "
     "Every model fuses the validation pairs with the same rule (`ablation_rule`, default `rule`); values are "
     "averaged over the trainings; in each experiment the larger value wins, and the last row counts the wins."),
    ("params", PARAMS),
    ("code", SETUP),
    ("code", study("table4", "12_didfuse_ablations.ipynb", "DIDFuse Table IV (ablations)")),
    ("code", 'arule = P["ablation_rule"] or P["rule"]\n'
             'frames = []\n'
             'for abl in D.ABLATION_NAMES:\n'
             '    for i in range(P["ablation_runs"]):\n'
             '        model = D.train_run(D.spec_from_params(P, abl, i), device=P["device"], progress=True).model\n'
             '        fuse = D.model_fuser(model, arule, tile=P["tile"], device=P["device"])\n'
             '        for label, (name, split) in D.VAL_SETS.items():\n'
             '            df, _ = D.evaluate_fuser(fuse, name, split, limit=P["val_limit"])\n'
             '            frames.append(df.assign(run=i, dataset=label, ablation=abl))\n'
             'per_pair = pd.concat(frames, ignore_index=True)\n'
             'st.table("table4_per_pair", per_pair, f"Table IV: metrics per validation pair (rule {arule})", index=False)\n'
             'agg = D.mean_std_over_runs(per_pair, ["dataset", "ablation"])["mean"]\n'
             'agg'),
    ("md", "## Table IV (ours)"),
    ("code", 'out = {}\n'
             'for ds in agg.index.get_level_values(0).unique():\n'
             '    a = agg.loc[ds]\n'
             '    cols, counts = {}, {}\n'
             '    for k, (abl, desc) in D.ABLATIONS.items():\n'
             '        o, t = a.loc["none"], a.loc[abl]\n'
             '        cols[(f"Exp. {k}: {abl}", "Ours")] = [f"**{x:.3f}**" if x > y else f"{x:.3f}" for x, y in zip(o, t)]\n'
             '        cols[(f"Exp. {k}: {abl}", "Test")] = [f"**{y:.3f}**" if y > x else f"{y:.3f}" for x, y in zip(o, t)]\n'
             '        counts[k] = D.larger_value_counts(o, t)\n'
             '    t4 = pd.DataFrame(cols, index=list(D.METRICS))\n'
             '    t4.loc["Overall # larger value"] = [str(counts[k][j]) for k in D.ABLATIONS for j in (0, 1)]\n'
             '    t4.columns = [f"{a} / {b}" for a, b in t4.columns]\n'
             '    out[ds] = (t4, counts)\n'
             '    st.table("table4", t4, f"Table IV on {ds}: full model (Ours) vs. ablation (Test), mean over "\n'
             '             f"{P[\'ablation_runs\']} training(s) each, rule {arule}, larger value in bold. " + D.training_note(P))\n'
             't4'),
    ("md", "## Beside the paper\n\nThe paper's overall counts (both validation scenes together): 12/0, 10/2, "
           "11/1, 9/3, 12/0 — the full model wins every experiment."),
    ("code", 'rep = paper_tables.load("didfuse", 4)\n'
             'rows = []\n'
             'for k, (abl, desc) in D.ABLATIONS.items():\n'
             '    r = rep[rep.experiment == k]\n'
             '    ours_counts = [out[ds][1][k] for ds in out]\n'
             '    rows.append({"experiment": k, "ablation": desc,\n'
             '                 "ours: full wins / ablation wins": " + ".join(f"{a}/{b}" for a, b in ours_counts),\n'
             '                 "paper: full wins / ablation wins": f"{int((r.ours > r.test).sum())}/{int((r.test > r.ours).sum())}"})\n'
             'cmp4 = pd.DataFrame(rows)\n'
             'st.table("table4_vs_paper", cmp4, "Table IV: overall # larger value, ours (per validation set) vs. paper "\n'
             '         "(NIR-Street + NIR-Urban)", index=False)\n'
             'st.table("table4_reported", rep.pivot_table(index=["dataset", "metric"], columns="experiment",\n'
             '                                              values=["ours", "test"]),\n'
             '         "Table IV as reported in the paper")\n'
             'cmp4'),
    ("code", 'st.finish()'),
]

NB13 = [
    ("md", "# DIDFuse — Table V, Fig. 5 and Fig. 6: comparison on the test sets\n\n" + INTRO +
     "\n\nMethods run here on the same pairs: our trained DIDFuse (run 0, rule `rule`), the released DIDFuse "
     "IJCAI checkpoint (its test code's Sum rule), the released IFCNN (MAX rule, IR/VIS) and the classical "
     "baselines of `fusionkit.methods`. The paper's rows (FusionGAN ... DIDFuse) are shown beside as "
     "*reported*; they were not re-run (no released weights for most). Fig. 6 repeats our model over "
     "`repro_runs` independent trainings."),
    ("params", PARAMS),
    ("code", SETUP),
    ("code", study("table5", "13_didfuse_comparison.ipynb", "DIDFuse Table V, Fig. 5, Fig. 6")),
    ("code", 'from fusionkit import methods\n'
             'ours = D.train_run(D.spec_from_params(P, "none", 0), device=P["device"], progress=True)\n'
             'fusers = {"DIDFuse (ours)": D.model_fuser(ours.model, P["rule"], tile=P["tile"], device=P["device"]),\n'
             '          "DIDFuse-IJCAI (released)": D.method_fuser(methods.get("didfuse-ijcai", device=P["device"])),\n'
             '          "IFCNN-MAX (released)": D.method_fuser(methods.get("ifcnn-max", device=P["device"]))}\n'
             'fusers.update({m: D.method_fuser(methods.get(m)) for m in P["baselines"]})\n'
             'frames, kept = [], {}\n'
             'for label, (name, split) in D.TEST_SETS.items():\n'
             '    for method, fuse in fusers.items():\n'
             '        df, imgs = D.evaluate_fuser(fuse, name, split, limit=P["test_limit"], keep=1)\n'
             '        frames.append(df.assign(dataset=label, method=method))\n'
             '        kept[(label, method)] = imgs\n'
             'per_pair = pd.concat(frames, ignore_index=True)\n'
             'st.table("table5_per_pair", per_pair, "Table V: metrics per test pair and method", index=False)\n'
             'per_pair.groupby(["dataset", "method"]).size().unstack(0)'),
    ("md", "## Table V (ours, run here)"),
    ("code", 'means = per_pair.groupby(["dataset", "method"], sort=False)[list(D.METRICS)].mean()\n'
             'for ds in D.TEST_SETS:\n'
             '    n_pairs = per_pair[per_pair.dataset == ds].pair.nunique()\n'
             '    st.table(f"table5_{ds.lower().replace(\'-\', \'_\')}", D.mark_best(means.loc[ds]),\n'
             '             f"Table V, {ds} ({n_pairs} pairs): methods run here; best bold, second underlined. "\n'
             '             + D.training_note(P))\n'
             'st.table("table5_numeric", means, "Table V: mean per test set and method (numeric)")\n'
             'D.mark_best(means.loc["TNO"])'),
    ("md", "## Beside the paper\n\nThe paper's Table V (reported) next to the rows run here, per test set. "
           "Our DIDFuse row and the paper's DIDFuse row are the direct comparison; NIR-Forest/Field are "
           "reported only."),
    ("code", 'rep = paper_tables.load("didfuse", 5)\n'
             'rep_wide = rep.pivot_table(index=["dataset", "method"], columns="metric", values="value", sort=False)\\\n'
             '    [list(D.METRICS)]\n'
             'both = pd.concat({"run here": means, "reported": rep_wide}, names=["source"])\\\n'
             '    .reorder_levels(["dataset", "source", "method"]).sort_index(level=0, sort_remaining=False)\n'
             'st.table("table5_with_reported", both, "Table V: methods run here and the paper\'s reported rows")\n'
             'from fusionkit.report import compare_with_paper\n'
             'ours_rows = means.xs("DIDFuse (ours)", level="method")\n'
             'paper_rows = rep_wide.xs("DIDFuse", level="method").reindex(ours_rows.index)\n'
             'cmp5 = compare_with_paper(ours_rows, paper_rows)\n'
             'st.table("table5_didfuse_vs_paper", cmp5, "Our trained DIDFuse vs. the paper\'s DIDFuse row. "\n'
             '         + D.training_note(P))\n'
             'cmp5'),
    ("md", "## Fig. 5: qualitative comparison\n\nOne pair per test set; orange and blue boxes are enlarged "
           "in the corners."),
    ("code", 'from fusionkit.data import FusionDataset\n'
             'show = ["DIDFuse (ours)", "DIDFuse-IJCAI (released)", "IFCNN-MAX (released)"] + \\\n'
             '       [m for m in ("gff", "mgff", "tif") if m in fusers]\n'
             'cols = []\n'
             'for label, (name, split) in list(D.TEST_SETS.items())[: max(1, P["figure_pairs"])]:\n'
             '    it = FusionDataset(name, split, mode="gray", limit=1)[0]\n'
             '    col = {"infrared": it["a"][0].numpy(), "visible": it["b"][0].numpy()}\n'
             '    col.update({m: kept[(label, m)][it["name"]] for m in show})\n'
             '    cols.append(col)\n'
             'fig5 = D.zoom_grid(cols, ["infrared", "visible"] + show)\n'
             'st.figure("fig5_qualitative", fig5)'),
    ("md", "## Fig. 6: reproducibility over independent trainings"),
    ("code", 'rows = []\n'
             'ours0 = per_pair[per_pair.method == "DIDFuse (ours)"]  # run 0 was scored above\n'
             'for label in D.TEST_SETS:\n'
             '    rows.append({"dataset": label, "run": 0, **ours0[ours0.dataset == label][list(D.METRICS)].mean().to_dict()})\n'
             'for i in range(1, P["repro_runs"]):\n'
             '    model = D.train_run(D.spec_from_params(P, "none", i), device=P["device"], progress=True).model\n'
             '    fuse = D.model_fuser(model, P["rule"], tile=P["tile"], device=P["device"])\n'
             '    for label, (name, split) in D.TEST_SETS.items():\n'
             '        df, _ = D.evaluate_fuser(fuse, name, split, limit=P["test_limit"])\n'
             '        rows.append({"dataset": label, "run": i, **df[list(D.METRICS)].mean().to_dict()})\n'
             'per_run = pd.DataFrame(rows)\n'
             'st.table("fig6_per_run", per_run, f"Fig. 6 data: our DIDFuse over {P[\'repro_runs\']} training(s). "\n'
             '         + D.training_note(P), index=False)\n'
             'reference = means.drop(index="DIDFuse (ours)", level="method")\n'
             'fig6 = D.reproducibility_figure(per_run, reference)\n'
             'st.figure("fig6_reproducibility", fig6)\n'
             'per_run'),
    ("code", 'st.finish()'),
]

if __name__ == "__main__":
    notebook(NB10, "10_didfuse_training.ipynb")
    notebook(NB11, "11_didfuse_strategies.ipynb")
    notebook(NB12, "12_didfuse_ablations.ipynb")
    notebook(NB13, "13_didfuse_comparison.ipynb")
    print("wrote notebooks/1[0-3]_didfuse_*.ipynb")

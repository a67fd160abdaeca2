# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # DIDFuse: training, loss curves (Fig. 3) and the base/detail decomposition (Fig. 4)
#
# Paper: Zhao et al., *When Image Decomposition Meets Deep Learning: A Novel Infrared and Visible Image
# Fusion Method* (extended DIDFuse, `../shared/papers/002_ecde006f96d54dd5.txt`). Data substitutes: the
# NIR Mountain/Water (training) and Urban/Street (validation) scenes are not obtainable; FLIR-Train + the
# RoadScene *train* split train, the RoadScene *val* split validates (`didfuse.SUBSTITUTES`). Only the
# `paper` profile uses the published schedule; `smoke` and `quick` numbers are **not** a reproduction.
#
# The full model is trained `cfg.runs` times (seeds `seed`, `seed+1`, ...); Tables III-V reuse these
# runs (model zoo, else `$FUSIONKIT_RUNS_DIR/didfuse/`, else they are trained here).

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.didfuse.PRESETS)
overrides = {}  # e.g. {"epochs": 3}; names and types are checked against fusionkit.studies.didfuse.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import didfuse

cfg = didfuse.config(profile, **overrides)
report = Report.start("didfuse", cfg, notebook="10_didfuse_training.ipynb", datasets=didfuse.DATASETS)
print(didfuse.training_note(cfg))

# %% [markdown]
# ## Trainings and Fig. 3: the loss terms per epoch
#
# The paper: "all loss curves are very flat after 120 epochs" (Fig. 3).

# %%
report.add(didfuse.trainings(cfg))

# %% [markdown]
# ## Fig. 4: deep image decomposition
#
# The paper: the base maps B_I and B_V look alike (background), the detail maps D_I and D_V differ. Both
# map pairs are shown on shared grey scales, and in numbers for our run 0 and the released checkpoint.

# %%
report.add(didfuse.fig4(cfg))

# %% [markdown]
# ## Claims ledger (every claim of the paper, its test and verdict, from the tables committed so far)

# %%
report.finish()
report.ledger(didfuse)

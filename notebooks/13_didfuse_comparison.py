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
# # DIDFuse: Table V, Fig. 5 and Fig. 6, comparison on the test sets
#
# Paper: Zhao et al., *When Image Decomposition Meets Deep Learning: A Novel Infrared and Visible Image
# Fusion Method* (extended DIDFuse, `../shared/papers/002_ecde006f96d54dd5.txt`). Data substitutes: the
# NIR Mountain/Water (training) and Urban/Street (validation) scenes are not obtainable; FLIR-Train + the
# RoadScene *train* split train, the RoadScene *val* split validates (`didfuse.SUBSTITUTES`). Only the
# `paper` profile uses the published schedule; `smoke` and `quick` numbers are **not** a reproduction.
#
# Run here on the same pairs: our trained DIDFuse (run 0, rule `cfg.rule`), the released DIDFuse IJCAI
# checkpoint (its Sum rule), the released IFCNN-MAX and the classical baselines `cfg.baselines`. The
# paper's other rows are shown as *reported* (not re-run: no released weights for most).

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.didfuse.PRESETS)
overrides = {}  # e.g. {"epochs": 3}; names and types are checked against fusionkit.studies.didfuse.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import didfuse

cfg = didfuse.config(profile, **overrides)
report = Report.start("didfuse", cfg, notebook="13_didfuse_comparison.ipynb", datasets=didfuse.DATASETS)
print(didfuse.training_note(cfg))

# %% [markdown]
# ## Table V: every method on the test sets
#
# The paper: DIDFuse is "the best performer on all datasets in terms of almost all metrics". Each ranked
# table compares the methods on the pairs all of them were run on; the networks' means over all pairs are
# in `table5_numeric`.

# %%
t5 = didfuse.table5(cfg)
report.add(t5)  # written, and shown inline (the last line of a cell is displayed)

# %% [markdown]
# ## Fig. 5: qualitative comparison (one pair per test set; boxed regions enlarged)

# %%
report.add(didfuse.fig5(t5, cfg))

# %% [markdown]
# ## Fig. 6: reproducibility over independent trainings
#
# The paper: over 20 trainings DIDFuse "can basically keep the first place all the time".

# %%
report.add(didfuse.fig6(cfg, t5))

# %%
report.finish()
report.ledger(didfuse)

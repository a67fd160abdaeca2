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
# # DIDFuse: Table IV, ablations
#
# Paper: Zhao et al., *When Image Decomposition Meets Deep Learning: A Novel Infrared and Visible Image
# Fusion Method* (extended DIDFuse, `../shared/papers/002_ecde006f96d54dd5.txt`). Data substitutes: the
# NIR Mountain/Water (training) and Urban/Street (validation) scenes are not obtainable; FLIR-Train + the
# RoadScene *train* split train, the RoadScene *val* split validates (`didfuse.SUBSTITUTES`). Only the
# `paper` profile uses the published schedule; `smoke` and `quick` numbers are **not** a reproduction.
#
# Five ablations, each trained `cfg.ablation_runs` times like the full model: 1 no base branch (eq. 26),
# 2 no detail branch (eq. 27), 3 no decomposition loss (eq. 28), 4 plain auto-encoder (eq. 29), 5 no skip
# connections. Every model fuses the validation pairs with the same rule; the larger value is bold and
# the last row counts the wins.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.didfuse.PRESETS)
overrides = {}  # e.g. {"epochs": 3}; names and types are checked against fusionkit.studies.didfuse.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import didfuse

cfg = didfuse.config(profile, **overrides)
report = Report.start("didfuse", cfg, notebook="12_didfuse_ablations.ipynb", datasets=didfuse.DATASETS)
print(didfuse.training_note(cfg))

# %% [markdown]
# ## Table IV: the five ablations against the full model
#
# The paper: the full model has the larger value on most metrics in every ablation (12/0, 10/2, 11/1, 9/3,
# 12/0 over its two validation sets, 25 trainings a side). Our effects come with a Welch t-test over the
# trainings, so an effect within the training-to-training spread is called that.

# %%
report.add(didfuse.table4(cfg))

# %%
report.finish()
report.ledger(didfuse)

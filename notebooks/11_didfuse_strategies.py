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
# # DIDFuse: Table III, the six fusion-layer strategies
#
# Paper: Zhao et al., *When Image Decomposition Meets Deep Learning: A Novel Infrared and Visible Image
# Fusion Method* (extended DIDFuse, `../shared/papers/002_ecde006f96d54dd5.txt`). Data substitutes: the
# NIR Mountain/Water (training) and Urban/Street (validation) scenes are not obtainable; FLIR-Train + the
# RoadScene *train* split train, the RoadScene *val* split validates (`didfuse.SUBSTITUTES`). Only the
# `paper` profile uses the published schedule; `smoke` and `quick` numbers are **not** a reproduction.
#
# Each trained model fuses the validation pairs with the weighted-average, l1-attention and
# saliency-attention strategies, each without and with the channel attention module (eqs. 6-17). Per
# strategy: the mean over trainings of each metric's dataset mean, ± the std over trainings.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.didfuse.PRESETS)
overrides = {}  # e.g. {"epochs": 3}; names and types are checked against fusionkit.studies.didfuse.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import didfuse

cfg = didfuse.config(profile, **overrides)
report = Report.start("didfuse", cfg, notebook="11_didfuse_strategies.ipynb", datasets=didfuse.DATASETS)
print(didfuse.training_note(cfg))

# %% [markdown]
# ## Table III: the six fusion-layer strategies
#
# The paper: the strategies with CAM beat those without, the saliency attention beats l1 attention and the
# weighted average, and Sal-Att & CAM is best "especially in terms of SD, SF, VIF and AG".

# %%
report.add(didfuse.table3(cfg))

# %%
report.finish()
report.ledger(didfuse)

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

# %%
t3 = didfuse.table3(cfg)
report.tables(t3)
t3["table3"]

# %% [markdown]
# ## Beside the paper
#
# The paper (NIR-Street, NIR-Urban) finds Sal-Att & CAM best on most metrics and uses it from then on.
# Best strategy per metric, ours vs. the paper:

# %%
report.finish()
t3["table3_winners"]

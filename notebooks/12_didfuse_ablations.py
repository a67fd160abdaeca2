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

# %%
t4 = didfuse.table4(cfg)
report.tables(t4)
t4["table4"]

# %% [markdown]
# ## Beside the paper
#
# The paper's counts (both validation scenes together) are 12/0, 10/2, 11/1, 9/3 and 12/0: the full
# model wins every experiment.

# %%
t4["table4_vs_paper"]

# %% [markdown]
# Counts hide how large each effect is against training noise: per ablation and metric, the difference
# full minus ablation over independent trainings, a Welch t-test over the per-training means, and
# whether its direction agrees with the paper's on both, one or none of its two validation scenes.

# %%
report.finish()
t4["table4_effects"]

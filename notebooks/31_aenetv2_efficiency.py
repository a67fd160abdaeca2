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
# # AE-Netv2: efficiency and architectures (Tables V-VII, Figs 4-5 and 10)
#
# Paper: Fang et al., AE-Netv2 (`../shared/papers/004_7c5282c5fbda296f.txt`). Its claim is efficiency:
# 9.8 ms per 400x400 pair for AE-Netv2 on an RTX 2070, 5,378 parameters, 0.069 MB. Here every time,
# size, parameter and FLOP count is **measured** on this machine for every method we can run; the
# paper's values stand beside ours. Networks: trained in notebook 30 (zoo). `smoke` numbers are **not** a
# reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.aenetv2.PRESETS)
overrides = {}  # e.g. {"time_pairs": 50}; checked against fusionkit.studies.aenetv2.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import aenetv2

cfg = aenetv2.config(profile, **overrides)
report = Report.start("aenetv2", cfg, notebook="31_aenetv2_efficiency.ipynb", datasets=aenetv2.DATASETS)

# %% [markdown]
# ## Table VI: parameters and FLOPs at 400x400

# %%
report.add(aenetv2.table6(cfg))

# %% [markdown]
# ## Table V: time per 400x400 grey pair on this machine
#
# The paper: AE-Netv2-GCB 9.8 ms on an RTX 2070, faster than every compared method.

# %%
runs = aenetv2.trained_nets(cfg)
t5 = aenetv2.table5(cfg, runs)
report.add(t5)  # written, and shown inline (the last line of a cell is displayed)

# %% [markdown]
# ## Table VII: the architectures, mean over the tasks of each task's mean
#
# The paper: Squeeze+GCB (1.61) above GCB (1.29), Squeeze2+GCB slightly higher (1.67); GCB has the
# smallest time and size.

# %%
t7 = aenetv2.table7(cfg, runs, t5.data["times"])
report.add(t7)  # written, and shown inline (the last line of a cell is displayed)

# %% [markdown]
# ## Fig. 10 (quality, time and size) and Figs 4-5 (one test pair per task)

# %%
report.add(aenetv2.fig10(t7))

# %%
report.add(aenetv2.fig_tasks(cfg, runs))

# %%
report.finish()
report.ledger(aenetv2)

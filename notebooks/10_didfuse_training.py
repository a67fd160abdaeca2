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
# ## Trainings (paper Sec. IV-A: Adam, lr 1e-3 /10 every 40 epochs, 120 epochs, batch 24, 128x128)

# %%
runs, tables = didfuse.trainings(cfg)
report.tables(tables)
tables["training_runs"]

# %% [markdown]
# ## Fig. 3: loss curves (run 0)
#
# The paper shows every loss term flattening out well before epoch 120.

# %%
fig = didfuse.fig3(runs[0])
report.figure("fig3_loss_curves", fig)
tables["fig3_loss_log"].df.tail()

# %% [markdown]
# ## Fig. 4: base and detail feature maps
#
# First channel of conv3 (base) and conv4 (detail) for the first TNO pair; $B_I$ and $B_V$ share one grey
# scale, $D_I$ and $D_V$ another. The paper: $B_I$ and $B_V$ look alike (background, low frequencies),
# while $D_I$ and $D_V$ differ (thermal targets vs. texture).

# %%
fig = didfuse.fig4(runs[0])
report.figure("fig4_feature_maps", fig)

# %% [markdown]
# The same split in numbers, for our model and the authors' released checkpoint: base maps of the two
# sources should correlate, detail maps should not; the paper calls the base the low-frequency part.

# %%
from fusionkit import methods

stats = didfuse.decomposition_stats({"ours (run 0)": runs[0].model,
                                     "released IJCAI checkpoint": methods.get("didfuse-ijcai").model})
report.table("fig4_decomposition", stats)
report.finish()
stats

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
# # FMMF: the trainings and the ablation chain (Tables 4-7)
#
# Paper: Rao, Wu, Xu & Chen, *Unsupervised Image Fusion Method based on Feature Mutual Mapping*
# (`../shared/papers/003_c3d5f9f507403807.txt`). FMMF encodes each source with its own multi-scale encoder
# (a 3x3 convolution and res-blocks, down-sampling between them), fuses every scale with the *mapping fusion
# module* (a cross-modal attention map applied to each modality, eq. 1), aggregates the scales in the decoder
# and is trained end to end with one loss, Var-SSIM (eq. 2-5): per 11x11 window, SSIM with the source of
# larger variance. How we read each ambiguous part of the text: `docs/studies/fmmf.md`.
#
# Substitutes (`fmmf.SUBSTITUTES`): KAIST (40,000 pairs) is not obtainable, so FLIR-Train + the RoadScene
# *train* split (317 pairs) train every model. Only the `paper` profile uses the paper's schedule (on this
# substitute data); `smoke` and `quick` numbers are **not** a reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.fmmf.PRESETS)
overrides = {}  # checked against fusionkit.studies.fmmf.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import fmmf

cfg = fmmf.config(profile, **overrides)
report = Report.start("fmmf", cfg, notebook="40_fmmf_training.ipynb", datasets=fmmf.DATASETS)
print(fmmf.training_note(cfg))

# %% [markdown]
# ## The trainings
#
# The paper's tables reuse rows: Table 4's "Ours-Net" is Table 5's "Ours(Mean)", Table 5's "Ours(Var)" is
# Table 6's "Concat", and Table 6's "Mapping" is Table 7's "3-layers" and Table 1's "Ours". So seven
# trainings cover Tables 1 and 4-7. A second seed of the main model (`mapping-1`) gives the spread that a
# difference between variants has to exceed. The last-third drop in `training_runs` shows each plateau.

# %%
report.add(fmmf.trainings(cfg))

# %% [markdown]
# ## Tables 4-7: network, loss criterion, fusion, depth
#
# Every variant is scored once on the ir-vis test set with Table 1's metrics (`ablations_per_pair`). The
# main model's two seeds are in `seed_spread`.

# %%
t = fmmf.tables4_to_7(cfg)
report.add(t[0])

# %% [markdown]
# Table 4. The paper: our network beats VIF-Net with the same loss (the mean criterion) and the same
# concatenation fusion. `table4_differences` gives the difference per metric, ours beside the paper's.

# %%
report.add(t[4])

# %% [markdown]
# Table 5. The paper: the variance criterion is ahead of the mean criterion "in all aspects".

# %%
report.add(t[5])

# %% [markdown]
# Table 6. The paper: mapping > concat > add.

# %%
report.add(t[6])

# %% [markdown]
# Table 7. The paper: depth 4 and 5 do not improve on depth 3.

# %%
report.add(t[7])

# %%
report.finish()
report.ledger(fmmf)

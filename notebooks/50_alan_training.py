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
# # ALAN: the trainings, the fusion criteria (Fig. 10) and the auxiliary tasks (Fig. 11)
#
# Paper: Fang, Zhao & Zhang, *A Cross-Modal Image Fusion Theory Guided by Human Visual Characteristics*
# (`../shared/papers/000_16b15fdaa67320e9.txt`). ALAN fuses two grey images with a network of multi-scale
# convolutions and channel attention (eq. 5) that predicts per-pixel, non-linear fusion weights (eq. 6).
# Two sub-task networks, trained first and then frozen, feed it through lateral connections (eq. 7): a
# reconstruction network (restores degraded images) and a multi-focus network (the main skeleton, supervised).
# The loss is L_SSIM + L_PSNR + L_content + L_MSE (eq. 8). No code is released and the paper prints no number:
# every figure becomes a measured table here. How we read each open part of the text: `docs/studies/alan.md`.
#
# Substitutes (`alan.SUBSTITUTES`): CVS is private and COCO is not obtainable, so FLIR-Train + the RoadScene
# *train* split train every task. Lytro is a test set, so the multi-focus task trains on synthetic pairs.
# `smoke` and `quick` numbers are **not** a reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.alan.PRESETS)
overrides = {}  # checked against fusionkit.studies.alan.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import alan

cfg = alan.config(profile, **overrides)
report = Report.start("alan", cfg, notebook="50_alan_training.ipynb", datasets=alan.DATASETS)
print(alan.training_note(cfg))

# %% [markdown]
# ## The trainings
#
# The sub-tasks first (`recon`, `focus`), then the main model (`full`), the other networks of Fig. 11, the
# no-attention ablation of §4.1, then a second seed of `single` and `full`. The main-task loss is flat from the
# first epoch: the learned weights settle near 0.5/0.5 (docs/studies/alan.md, "The quick trainings").

# %%
report.add(alan.trainings(cfg))

# %% [markdown]
# ## Fig. 10: the fusion criteria
#
# The full network's learned weights against max, sum and the 0.5/0.5 average put in their place (applied to
# the trained network, not retrained). The paper: on ir-vis the learned criterion is generally superior, sum
# is very like the average, max is poor; on multi-focus the learned one is the clearest.

# %%
report.add(alan.fig10(cfg))

# %% [markdown]
# ## Fig. 11: the auxiliary tasks
#
# The single unsupervised network, + reconstruction, the multi-focus network alone, multi-focus +
# reconstruction, and the full auxiliary network (with the no-attention ablation beside them), on both test
# sets. The paper's central claim is that the auxiliary tasks make the network more general across data
# sets. `fig11_runs` holds every training of `single` and `full`: the ledger judges the claim against their
# spread.

# %%
report.add(alan.fig11(cfg))

# %%
report.finish()
report.ledger(alan)

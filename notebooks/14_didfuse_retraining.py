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
# # DIDFuse: does retraining reproduce the authors' checkpoint?
#
# Not a table of the paper: the question users of released fusion code ask most. Paper: Zhao et al.,
# *DIDFuse: Deep Image Decomposition for Infrared and Visible Image Fusion* (IJCAI 2020), whose checkpoint
# the authors released, and the extended paper (`../shared/papers/002_ecde006f96d54dd5.txt`).
#
# Same network, loss ('released', the authors' train.py), data (FLIR-Train) and metrics as the released
# checkpoint; fused with the released code's sum rule and scored in the standard metric convention on the
# three test sets. Three trainings: `ijcai-setup` on our quick schedule (64x64 crops, batch 8), `ijcai-paper`
# on the released code's own (128x128 random crops, batch 24, 120 epochs, lr /10 at 40 and 80) and
# `ijcai-center`, the same with the released code's fixed centre crops. The last two take 1-2 CPU hours each
# and are trained by `fusionkit train --paper didfuse --profile quick --select NAME --zoo`, never from this
# notebook. Target: within 3 % on EN, SD, VIF and SCD and 6 % on SF and AG.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.didfuse.PRESETS)
overrides = {}  # e.g. {"ijcai_limit": 5}; names and types are checked against fusionkit.studies.didfuse.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import didfuse

cfg = didfuse.config(profile, **overrides)
report = Report.start("didfuse", cfg, notebook="14_didfuse_retraining.ipynb", datasets=didfuse.DATASETS)

# %% [markdown]
# ## Trained here vs the authors' checkpoint, per test set
#
# Each cell: the relative difference of our mean from the checkpoint's, and a paired t-test over the pairs
# (is the gap beyond the pair-to-pair spread?).

# %%
compared = didfuse.trained_vs_released(cfg)
report.add(compared)

# %% [markdown]
# ## Is the gap beyond the training-to-training spread?
#
# The spread over the Fig. 6 trainings (several seeds of one schedule), and each gap above in units of it.

# %%
report.add(didfuse.seed_spread(cfg, compared["trained_vs_released"].df))

# %% [markdown]
# ## The released training code against ours
#
# What else could make the gap: each choice of the released `train.py` beside ours, and which training tests it.

# %%
report.add(didfuse.released_training(cfg))

# %% [markdown]
# ## Eq. (1): the decomposition each model learned
#
# The loss pulls the two sources' base features together and pushes their detail features apart; a
# retraining that reproduces the checkpoint should land near its gaps.

# %%
report.add(didfuse.decomposition_gaps(cfg))

# %%
report.finish()
report.ledger(didfuse)

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
# # AE-Netv2: autonomous-evolution training, continuous learning, mixture vs single task (Fig. 8)
#
# Paper: Fang et al., *AE-Netv2: Optimization of Image Fusion Efficiency and Network Architecture*
# (`../shared/papers/004_7c5282c5fbda296f.txt`). Algorithm 1: every training crop is fused by each method
# of an algorithm library; the best result under a quality evaluator E becomes the crop's target O, and the
# network (Fig. 2: C1, a group-convolution block with channel shuffle, C2; 5,378 parameters) learns O.
# E is our `Combined` metric (the paper's E_2 is not defined in it); the loss is our reading of the
# garbled pseudo-code (`fusionkit.losses.aenet_loss`). Targets are cached per method, so retraining never
# recomputes them. `smoke` numbers are **not** a reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.aenetv2.PRESETS)
overrides = {}  # e.g. {"nets": ["aenetv2-gcb"]}; checked against fusionkit.studies.aenetv2.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import aenetv2

cfg = aenetv2.config(profile, **overrides)
report = Report.start("aenetv2", cfg, notebook="30_aenetv2_training.ipynb", datasets=aenetv2.DATASETS)
print(aenetv2.training_note(cfg))

# %% [markdown]
# ## Targets: which library method wins where (Algorithm 1)

# %%
report.add(aenetv2.targets_table(cfg))

# %% [markdown]
# ## Training (Table II: 10 epochs at 1e-3, then 100 at 1e-4, batch 16, 128x128)
#
# The paper: the loss "quickly converges to 0.4" in the first phase; GCB then oscillates at 0.4-0.5 while
# the other architectures reach 0.28 (Sec. IV-C1). Our loss is our reading of the pseudo-code.

# %%
report.add(aenetv2.trainings(cfg))

# %% [markdown]
# ## Continuous learning: adding a method to the library
#
# The paper: adding algorithms to the library improves the network. We train the same network with the
# library minus the method that supplies the most targets, then with it.

# %%
report.add(aenetv2.continual(cfg))

# %% [markdown]
# ## Fig. 8: commonness vs characteristics (mixture vs single-task training)
#
# The paper finds the network trained on the mixture of tasks better than single-task training.

# %%
report.add(aenetv2.fig8(cfg))

# %%
report.finish()
report.ledger(aenetv2)

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
# # JCAE: training, the loss weight λ (Fig. 5) and MSE vs MSE+SSIM (Fig. 4)
#
# Paper: Zhang, Gao, Xiong, Luo & Wu, *A Joint Convolution Auto-encoder Network for Infrared and Visible
# Image Fusion* (`../shared/papers/001_6362801b0cc60012.txt`). JCAE encodes each source with a private
# branch and a common branch whose weights both sources share (eq. 2-4), decodes every feature set with
# one shared decoder and is trained with L = MSE + λ(1 − SSIM), λ = 100 (eq. 5-7).
#
# Substitutes (`jcae.SUBSTITUTES`): the IFCNN training set is not released, so FLIR-Train + the RoadScene
# *train* split train (resized to the paper's 360x280); VGG19 ImageNet weights cannot be downloaded here,
# so the encoder starts from random weights unless `vgg19` names a file. Only the `paper` profile uses the
# published setting; `smoke` and `quick` numbers are **not** a reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.jcae.PRESETS)
overrides = {}  # e.g. {"vgg19": "/path/vgg19-dcbb9e9d.pth"}; checked against fusionkit.studies.jcae.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import jcae

cfg = jcae.config(profile, **overrides)
report = Report.start("jcae", cfg, notebook="20_jcae_training.ipynb", datasets=jcae.DATASETS)
print(jcae.training_note(cfg))

# %% [markdown]
# ## Trainings: the Table 1 model (λ = 100), MSE only (λ = 0) and the λ of Fig. 5
#
# "last-third drop" is how much the total loss still fell over the last third of the epochs: near zero
# means the training reached its plateau.

# %%
runs, tables = jcae.trainings(cfg)
report.tables(tables)
tables["training_runs"]

# %%
from fusionkit.train import plot_losses

fig = plot_losses(runs[cfg.lam].history)
report.figure("loss_terms", fig)

# %% [markdown]
# ## Fig. 5: total loss for λ ∈ {1, 10, 100, 1000}
#
# The paper: every λ converges after about 30 epochs; λ = 100 converges fastest and puts the MSE and
# the SSIM term on a similar order of magnitude.

# %%
fig = jcae.fig5(runs, cfg)
report.figure("fig5_lambda", fig)

# %% [markdown]
# ## Fig. 4: MSE only vs MSE + SSIM, on "street" and "bunker"
#
# Which TNO pairs these are (we looked at all 40; the paper's billboard "street" is not among them):

# %%
named = jcae.named_pairs_table()
report.table("named_pairs", named)
named

# %% [markdown]
# The paper: with MSE alone the billboard's characters and the bunker's edges blur; adding SSIM keeps
# them sharp.

# %%
fig, numbers = jcae.fig4(runs, cfg)
report.figure("fig4_mse_vs_ssim", fig)
report.table("fig4_metrics", numbers)
report.finish()
numbers

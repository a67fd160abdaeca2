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
# # JCAE: training, the loss weight λ (Fig. 5), MSE vs MSE+SSIM (Fig. 4) and the features of "street" (Fig. 6)
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
# ## Trainings and Fig. 5: the total loss for each λ
#
# The paper: beyond 30 epochs the loss converges whatever λ is, and λ = 100 converges faster.

# %%
report.add(jcae.trainings(cfg))

# %% [markdown]
# ## Fig. 4: MSE only against MSE + SSIM
#
# The paper: with the SSIM term the billboard's characters and the bunker's edges stay sharp.

# %%
report.add(jcae.fig4(cfg))

# %% [markdown]
# ## Fig. 6: private and common features of "street" and their fusion
#
# The paper: the private branches hold each source's own detail (billboard, pedestrians), the common branch
# the shared structure (car, road). One channel of each is shown, on shared grey scales.

# %%
report.add(jcae.fig6(cfg))

# %%
report.finish()
report.ledger(jcae)

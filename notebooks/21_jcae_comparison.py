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
# # JCAE: Table 1, Figs 6-8 and the fusion-rule ablation
#
# Paper: Zhang, Gao, Xiong, Luo & Wu, *A Joint Convolution Auto-encoder Network for Infrared and Visible
# Image Fusion* (`../shared/papers/001_6362801b0cc60012.txt`). Fusion (Sec. 2.5): the private features by
# choose-max (eq. 8), the common features by eq. 9 (choose-max on feature maps with few active positions,
# else weights from the summed activity); both fused sets are decoded and added.
#
# Run here on all 40 TNO pairs (the paper: 48): our JCAE (zoo `table1`, trained in notebook 20), GFF, LP
# (for the paper's LPSR), GTF, the released IFCNN-MAX and DIDFuse IJCAI checkpoints and our DIDFuse (zoo
# `table5`). The paper's CSR, MFCNN, DeepFuse, FusionGAN and DenseFuse rows are shown as reported.
# `smoke` and `quick` numbers are **not** a reproduction.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.jcae.PRESETS)
overrides = {}  # e.g. {"test_limit": 10}; checked against fusionkit.studies.jcae.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import jcae

cfg = jcae.config(profile, **overrides)
report = Report.start("jcae", cfg, notebook="21_jcae_comparison.ipynb", datasets=jcae.DATASETS)
print(jcae.training_note(cfg))

# %% [markdown]
# ## Which convention? Qcv, MI and SSIM on the paper's scale
#
# The paper's Qcv lies between 372 and 1090. Qcv is a weighted mean of squared (filtered) differences, so
# it scales with the square of the grey range: on 8-bit levels it is in the hundreds, on [0, 1] images
# 65,025 times smaller. MI in bits (our standard) and SSIM as a mean of the two sources' SSIM (not
# VIFB's sum) match the paper's ranges too. Table 1 uses the standard convention on 8-bit levels.

# %%
scale = jcae.metric_scale(cfg)
report.table("metric_scale", scale)
scale

# %% [markdown]
# ## Table 1: TNO, mean ± p (paired t-test of JCAE against the method)

# %%
t1 = jcae.table1(cfg, keep=cfg.figure_pairs)
report.tables(t1.tables)
t1.tables["table1"]

# %% [markdown]
# Our JCAE beside the paper's "Proposed" row, and the methods we ran beside the rows they stand for. The
# paper has JCAE best on SSIM, second to GAN on CC among the deep methods, and behind DeepFuse, DenseFuse
# and IFCNN on SCD.

# %%
t1.tables["table1_ours_vs_paper"]

# %%
t1.tables["table1_methods_vs_paper"]

# %% [markdown]
# ## Fusion-rule ablation: eq. 8/9 against sum, average and max (same trained model)
#
# The paper argues for its two rules (Sec. 2.5) but does not tabulate the alternatives. `eq8+eq9` reads
# eq. 9's layer activity L^m as a count of non-zero activations (our default), `eq8+eq9-sum` as their sum.

# %%
abl = jcae.rule_ablation(cfg)
report.tables(abl)
abl["rule_ablation"]

# %%
abl["rule_ablation_weighted_share"].df.tail(1)

# %% [markdown]
# ## Fig. 6: private and common features of "street" and their fusion

# %%
fig = jcae.fig6(cfg)
report.figure("fig6_features", fig)

# %% [markdown]
# ## Fig. 7: "street" by every method (boxed regions enlarged)

# %%
fig = jcae.fig7(t1)
report.figure("fig7_street", fig)

# %% [markdown]
# ## Fig. 8: the other pairs the paper shows (Boat is not among our TNO pairs)

# %%
fig = jcae.fig8(t1, cfg)
report.figure("fig8_pairs", fig)
report.finish()

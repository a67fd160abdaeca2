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
# # JCAE: Table 1, Figs 7-8 and the fusion-rule ablation
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
# ## Which convention puts Qcv, MI and SSIM on the paper's scale
#
# The paper's Qcv lies between 372 and 1090; Qcv scales with the square of the grey range, so it is on
# 8-bit levels (65,025 times smaller on [0, 1] images). Table 1 uses the standard convention on 8-bit levels.

# %%
report.add(jcae.metric_scale(cfg))

# %% [markdown]
# ## Table 1: TNO, mean ± p (paired t-test of JCAE against the method)
#
# The paper: JCAE first on SSIM, best among the deep methods on most metrics, behind the additive deep
# methods (DeepFuse, DenseFuse, IFCNN) on SCD.

# %%
t1 = jcae.table1(cfg)
report.add(t1)  # written, and shown inline (the last line of a cell is displayed)

# %% [markdown]
# ## Fusion-rule ablation: eq. 8/9 against sum, average and max (same trained model)
#
# The paper argues for its two rules (Sec. 2.5) but does not tabulate alternatives. `eq8+eq9` reads eq. 9's
# layer activity L^m as a count of non-zero activations (our default), `eq8+eq9-sum` as their sum.

# %%
report.add(jcae.rule_ablation(cfg))

# %% [markdown]
# ## Figs 7-8: "street" by every method, the other named pairs (Fig. 6 is in notebook 20)

# %%
report.add(jcae.fig7(t1))

# %%
report.add(jcae.fig8(t1, cfg))

# %%
report.finish()
report.ledger(jcae)

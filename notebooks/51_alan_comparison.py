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
# # ALAN: Fig. 9 and Figs 7-8, against every method we can run
#
# The full ALAN network (trained in notebook 50) against the methods of the paper's twenty that fusionkit has
# (LP, DTCWT, CBF, GTF, WLS, RP, wavelet, MSVD), the released IFCNN and our trained DIDFuse, JCAE, AE-Netv2 and
# FMMF, on TNO (our 40 pairs for the paper's unnamed 21) and IFCNN's 20 Lytro pairs. Fig. 9 plots CPBD, JNB,
# VIF and AG; its "VIF" cites Han et al., our VIFF. We add EN, SD and a noise estimate, which §4.2's sentences
# need. Paired t-tests of ALAN against each method: `fig9_ttests`.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.alan.PRESETS)
overrides = {}  # checked against fusionkit.studies.alan.Config

# %%
from fusionkit.report import Report
from fusionkit.studies import alan

cfg = alan.config(profile, **overrides)
report = Report.start("alan", cfg, notebook="51_alan_comparison.ipynb", datasets=alan.DATASETS)
print(alan.training_note(cfg))

# %% [markdown]
# ## Fig. 9: CPBD, JNB, VIF and AG
#
# The paper: ALAN scores better than the existing methods on every data set, except IFCNN on multi-focus;
# ALAN and IFCNN are both ahead of the traditional GTF and RP.

# %%
report.add(alan.fig9(cfg))

# %% [markdown]
# ## Figs 7 and 8: images
#
# The paper's pairs are not named: the first TNO and the first Lytro pair. §4.2 says ALAN recovers more
# detail with less noise, IFCNN has higher contrast but more noise, and CBF and IFCNN add edge oscillation.

# %%
report.add(alan.fig7_fig8(cfg))

# %%
report.finish()
report.ledger(alan)

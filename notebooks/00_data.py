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
# # 00 · The datasets of the study
#
# Every paper in this study evaluates on public image-fusion benchmarks, and some train on private or
# very large sets. This notebook lists **every dataset the five papers use**, what fusionkit has of it
# (from `data_manifest.yaml`, verified by sha256), the image sizes, which paper uses it for what, and the
# substitute we use where the original cannot be obtained. It ends with sample source pairs per task.

# %% tags=["parameters"]
profile = "smoke"  # smoke | quick | paper (fusionkit.studies.data.PRESETS)
overrides = {}  # e.g. {"samples_per_task": 4}; checked against fusionkit.studies.data.Config

# %%
from fusionkit import paths
from fusionkit.report import Report
from fusionkit.studies import data as study

cfg = study.config(profile, **overrides)
report = Report.start("data", cfg, notebook="00_data.ipynb", datasets=study.datasets())
print("data folder:", paths.data_dir())
cfg

# %% [markdown]
# ## Verification
#
# Every file in the manifest is hashed and compared with its recorded sha256 (the smoke profile checks
# presence only; `provenance` always records the hash check).

# %%
verification = study.verification(cfg)
report.table("verification", verification)
verification

# %% [markdown]
# ## Datasets, sizes, availability and use

# %%
tables = study.tables(cfg)
report.tables(tables)
tables["datasets"]

# %%
tables["unavailable"]

# %% [markdown]
# ## Sample source pairs per task

# %%
fig, drawn = study.samples(cfg)
report.figure("samples", fig)
report.finish()
drawn

# %% [markdown]
# ## Comparison with the papers
#
# * **DIDFuse** trains on FLIR-Train (180 pairs, available) plus NIR Mountain/Water and validates on NIR
#   Urban/Street (unavailable: RoadScene train/val splits stand in). It tests on TNO, FLIR-Test and
#   NIR-Country (available) and NIR Forest/Field (unavailable; those rows stay empty).
# * **ALAN** and **AE-Netv2** use the private CVS data: FLIR/RoadScene stand in. ALAN's reconstruction
#   subtask uses COCO-2014 (unavailable).
# * **FMMF** trains on 40,000 KAIST pairs (unavailable; FLIR/RoadScene stand in) and tests on TNO-derived
#   pairs, Lytro and the IFCNN medical pairs (available).
# * **JCAE** trains on the IFCNN training set (unreleased) and tests on 48 TNO pairs (we have 40 + 25).
#
# Every report of a study names the substitute used for each unavailable dataset.

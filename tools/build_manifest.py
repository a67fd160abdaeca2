"""Regenerate ``data_manifest.yaml`` from a local copy of the upstream data.

Developer tool, not part of the package. It hashes every file of every dataset and
checkpoint under ``--data`` / ``--weights`` (laid out as upstream publishes them),
pairs the files by the rules below and writes the manifest. The pairing rules,
upstream commits, licences and paper usage are written here once, by hand.

    python tools/build_manifest.py --data ../shared/data --weights ../shared/weights
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import numpy as np
import yaml

GH = "https://raw.githubusercontent.com"
REPOS = {
    "didfuse": ("Zhaozixiang1228/IVIF-DIDFuse", "5f287300dce7cbc90b9e08e6872455af6baa279f"),
    "ifcnn": ("uzeful/IFCNN", "8fe59c2b1553e52acc793986208ca479d134a8da"),
    "roadscene": ("hanna-xu/RoadScene", "ab71420f8fc96396eeb97eecf3694909b3feb656"),
    "vifb": ("xingchenzhang/VIFB", "22b2ea9d91499cc5962d9bdcae9c290270f0fade"),
    "cddfuse": ("Zhaozixiang1228/MMIF-CDDFuse", "fd8da1f39d8d403b7343e577bd5a30cba38c7b7b"),
}
# local top folder -> folder inside the upstream repository that it mirrors
UPSTREAM_PREFIX = {"didfuse": "", "ifcnn": "Code/", "roadscene": "", "vifb": "", "cddfuse": ""}
JUNK = {"Thumbs.db", ".DS_Store"}

LIC_TNO = ("TNO Image Fusion Dataset (Toet, figshare), free for research use with citation of "
           "A. Toet, 'The TNO multiband image data collection', Data in Brief 15 (2017)")
LIC_FLIR = ("FLIR thermal starter dataset (Teledyne FLIR ADAS), free for non-commercial research; "
            "redistributed in the DIDFuse repository")
LIC_NIR = ("RGB-NIR Scene Dataset (Brown & Suesstrunk, CVPR 2011, EPFL IVRL), research use with citation")
LIC_LYTRO = ("Lytro multi-focus dataset (Nejati et al., Information Fusion 25, 2015), research use with "
             "citation; redistributed in the IFCNN repository")
LIC_HARVARD = "Harvard Whole Brain Atlas (Johnson & Becker), free for research/education with citation"


def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def natural(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def name_order_split(names, n_train: int | None = None, train_share: float = 0.7,
                     extra_test=()) -> tuple[dict, str]:
    """A split by name: natural name order, the first ``n_train`` (default ``round(train_share * n)``)
    train, the rest test, so neighbouring slices/frames never straddle the split. ``extra_test``: further
    items (e.g. the entry's sequences) that no rule trains on, appended to ``test``.

    Returns (``splits`` mapping, ``split_note`` sentence)."""
    order = sorted(names, key=natural)
    k = n_train if n_train is not None else round(train_share * len(order))
    if not 0 < k < len(order):
        raise SystemExit(f"split of {len(order)} items with {k} for training leaves a side empty")
    rule = f"first {n_train}" if n_train is not None else f"first round({train_share:g} n) = {k}"
    note = f"natural name order, {rule} train, the other {len(order) - k} test"
    if extra_test:
        note += f"; the {len(extra_test)} sequences (no rule trains on them) are test too"
    return {"train": order[:k], "test": order[k:] + list(extra_test)}, note


def files_of(root: Path, folder: str) -> list[dict]:
    out = []
    for p in sorted((root / folder).rglob("*"), key=lambda q: natural(str(q))):
        if p.is_file() and p.name not in JUNK:
            out.append({"path": str(p.relative_to(root)), "sha256": sha256(p)})
    return out


def stem_pairs(root: Path, dir_a: str, dir_b: str, pat_a: str, pat_b: str) -> list[dict]:
    """Pair ``dir_a/<pat_a>`` with ``dir_b/<pat_b>`` on the captured name (regex group 1)."""
    ra, rb = re.compile(pat_a), re.compile(pat_b)
    def rel(d: str, name: str) -> str:
        return name if d == "." else f"{d}/{name}"

    a = {m.group(1): rel(dir_a, p.name) for p in (root / dir_a).iterdir() if (m := ra.fullmatch(p.name))}
    b = {m.group(1): rel(dir_b, p.name) for p in (root / dir_b).iterdir() if (m := rb.fullmatch(p.name))}
    if set(a) != set(b):
        raise SystemExit(f"unpaired files in {dir_a} / {dir_b}: {sorted(set(a) ^ set(b))}")
    return [{"name": k, "a": a[k], "b": b[k]} for k in sorted(a, key=natural)]


def entry(name, top, folder, task, pairs, licence, used_by, description, sequences=None,
          splits=None, root=None, extra=None, split_note=None):
    repo, commit = REPOS[top]
    e = {
        "name": name,
        "kind": "dataset",
        "available": True,
        "task": task,
        "description": description,
        "upstream": {
            "repository": f"https://github.com/{repo}",
            "commit": commit,
            "base_url": f"{GH}/{repo}/{commit}/{UPSTREAM_PREFIX[top]}",
            "strip_prefix": f"{top}/",
        },
        "root": folder,
        "licence": licence,
        "used_by": used_by,
        "files": files_of(root, folder),
        "pairs": pairs,
    }
    if sequences:
        e["sequences"] = sequences
    e["splits"] = splits or {"test": "all"}
    if split_note:
        e["split_note"] = split_note
    e.update(extra or {})
    return e


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--weights", type=Path, default=Path("../shared/weights"))
    ap.add_argument("--out", type=Path, default=Path("data_manifest.yaml"))
    args = ap.parse_args()
    D = args.data.resolve()

    ds = []
    dd = "didfuse/Datasets"
    ds.append(entry(
        "didfuse-flir-train", "didfuse", f"{dd}/Train_data_FLIR", "ir-vis",
        stem_pairs(D / f"{dd}/Train_data_FLIR", "IR/IR", "VIS/VIS", r"IR(\d+)\.jpg", r"VIS(\d+)\.jpg"),
        LIC_FLIR, {"DIDFuse": "training set (the paper's FLIR-Train, 180 pairs)"},
        "FLIR aligned infrared/visible pairs, 8-bit grey, as used to train DIDFuse.", root=D,
        splits={"train": "all"}))
    for name, folder, ext, lic, desc, use in [
        ("didfuse-tno", "Test_data_TNO", "bmp", LIC_TNO, "TNO infrared/visible test pairs (DIDFuse's TNO test set).",
         {"DIDFuse": "test set TNO (Table V, Fig. 5, Fig. 6)", "JCAE": "substitute for its 48-pair TNO test set",
          "ALAN": "substitute for its 21-pair TNO set"}),
        ("didfuse-flir-test", "Test_data_FLIR", "jpg", LIC_FLIR, "FLIR infrared/visible test pairs (DIDFuse's FLIR-Test).",
         {"DIDFuse": "test set FLIR-Test (Table V)", "AE-Netv2": "FLIR cross-modal test set"}),
        ("didfuse-nir-country", "Test_data_NIR_Country", "png", LIC_NIR,
         "RGB-NIR scene dataset, Country scene; source a is the NIR image (IRn.png), b the visible one.",
         {"DIDFuse": "test set NIR-Country (Table V, Fig. 6)"}),
    ]:
        ds.append(entry(name, "didfuse", f"{dd}/{folder}", "ir-vis",
                        stem_pairs(D / f"{dd}/{folder}", ".", ".", rf"IR(\d+)\.{ext}", rf"VIS(\d+)\.{ext}"),
                        lic, use, desc, root=D))
    cmf = "ifcnn/datasets/CMFDataset"
    trip = {}
    for p in sorted((D / cmf / "Triple Series").iterdir()):
        if m := re.fullmatch(r"(lytro-\d+)-([ABC])\.jpg", p.name):
            trip.setdefault(m.group(1), []).append(f"Triple Series/{p.name}")
    lytro = stem_pairs(D / cmf, ".", ".", r"(lytro-\d+)-A\.jpg", r"(lytro-\d+)-B\.jpg")
    triples = [{"name": f"triple-{k}", "sources": sorted(v)} for k, v in sorted(trip.items())]
    splits, note = name_order_split([p["name"] for p in lytro], n_train=14,
                                    extra_test=[t["name"] for t in triples])
    ds.append(entry(
        "ifcnn-lytro", "ifcnn", cmf, "multi-focus", lytro,
        LIC_LYTRO, {"ALAN": "multi-focus test set (all 20 Lytro pairs, split None)", "FMMF": "multi-focus test set",
                    "AE-Netv2": "multi-focus train/test splits (AE-Netv2's own: 14 train, 6 test)",
                    "JCAE": "multi-focus generalisation"},
        "Lytro multi-focus colour pairs (520x520) plus four three-source series. A study that only tests "
        "on Lytro uses every pair (split None); the train/test splits are AE-Netv2's.",
        sequences=triples, root=D, splits=splits, split_note=note))
    ds.append(entry(
        "ifcnn-ivf", "ifcnn", "ifcnn/datasets/IVDataset", "ir-vis",
        stem_pairs(D / "ifcnn/datasets/IVDataset", ".", ".", r"(.+)_IR\.png", r"(.+)_Vis\.png"),
        LIC_TNO, {"FMMF": "substitute for its 10-pair IR/VIS test set (TNO-derived, same source as [22])",
                  "JCAE": "additional TNO-derived IR/VIS pairs"},
        "TNO-derived infrared/visible pairs from the IFCNN repository.", root=D))
    md = "ifcnn/datasets/MDDataset"
    ds.append(entry(
        "ifcnn-medical", "ifcnn", md, "medical",
        stem_pairs(D / md, ".", ".", r"(c\d+)_1\.tif", r"(c\d+)_2\.tif"),
        LIC_HARVARD, {"FMMF": "medical test set ([60] = IFCNN)", "AE-Netv2": "medical test set"},
        "Medical CT/MR pairs from the IFCNN repository; a = cNN_1, b = cNN_2. Sequence '010' holds "
        "five registered modalities (CT, MR-Gad, MR-Pd, MR-T2, SPECT-Tc).",
        sequences=[{"name": "010", "sources": [f"010_{m}.tif" for m in
                                               ["CT", "MR-Gad", "MR-Pd", "MR-T2", "SPECT-Tc"]]}], root=D))
    me = "ifcnn/datasets/MEDataset"
    seqs = []
    for scene in sorted(p.name for p in (D / me).iterdir() if p.is_dir()):
        srcs = sorted((p.name for p in (D / me / scene).iterdir() if p.suffix == ".jpg"), key=natural)
        seqs.append({"name": scene, "sources": [f"{scene}/{s}" for s in srcs]})
    splits, note = name_order_split([s["name"] for s in seqs], n_train=4)
    ds.append(entry(
        "ifcnn-me", "ifcnn", me, "multi-exposure", [],
        "Multi-exposure sequences redistributed in the IFCNN repository (from the MEF benchmark of "
        "Ma et al., research use with citation)",
        {"AE-Netv2": "multi-exposure train/test splits (substitute for SICE / its MEF set)"},
        "Multi-exposure colour sequences, 4-6 exposures per scene, ordered by file index.",
        sequences=seqs, root=D, splits=splits, split_note=note))

    rs_pairs = stem_pairs(D / "roadscene", "cropinfrared", "crop_HR_visible", r"(.+)\.jpg", r"(.+)\.jpg")
    cdd_rs = {p.stem for p in (D / "cddfuse/test_img/RoadScene/ir").iterdir()}
    rest = [p["name"] for p in rs_pairs if p["name"] not in cdd_rs]
    perm = np.random.default_rng(2020).permutation(len(rest))
    n_val = round(0.2 * len(rest))
    val = sorted((rest[i] for i in perm[:n_val]), key=natural)
    train = sorted((rest[i] for i in perm[n_val:]), key=natural)
    ds.append(entry(
        "roadscene", "roadscene", "roadscene", "ir-vis", rs_pairs,
        "RoadScene (Xu et al., U2Fusion/FusionDN), research use with citation",
        {"DIDFuse": "substitute for the unavailable NIR Mountain/Water (train) and Urban/Street "
                    "(validation) scenes: splits train/val below",
         "AE-Netv2": "substitute for RGBT-234 / RGBT1000 road scenes"},
        "RoadScene aligned infrared/visible pairs (visible in colour). Splits: 'test' = the 50 pairs "
        "in CDDFuse's RoadScene test set; the other pairs are split 80/20 into train/val with "
        "numpy default_rng(2020), so train/val never overlap a test set.",
        splits={"train": train, "val": val, "test": sorted(cdd_rs, key=natural)}, root=D,
        extra={"align": "resize-b-to-a",
               "align_note": ("crop_HR_visible is the high-resolution visible crop registered to the "
                              "infrared crop (2-3.2x larger, per-axis scale differs slightly); upstream's "
                              "crop_LR_visible is it resized to the infrared size. fusionkit resizes b to "
                              "a's size (antialiased bilinear) when loading.")}))
    ds.append(entry(
        "vifb", "vifb", "vifb/input", "ir-vis",
        stem_pairs(D / "vifb/input", "IR", "VI", r"(.+)\.jpg", r"(.+)\.jpg"),
        "VIFB benchmark (Zhang et al., CVPRW 2020), images from public datasets, research use",
        {"AE-Netv2": "VIFB cross-modal test set", "metrics": "inputs of the VIFB reference fixtures"},
        "VIFB benchmark infrared/visible pairs (stored as RGB).", root=D))
    tb = "cddfuse/test_img"
    for name, folder, da, db, task, lic, use, desc in [
        ("cddfuse-tno", "TNO", "ir", "vi", "ir-vis", LIC_TNO,
         {"ALAN": "substitute for its 21-pair TNO set", "JCAE": "TNO test pairs"},
         "TNO infrared/visible test pairs from the CDDFuse repository."),
        ("cddfuse-roadscene", "RoadScene", "ir", "vi", "ir-vis",
         "RoadScene (Xu et al.), research use with citation",
         {"DIDFuse": "excluded from the RoadScene train/val substitute", "AE-Netv2": "RGBT substitute test set"},
         "RoadScene test pairs from the CDDFuse repository (visible in colour)."),
        ("cddfuse-mri-ct", "MRI_CT", "MRI", "CT", "medical", LIC_HARVARD,
         {"FMMF": "medical test pairs (every pair, split None)",
          "AE-Netv2": "medical train/test splits (AE-Netv2's own: first 70 % train)"},
         "Harvard MRI/CT pairs; a = MRI, b = CT."),
        ("cddfuse-mri-pet", "MRI_PET", "MRI", "PET", "medical", LIC_HARVARD,
         {"FMMF": "medical test pairs (every pair, split None)",
          "AE-Netv2": "medical train/test splits (AE-Netv2's own: first 70 % train)"},
         "Harvard MRI/PET pairs; a = MRI, b = PET (colour)."),
        ("cddfuse-mri-spect", "MRI_SPECT", "MRI", "SPECT", "medical", LIC_HARVARD,
         {"FMMF": "medical test pairs (every pair, split None)",
          "AE-Netv2": "medical train/test splits (AE-Netv2's own: first 70 % train)"},
         "Harvard MRI/SPECT pairs; a = MRI, b = SPECT (colour)."),
    ]:
        pairs = stem_pairs(D / tb / folder, da, db, r"(.+)\.(?:png|jpg)", r"(.+)\.(?:png|jpg)")
        splits, note = (name_order_split([p["name"] for p in pairs], train_share=0.7)
                        if task == "medical" else (None, None))
        ds.append(entry(name, "cddfuse", f"{tb}/{folder}", task, pairs, lic, use, desc, root=D,
                        splits=splits, split_note=note))

    # --- datasets the papers used that are not obtainable -------------------------------------
    unavailable = [
        ("cvs", "ir-vis", "Combined vision system (EVS/SVS) images, private to the ALAN/AE-Netv2 authors.",
         {"ALAN": "main task training and evaluation", "AE-Netv2": "CVS test set"},
         "didfuse-flir-test + roadscene (real IR/visible driving scenes)"),
        ("kaist", "ir-vis", "KAIST multispectral pedestrian (40,000 training pairs in FMMF); "
         "not redistributed in any package or repository reachable here.",
         {"FMMF": "training set"}, "didfuse-flir-train + roadscene train split"),
        ("nir-other-scenes", "ir-vis", "RGB-NIR scenes other than Country (Mountain, Water, Urban, Street, "
         "Forest, Field); only Country is redistributed with DIDFuse.",
         {"DIDFuse": "training (Mountain, Water), validation (Urban, Street), test (Forest, Field)"},
         "roadscene train/val splits for training/validation; Forest/Field test rows are left empty"),
        ("coco-2014", "reconstruction", "MS-COCO 2014 (ALAN's reconstruction subtask, 70,000+ images); "
         "too large and not reachable offline.", {"ALAN": "image reconstruction subtask"},
         "the visible images of didfuse-flir-train and of roadscene's train split (no test set holds them; "
         "Lytro and TNO are ALAN's test sets), degraded as the paper describes (fusionkit/data/synthetic.py)"),
        ("ifcnn-training-set", "multi-focus", "IFCNN's synthetic multi-focus training set (from NYU-D2), "
         "not released in the IFCNN repository.", {"JCAE": "training set (1400+ grey pairs)"},
         "didfuse-flir-train + roadscene train split, resized to 360x280 (unsupervised training needs no "
         "ground truth)"),
        ("rgbt-234", "ir-vis", "RGBT-234 / RGBT1000 tracking benchmark frames, not reachable offline.",
         {"AE-Netv2": "RGBT cross-modal test set"}, "cddfuse-roadscene"),
        ("sice", "multi-exposure", "SICE multi-exposure dataset, not reachable offline.",
         {"AE-Netv2": "multi-exposure set"}, "ifcnn-me"),
    ]
    for name, task, why, use, sub in unavailable:
        ds.append({"name": name, "kind": "dataset", "available": False, "task": task,
                   "reason": why, "used_by": use, "substitute": sub})

    W = args.weights.resolve()
    ck = [{
        "name": "didfuse-ijcai", "kind": "checkpoint", "available": True,
        "description": "Official DIDFuse (IJCAI 2020) encoder/decoder; torch pickles, dicts with key 'weight'.",
        "upstream": {"repository": f"https://github.com/{REPOS['didfuse'][0]}", "commit": REPOS["didfuse"][1],
                     "base_url": f"{GH}/{REPOS['didfuse'][0]}/{REPOS['didfuse'][1]}/Models/",
                     "strip_prefix": "didfuse_ijcai/"},
        "root": "didfuse_ijcai", "licence": "as the DIDFuse repository (research use, cite Zhao et al. IJCAI 2020)",
        "used_by": {"DIDFuse": "released-checkpoint row of Table V", "baselines": "didfuse-ijcai method"},
        "files": files_of(W, "didfuse_ijcai"),
    }]
    for rule in ["MAX", "MEAN", "SUM"]:
        ck.append({
            "name": f"ifcnn-{rule.lower()}", "kind": "checkpoint", "available": True,
            "description": f"Official IFCNN-{rule} state dict (conv1 = ResNet-101's first conv, 7x7, 3->64).",
            "upstream": {"repository": f"https://github.com/{REPOS['ifcnn'][0]}", "commit": REPOS["ifcnn"][1],
                         "base_url": f"{GH}/{REPOS['ifcnn'][0]}/{REPOS['ifcnn'][1]}/Code/snapshots/",
                         "strip_prefix": "ifcnn/"},
            "root": "ifcnn", "licence": "as the IFCNN repository (research use, cite Zhang et al. Inf. Fusion 2020)",
            "used_by": {"baselines": f"ifcnn-{rule.lower()} method", "DIDFuse": "IFCNN row of Table V"},
            "files": [f for f in files_of(W, "ifcnn") if f["path"].endswith(f"IFCNN-{rule}.pth")],
        })

    ck.append({
        "name": "vgg19-imagenet", "kind": "checkpoint", "available": False,
        "description": ("VGG19 ImageNet weights; JCAE (Sec. 2.4) initialises its three encoder branches with "
                        "the first three convolutions (block1_conv1, block1_conv2, block2_conv1); ALAN's "
                        "content loss (eq. 3, Johnson et al.'s perceptual loss) compares VGG feature maps."),
        "reason": ("The weight files are served only from download.pytorch.org / GitHub release assets, which "
                   "these machines cannot reach (package registries only); they are not redistributed with "
                   "the data."),
        "upstream": {
            "url": "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
            "expected_size": ("about 575 MB (143,667,240 float32 parameters; 'dcbb9e9d' is the first 8 hex "
                              "digits of its sha256, torchvision's naming)"),
            "paper_file": ("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"
                           "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 (the paper's ref. [23]; Keras "
                           "layout, about 80 MB = 20,024,384 float32 convolution parameters)"),
        },
        "used_by": {"JCAE": "encoder initialisation (`fusionkit.nets.jcae.load_vgg19`, study config `vgg19=PATH`)",
                    "ALAN": ("content-loss features (`fusionkit.nets.vgg.load_vgg19_features`, study config "
                             "`content='vgg19', vgg19=PATH`)")},
        "substitute": ("JCAE: random initialisation; ALAN: the frozen reconstruction encoder's layers as content "
                       "features (every report states which it used)"),
    })

    doc = {
        "version": 1,
        "about": ("Every dataset and released checkpoint the fusionkit study uses. Dataset paths are "
                  "relative to the data folder (FUSIONKIT_DATA_DIR, else ./data); checkpoint paths to "
                  "the weights folder (FUSIONKIT_WEIGHTS_DIR, else the 'weights' folder beside the data "
                  "folder). A file's upstream URL is upstream.base_url + (path without "
                  "upstream.strip_prefix), URL-quoted. Pair/sequence paths are relative to 'root'. In "
                  "every ir-vis pair source a is infrared and b visible. Generated by "
                  "tools/build_manifest.py."),
        "datasets": ds,
        "checkpoints": ck,
    }
    args.out.write_text(yaml.safe_dump(doc, sort_keys=False, width=100, allow_unicode=True))
    n = sum(len(e.get("files", [])) for e in ds + ck)
    print(f"wrote {args.out}: {len(ds)} datasets, {len(ck)} checkpoints, {n} files")


if __name__ == "__main__":
    main()

"""JCAE (Zhang et al., ../shared/papers/001_6362801b0cc60012.txt): the paper's claims as data, each with
the test that decides it on the committed tables (:mod:`fusionkit.report.ledger`). Every numbered table
(1) and figure (1-8) has at least one claim."""
from __future__ import annotations

import pandas as pd

from ..report.ledger import (FAILS, HOLDS, INCONCLUSIVE, BestOf, Check, Claim, Ledger, NotTestable, PairedBetter)

METRICS = ("MI", "CC", "Qcv", "SCD", "SSIM")
OURS = "JCAE (ours)"
DEEP = ("IFCNN-MAX (released)", "DIDFuse-IJCAI (released)", "DIDFuse (ours, zoo table5)")


def _ssim_loss_helps(fig4: pd.DataFrame) -> tuple[str, str]:
    """Fig. 4: the MSE + SSIM model's SSIM above the MSE-only model's on both named pairs (2 pairs: no test)."""
    ours = fig4[~fig4["loss"].str.startswith("MSE only")].set_index("pair")["SSIM"]
    mse = fig4[fig4["loss"].str.startswith("MSE only")].set_index("pair")["SSIM"]
    up = int((ours > mse).sum())
    parts = "; ".join(f"{p}: {mse[p]:.4f} -> {ours[p]:.4f}" for p in mse.index)
    return (HOLDS if up == len(mse) else FAILS if up == 0 else INCONCLUSIVE), f"SSIM {parts} (2 pairs: no spread)"


def _all_converge(runs: pd.DataFrame) -> tuple[str, str]:
    """Fig. 5: every lambda's total loss fell by less than 15 % over the last third of the epochs."""
    drops = runs.set_index("lam")["last-third drop %"]
    ok = bool((drops < 15).all())
    return (HOLDS if ok else FAILS), "last-third drop " + ", ".join(f"λ {k:g}: {v:.1f} %" for k, v in drops.items())


def _fastest(curves: pd.DataFrame) -> tuple[str, str]:
    """Fig. 5: lambda = 100 reaches 90 % of its total fall (first to last epoch) in the fewest epochs."""
    at = {}
    for lam, c in curves.groupby("lam"):
        tot = c.sort_values("epoch")["total"].to_numpy()
        goal = tot[0] - 0.9 * (tot[0] - tot[-1])
        at[float(lam)] = int(c.sort_values("epoch")["epoch"].to_numpy()[(tot <= goal).argmax()])
    best = min(at.values())
    v = HOLDS if at.get(100.0) == best and list(at.values()).count(best) == 1 else FAILS
    return v, "epochs to 90 % of the fall: " + ", ".join(f"λ {k:g}: {e}" for k, e in at.items())


def _significant(tests: pd.DataFrame) -> tuple[str, str]:
    """Table 1's significance: JCAE differs from the compared methods at p < 0.05 in most (method, metric) cells."""
    share = float((tests["p"] < 0.05).mean())
    return (HOLDS if share > 0.5 else FAILS), f"p < 0.05 in {int((tests['p'] < 0.05).sum())}/{len(tests)} cells"


CLAIMS = (
    Claim("F1-F2", "the JCAE architecture (private and common branches)", "Figs 1-2", "-",
          NotTestable("illustrations of the method, no result")),
    Claim("F3", "VGG19's first layers learn edge and texture features worth transferring", "Fig. 3, Sec. 2.4", "-",
          NotTestable("needs VGG19 ImageNet weights, which cannot be downloaded here (manifest: vgg19-imagenet); "
                      "our models start from random weights")),
    Claim("F4", "adding the SSIM loss keeps the structure (sharper billboard, bunker edges)", "Fig. 4, Sec. 3.2",
          "SSIM of the MSE-only and the MSE + SSIM models on the named pairs",
          Check(("fig4_metrics",), "SSIM higher with the SSIM term on both pairs", _ssim_loss_helps,
                ("fig4_mse_vs_ssim",))),
    Claim("F5.1", "beyond 30 epochs the loss converges whatever λ is", "Fig. 5", "each λ's training (24 epochs)",
          Check(("training_runs",), "every λ's total fell < 15 % over the last third of its epochs", _all_converge,
                ("fig5_lambda",))),
    Claim("F5.2", "λ = 100 converges faster", "Fig. 5", "epochs each λ needs for 90 % of its fall",
          Check(("fig5_curves",), "λ = 100 reaches 90 % of its fall first", _fastest, ("fig5_lambda",))),
    Claim("F6", "private branches hold complementary detail, common branches shared structure", "Fig. 6",
          "qualitative", NotTestable("a visual reading of feature maps; ours are shown", ("fig6_features",))),
    Claim("F7-F8", "better contrast, brightness and detail than the compared methods", "Figs 7-8", "qualitative",
          NotTestable("a visual judgement (and no 'Boat' pair among our TNO images); ours are shown",
                      ("fig7_street", "fig8_pairs"))),
    Claim("T1.1", "JCAE is first on SSIM", "Table 1", "rank of our JCAE on SSIM among every method run here (TNO)",
          BestOf("table1_per_pair", OURS, ("SSIM",), need=1)),
    Claim("T1.2", "JCAE is best among the deep methods on most metrics", "Table 1",
          "rank among the deep methods we can run (IFCNN-MAX, DIDFuse-IJCAI, our DIDFuse)",
          BestOf("table1_per_pair", OURS, METRICS, among=DEEP, need="most")),
    Claim("T1.3", "IFCNN (adding features) has a higher SCD than JCAE", "Table 1, Sec. 3.5",
          "IFCNN-MAX vs JCAE on SCD (our IFCNN checkpoint fuses by max, not by sum)",
          PairedBetter("table1_per_pair", "IFCNN-MAX (released)", OURS, ("SCD",))),
    Claim("T1.4", "JCAE differs significantly from the compared methods (paired t-test)", "Table 1",
          "share of (method, metric) cells with p < 0.05",
          Check(("table1_ttests",), "p < 0.05 in more than half of the cells", _significant)),
    Claim("T1.5", "MFCNN is first on MI; CSR, DeepFuse, FusionGAN and DenseFuse rows", "Table 1", "-",
          NotTestable("no released weights or code for MFCNN, CSR, DeepFuse, FusionGAN, DenseFuse here: "
                      "their rows are shown as reported", ("table1_reported",))),
    Claim("S2.5", "the eq. 8/9 rules suit the two branches better than one plain rule", "Sec. 2.5",
          "eq. 8/9 vs max on both feature sets, same model, 5 metrics (TNO)",
          PairedBetter("rule_ablation_per_pair", "eq8+eq9", "max", METRICS, need="most")),
)

LEDGER = Ledger("jcae", "JCAE", "001_6362801b0cc60012.txt", CLAIMS, docs="docs/studies/jcae.md",
                differences={"quick": "trained on FLIR-Train + RoadScene train (317 pairs) instead of the unreleased "
                                      "IFCNN set, random 64x64 crops of the 360x280 images, 24 epochs, random "
                                      "initialisation instead of VGG19; tested on our 40 TNO pairs (paper: 48)."})

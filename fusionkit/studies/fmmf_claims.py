"""FMMF (Rao et al., ../shared/papers/003_c3d5f9f507403807.txt): the paper's claims as data, each with the
test that decides it on the committed tables (:mod:`fusionkit.report.ledger`). Every numbered table (1-7)
and figure (1-10) has at least one claim; the tests were declared before the numbers were in."""
from __future__ import annotations

import pandas as pd

from ..report.ledger import FAILS, HOLDS, INCONCLUSIVE, BestOf, Check, Claim, Ledger, NotTestable, PairedBetter

OURS = "FMMF (ours)"
METRICS = ("EI", "CE", "SF", "EN", "Qabf", "MS_SSIM", "SD", "VIF")
ABL = "ablations_per_pair"


def _no_better_with_depth(per_pair: pd.DataFrame) -> tuple[str, str]:
    """Table 7: neither depth 4 nor depth 5 beats depth 3 (the main model) at p < 0.05 on most metrics."""
    from scipy import stats

    from ..report.ledger import higher_is_better

    wide = {m: per_pair.pivot_table(index="pair", columns="method", values=m) for m in METRICS}
    parts, wins = [], 0
    for deeper in ("depth4", "depth5"):
        better = []
        for m in METRICS:
            w = wide[m][["mapping", deeper]].dropna()
            d = (w[deeper] - w["mapping"]) * (1 if higher_is_better(m) else -1)
            p = float(stats.ttest_rel(w[deeper], w["mapping"]).pvalue) if len(w) > 1 else 1.0
            if d.mean() > 0 and p < 0.05:
                better.append(m)
        wins = max(wins, len(better))
        parts.append(f"{deeper} better than depth 3 at p < 0.05 on {len(better)}/{len(METRICS)}"
                     f"{' (' + ', '.join(better) + ')' if better else ''}")
    verdict = HOLDS if wins <= len(METRICS) // 2 else FAILS
    return verdict, "; ".join(parts)


def _order(per_pair: pd.DataFrame) -> tuple[str, str]:
    """Table 6: mapping > concat > add on the mean of most metrics (each metric's direction)."""
    from ..report.ledger import higher_is_better

    means = per_pair.groupby("method")[list(METRICS)].mean()
    ok = []
    for m in METRICS:
        v = means[m] * (1 if higher_is_better(m) else -1)  # larger is better on every column
        if v["mapping"] > v["concat"] > v["add"]:
            ok.append(m)
    verdict = HOLDS if len(ok) > len(METRICS) / 2 else INCONCLUSIVE if ok else FAILS
    return verdict, f"mapping > concat > add (metric's direction) on {len(ok)}/{len(METRICS)}: {', '.join(ok) or '-'}"


def _ifcnn_rows(rows: pd.DataFrame) -> tuple[str, str]:
    """Tables 2-3: the released IFCNN, fed as IFCNN's own code feeds each set and scored in the fmmf convention,
    gives the paper's IFCNN rows back (mean |difference| over the three variants within 1 %) in most (table,
    metric) cells."""
    own = rows[rows["IFCNN's own"].astype(str) == "True"]
    gap = own.assign(d=own["fmmf Δ %"].abs()).groupby(["table", "metric"], sort=False)["d"].mean()
    near = gap[gap < 1]
    far = ", ".join(f"{m} (T{t}) {v:.1f} %" for (t, m), v in gap[gap >= 1].items())
    verdict = HOLDS if len(near) > len(gap) / 2 else FAILS
    return verdict, f"{len(near)}/{len(gap)} cells within 1 %; further: {far or '-'}"


CLAIMS = (
    Claim("F1-F2", "the framework: two encoders, the mapping fusion module, the aggregating decoder", "Figs 1-2",
          "-", NotTestable("illustrations of the method; our reading of them: docs/studies/fmmf.md")),
    Claim("F10", "VIF-Net's framework", "Fig. 10", "-",
          NotTestable("an illustration; our VIF-Net: docs/studies/fmmf.md")),
    Claim("F4-F7-F9", "examples of the source images of each task", "Figs 4, 7, 9", "-",
          NotTestable("source examples, no result; ours are shown", ("fig4_sources", "fig7_sources", "fig9_sources"))),
    Claim("F3-F5", "ours keeps the bright human of the infrared image and the door frame / leaf edges of the "
          "visible one, where other methods keep one modality", "Figs 3, 5, §4.3", "qualitative",
          NotTestable("a visual judgement on images we do not have (our closest TNO pairs are shown)",
                      ("fig3_fig5_irvis",))),
    Claim("F6-F8", "comparable multi-focus and better medical fusion without retraining", "Figs 6, 8, §4.4-4.5",
          "qualitative", NotTestable("a visual judgement; ours are shown", ("fig6_multi_focus", "fig8_medical"))),
    Claim("T1.1", "ours is best on Qabf, MS_SSIM, SD and VIF (ir-vis)", "Table 1, §4.3",
          "rank of our FMMF among every method run here, 40 TNO pairs",
          BestOf("table1_per_pair", OURS, ("Qabf", "MS_SSIM", "SD", "VIF"), need="all")),
    Claim("T1.2", "ours is second on EI and CE and third on SF and EN (ir-vis)", "Table 1, §4.3",
          "-", NotTestable("a rank among the paper's 12 methods, six of which (CVT, DenseFuse, DeepFuse, FusionGAN, "
                           "NestFuse, U2Fusion) we cannot run; their reported rows are beside ours",
                           ("table1_with_reported",))),
    Claim("T2", "without retraining, ours is best on EI, SF, SCD, SD and VIF (multi-focus)", "Table 2, §4.4",
          "rank of our FMMF among every method run here, 20 Lytro pairs",
          BestOf("table2_per_pair", OURS, ("EI", "SF", "SCD", "SD", "VIF"), need="all")),
    Claim("T3", "without retraining, ours is best on 8 of 9 metrics (EI, SF, EN, Qabf, SCD, MI, SD, VIF; "
          "medical)", "Table 3, §4.5", "rank of our FMMF among every method run here, 8 CT/MR pairs",
          BestOf("table3_per_pair", OURS, ("EI", "SF", "EN", "Qabf", "SCD", "MI", "SD", "VIF"), need="all")),
    Claim("T2-T3.IFCNN", "the IFCNN rows are IFCNN (its released weights) on these test sets", "Tables 2-3, §4.4-4.5",
          "our IFCNN max / mean / sum outputs scored in the fmmf convention vs the paper's IFCNN rows",
          Check(("conventions_rows",), "IFCNN fed as its own code does (Lytro in colour, CT/MR grey): mean "
                                       "|difference| over the three IFCNN rows < 1 % for more than half of the "
                                       "(table, metric) cells", _ifcnn_rows)),
    Claim("T4", "our network beats VIF-Net with the same loss and fusion", "Table 4, §4.6.1",
          "concat-mean vs vifnet on the ir-vis pairs",
          PairedBetter(ABL, "concat-mean", "vifnet", METRICS, need="most")),
    Claim("T5", "the variance criterion is ahead of the mean criterion in all aspects", "Table 5, §4.6.2",
          "concat (var) vs concat-mean on the ir-vis pairs",
          PairedBetter(ABL, "concat", "concat-mean", METRICS, need="all")),
    Claim("T6.1", "the mapping module gives the best fusion of the three", "Table 6, §4.6.3",
          "mapping vs add and concat on the ir-vis pairs",
          BestOf(ABL, "mapping", METRICS, among=("add", "concat"), need="most")),
    Claim("T6.2", "mapping > concat > add", "Table 6, §4.6.3", "the order of the three means per metric",
          Check((ABL,), "mapping > concat > add on more than half of the metrics (no spread: means only; the "
                        "seed spread is in seed_spread)", _order)),
    Claim("T7", "a deeper network (4, 5 layers) does not boost fusion performance", "Table 7, §4.6.4",
          "depth4 and depth5 vs depth 3 on the ir-vis pairs",
          Check((ABL,), "neither depth 4 nor depth 5 better than depth 3 at p < 0.05 on more than half of the "
                        "metrics", _no_better_with_depth)),
    Claim("S3.3", "a single loss speeds up training convergence", "§3.3", "-",
          NotTestable("no multi-loss training of the same network is described to compare with")),
)

LEDGER = Ledger(
    "fmmf", "FMMF: unsupervised image fusion by feature mutual mapping (Rao, Wu, Xu & Chen)",
    "003_c3d5f9f507403807.txt", CLAIMS,
    differences={
        "quick": "KAIST (40,000 pairs) is not obtainable: trained on FLIR-Train + RoadScene train (317 pairs), random "
                 "crops and flips, the quick CPU schedule (docs/studies/fmmf.md#presets) instead of 160,000 samples "
                 "at 256x256; Table 1 on our 40 TNO pairs (and 10 of them) instead of DenseFuse's 10; CVT, DenseFuse, "
                 "DeepFuse, FusionGAN, NestFuse, U2Fusion, ASR, CSR, DRPL and RP_SP appear as reported only.",
        "paper": "the paper's schedule (160,000 samples at 256x256, Adam 1e-4) on the substitute data (317 pairs).",
    },
    docs="docs/studies/fmmf.md")

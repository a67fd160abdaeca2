"""ALAN (Fang, Zhao & Zhang, ../shared/papers/000_16b15fdaa67320e9.txt): the paper's claims as data, each with
the test that decides it on the report tables (:mod:`fusionkit.report.ledger`). The paper has no numeric
table: every figure (1-11) and every comparative sentence of §4.2-4.5 is a claim. The tests are declared here
before any number exists (issue 27); the tables they read are written by notebooks 50-51 (next to come):

- ``fig9_per_pair``: dataset ('ir-vis', 'multi-focus'), method (row labels below), pair, the metrics of Fig. 9
  (CPBD, JNB, VIFF, AG) plus EN, SD and Noise (the metric registry's noise sigma estimate, 8-bit levels);
- ``fig10_per_pair``: the same columns, method = the fusion criterion on the full network;
- ``fig11_per_pair``: the same columns, method = the Fig. 11 network (zoo names), seed 0;
- ``fig11_runs``: dataset, network, seed and the dataset means of every training of 'single' and 'full'.
"""
from __future__ import annotations

import pandas as pd

from ..report.ledger import FAILS, HOLDS, INCONCLUSIVE, BestOf, Check, Claim, Ledger, NotTestable, PairedBetter

OURS = "ALAN (ours)"
IFCNN = "IFCNN (released)"
FIG9 = ("CPBD", "JNB", "VIFF", "AG")
CLARITY = ("CPBD", "JNB", "AG")  # the blur / sharpness measures: "clarity" in §4.4-4.5
IRVIS, MF = {"dataset": "ir-vis"}, {"dataset": "multi-focus"}
MAIN_NET = "full"


def _higher_than_ours(methods: tuple[str, ...], metrics: tuple[str, ...]):
    """§4.2.2: each of ``methods`` has a higher value of every one of ``metrics`` than ALAN on ir-vis (paired
    t-tests over the pairs, p < 0.05 each): holds when all do, fails when any is lower at p < 0.05."""
    def decide(per_pair: pd.DataFrame) -> tuple[str, str]:
        from scipy import stats

        df = per_pair[per_pair.dataset == "ir-vis"]
        parts, ok, against = [], 0, 0
        for m in methods:
            cells = []
            for metric in metrics:
                w = df.pivot_table(index="pair", columns="method", values=metric)[[m, OURS]].dropna()
                d, p = float((w[m] - w[OURS]).mean()), float(stats.ttest_rel(w[m], w[OURS]).pvalue)
                cells.append((metric, d, p))
            good = all(d > 0 and p < 0.05 for _, d, p in cells)
            bad = any(d < 0 and p < 0.05 for _, d, p in cells)
            ok, against = ok + good, against + bad
            parts.append(f"{m}: " + ", ".join(f"{k} {d:+.3g} (p {p:.2g})" for k, d, p in cells))
        verdict = HOLDS if ok == len(methods) else FAILS if against else INCONCLUSIVE
        return verdict, "; ".join(parts) + " (difference: method minus ALAN)"
    return decide


def _sum_like_mean(per_pair: pd.DataFrame) -> tuple[str, str]:
    """§4.4: the sum criterion is very similar to the weighted average: their dataset means differ by less than
    5 % on most of the Fig. 9 metrics, on ir-vis."""
    means = per_pair[per_pair.dataset == "ir-vis"].groupby("method")[list(FIG9)].mean()
    rel = (means.loc["sum"] / means.loc["mean"] - 1).abs() * 100
    close = [m for m in FIG9 if rel[m] < 5]
    verdict = HOLDS if len(close) > len(FIG9) / 2 else FAILS
    return verdict, "sum vs mean, |relative difference| %: " + ", ".join(f"{m} {rel[m]:.1f}" for m in FIG9)


def _max_poor(per_pair: pd.DataFrame) -> tuple[str, str]:
    """§4.4: max fusion is poor on ir-vis: the lowest mean of the four criteria (each metric's direction: all of
    Fig. 9's are higher-is-better) on most metrics."""
    means = per_pair[per_pair.dataset == "ir-vis"].groupby("method")[list(FIG9)].mean()
    worst = [m for m in FIG9 if means[m].idxmin() == "max"]
    verdict = HOLDS if len(worst) > len(FIG9) / 2 else FAILS
    return verdict, f"max lowest of the four criteria on {len(worst)}/{len(FIG9)}: {', '.join(worst) or '-'}"


def _full_beyond_spread(runs: pd.DataFrame) -> tuple[str, str]:
    """§4.5's central claim, against the seed spread: per (dataset, Fig. 9 metric), the full auxiliary network
    is better when its worst training beats the best single-task training, worse when the reverse. Holds when
    better in more than half of the cells and worse in none; fails when worse in more than half; else
    inconclusive (the differences lie within the spread of the trainings)."""
    cells, better, worse = 0, [], []
    for ds, sub in runs.groupby("dataset", sort=False):
        for m in FIG9:
            full = sub.loc[sub.network == "full", m]
            single = sub.loc[sub.network == "single", m]
            if full.empty or single.empty:
                continue
            cells += 1
            if full.min() > single.max():
                better.append(f"{ds} {m}")
            elif full.max() < single.min():
                worse.append(f"{ds} {m}")
    n_runs = runs.groupby("network").seed.nunique().to_dict()
    verdict = (HOLDS if len(better) > cells / 2 and not worse else FAILS if len(worse) > cells / 2
               else INCONCLUSIVE)
    return verdict, (f"trainings {n_runs}; full beyond the spread in {len(better)}/{cells} cells "
                     f"({', '.join(better) or '-'}), below it in {len(worse)} ({', '.join(worse) or '-'})")


def _beyond_spread(better: str, worse: str, spread_of: str, metrics: tuple[str, ...]):
    """Two networks trained once each: per (dataset, metric) the paired difference over the pairs counts only
    where it is significant (p < 0.05) AND larger than the seed spread of ``spread_of`` (max - min of its
    trainings' dataset means in ``fig11_runs``): a per-pair t-test sees the test images' variance, not the
    training's. Holds when ``better`` wins more than half of the cells and loses none; fails when it loses more
    than half; else inconclusive (also when ``spread_of`` has a single training: no spread to compare with)."""
    def decide(per_pair: pd.DataFrame, runs: pd.DataFrame) -> tuple[str, str]:
        from scipy import stats

        cells, won, lost, parts = 0, [], [], []
        for ds, sub in per_pair.groupby("dataset", sort=False):
            r = runs[(runs.dataset == ds) & (runs.network == spread_of)]
            for m in metrics:
                w = sub.pivot_table(index="pair", columns="method", values=m)[[better, worse]].dropna()
                d, p = float((w[better] - w[worse]).mean()), float(stats.ttest_rel(w[better], w[worse]).pvalue)
                spread = float(r[m].max() - r[m].min()) if r.seed.nunique() > 1 else float("nan")
                cells += 1
                if spread == spread and p < 0.05 and abs(d) > spread:
                    (won if d > 0 else lost).append(f"{ds} {m}")
                parts.append(f"{ds} {m} {d:+.3g} (spread {spread:.3g}, p {p:.2g})")
        verdict = (HOLDS if len(won) > cells / 2 and not lost else FAILS if len(lost) > cells / 2 else INCONCLUSIVE)
        return verdict, (f"{better} minus {worse}, against the spread of {runs[runs.network == spread_of].seed.nunique()}"
                         f" training(s) of {spread_of}: beyond it better in {len(won)}/{cells}, worse in {len(lost)}; "
                         + "; ".join(parts))
    return decide


CLAIMS = (
    Claim("F1-F5", "the combined-vision task, the network (Fig. 2), optical-density analysis and the feature "
          "selection modules", "Figs 1-5", "-",
          NotTestable("illustrations of the method; our reading of them: docs/studies/alan.md")),
    Claim("F6", "on the combined-vision data ALAN keeps very clear edge detail in the dark parts; RP and CNN "
          "recover some details but add non-image information", "Fig. 6, §4.2.1", "qualitative",
          NotTestable("the combined-vision (CVS) data is private (manifest entry 'cvs')")),
    Claim("F7", "ALAN recovers more detail with lower noise than the other methods (ir-vis)", "Fig. 7, §4.2.2",
          "qualitative", NotTestable("a visual judgement; ours are shown (AG and noise are tested in S4.2.2b)",
                                     ("fig7_irvis",))),
    Claim("S4.2.2a", "IFCNN has higher contrast than ALAN but more noise (ir-vis)", "Fig. 7, §4.2.2",
          "SD (contrast) and the noise estimate, IFCNN vs ALAN on the TNO pairs",
          Check(("fig9_per_pair",), "IFCNN's SD and noise estimate both higher than ALAN's at p < 0.05",
                _higher_than_ours((IFCNN,), ("SD", "Noise")))),
    Claim("S4.2.2b", "CBF and IFCNN score high on gradient but introduce noise and edge oscillation (ir-vis)",
          "§4.2.2", "AG and the noise estimate of CBF and IFCNN vs ALAN on the TNO pairs",
          Check(("fig9_per_pair",), "each of CBF and IFCNN has a higher AG and a higher noise estimate than ALAN "
                                    "at p < 0.05", _higher_than_ours(("CBF", IFCNN), ("AG", "Noise")))),
    Claim("F8", "ALAN has higher entropy and gradient than the other methods on multi-focus images",
          "Fig. 8, §4.2.3", "EN and AG rank of ALAN among every method run here, 20 Lytro pairs",
          BestOf("fig9_per_pair", OURS, ("EN", "AG"), where=MF, need="all")),
    Claim("F9.1", "ALAN scores better than the existing methods on every data set", "Fig. 9, §4.3",
          "Fig. 9's four metrics, ALAN's rank per dataset among every method run here",
          BestOf("fig9_per_pair", OURS, FIG9, need="most")),
    Claim("F9.2", "IFCNN scores better than ALAN on the multi-focus data set", "Fig. 9, §4.3",
          "Fig. 9's four metrics on the Lytro pairs, IFCNN vs ALAN",
          PairedBetter("fig9_per_pair", IFCNN, OURS, FIG9, where=MF, need="most")),
    Claim("F9.3", "ALAN is more accurate and robust than the traditional GTF and RP across data sets",
          "Fig. 9, §4.3", "Fig. 9's four metrics per dataset, ALAN vs GTF and RP (CVT is not in fusionkit)",
          BestOf("fig9_per_pair", OURS, FIG9, among=("GTF", "RP"), need="most")),
    Claim("F9.4", "IFCNN is more accurate and robust than the traditional GTF and RP across data sets",
          "Fig. 9, §4.3", "Fig. 9's four metrics per dataset, IFCNN vs GTF and RP",
          BestOf("fig9_per_pair", IFCNN, FIG9, among=("GTF", "RP"), need="most")),
    Claim("F10.1", "on ir-vis the non-linear (learned) criterion is generally superior to max, sum and average",
          "Fig. 10, §4.4", "the four criteria on the full network, TNO pairs",
          BestOf("fig10_per_pair", "learned", FIG9, where=IRVIS, need="most")),
    Claim("F10.2", "the sum criterion is very similar to the weighted average", "Fig. 10, §4.4",
          "dataset means of sum and mean, TNO pairs",
          Check(("fig10_per_pair",), "means within 5 % on more than half of Fig. 9's metrics", _sum_like_mean)),
    Claim("F10.3", "max fusion keeps one modality's features and performs poorly on ir-vis", "Fig. 10, §4.4",
          "the four criteria's means, TNO pairs",
          Check(("fig10_per_pair",), "max has the lowest mean of the four on more than half of Fig. 9's metrics",
                _max_poor)),
    Claim("F10.4", "on multi-focus the learned criterion has the better overall clarity", "Fig. 10, §4.4",
          "CPBD, JNB and AG of the four criteria, Lytro pairs",
          BestOf("fig10_per_pair", "learned", CLARITY, where=MF, need="most")),
    Claim("F10.5", "on the combined-vision data the learned, sum and average criteria look alike, all better "
          "than max", "Fig. 10, §4.4", "-", NotTestable("the combined-vision (CVS) data is private")),
    Claim("F11.1", "the single unsupervised network does better on its own training data than the multi-focus "
          "network (cross data)", "Fig. 11, §4.5", "single vs focus on the TNO pairs (our single trains on ir-vis, "
          "the paper's on CVS)", PairedBetter("fig11_per_pair", "single", "focus", FIG9, where=IRVIS, need="most")),
    Claim("F11.2", "the multi-focus network does better on multi-focus data than the single unsupervised one",
          "Fig. 11, §4.5", "focus vs single on the Lytro pairs",
          PairedBetter("fig11_per_pair", "focus", "single", FIG9, where=MF, need="most")),
    Claim("F11.3", "on ir-vis the multi-focus network does better than the single unsupervised one",
          "Fig. 11, §4.5", "focus vs single on the TNO pairs (cross data for both in the paper, not for us)",
          PairedBetter("fig11_per_pair", "focus", "single", FIG9, where=IRVIS, need="most")),
    Claim("F11.4", "adding the reconstruction (enhancement) sub-task improves clarity, much so on ir-vis",
          "Fig. 11, §4.5", "single-recon vs single, CPBD, JNB and AG per dataset, against single's seed spread",
          Check(("fig11_per_pair", "fig11_runs"), "single-recon better than single at p < 0.05 and by more than "
                "single's seed spread on most of CPBD, JNB, AG per dataset, worse on none",
                _beyond_spread("single-recon", "single", "single", CLARITY))),
    Claim("F11.5", "the auxiliary tasks improve the generality and robustness across data sets (the central "
          "claim)", "Fig. 11, §4.5, §6", "every training of full vs single, dataset means per Fig. 9 metric",
          Check(("fig11_runs",), "full's worst training better than single's best in more than half of the "
                                 "(dataset, metric) cells and worse in none", _full_beyond_spread)),
    Claim("S4.1", "the channel-attention module (the paper compares with and without it and keeps it)",
          "§4.1, §3.2", "full vs no-attention, Fig. 9's metrics per dataset, against full's seed spread",
          Check(("fig11_per_pair", "fig11_runs"), "full better than no-attention at p < 0.05 and by more than "
                "full's seed spread on most of Fig. 9's metrics per dataset, worse on none",
                _beyond_spread("full", "no-attention", MAIN_NET, FIG9))),
    Claim("S5", "the multiple loss functions represent image quality better than a single loss", "§5, §6", "-",
          NotTestable("the paper trains no single-loss variant to compare with")),
)

LEDGER = Ledger(
    "alan", "ALAN: cross-modal image fusion guided by human visual characteristics (Fang, Zhao & Zhang)",
    "000_16b15fdaa67320e9.txt", CLAIMS,
    differences={
        "quick": "CVS (4,000 pairs) and the 2,999 unnamed ir-vis pairs are not obtainable: the main task trains on "
                 "FLIR-Train + RoadScene train, the sub-tasks on their visible images (COCO is not obtainable; Lytro "
                 "is a test set), the quick CPU schedule (docs/studies/alan.md) instead of 20,000 samples per task; "
                 "content features from the frozen reconstruction encoder unless VGG19 is given; TNO: our 40 pairs "
                 "for the paper's 21.",
        "paper": "the paper's sizes (80x64 patches, 256x256 reconstruction, 20,000 samples per task) on the substitute "
                 "data; optimiser and epochs are ours (the paper gives none).",
    },
    docs="docs/studies/alan.md")

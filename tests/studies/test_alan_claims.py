"""ALAN's claims (fusionkit.studies.alan_claims), declared before the tables exist: every figure of the paper
has a claim, and each hand-written decision gives the verdict a hand-built table calls for."""
from __future__ import annotations

import pandas as pd

from fusionkit.report.ledger import FAILS, HOLDS, INCONCLUSIVE
from fusionkit.studies import alan_claims as C


def test_every_figure_has_a_claim():
    import re

    got = set()
    for c in C.CLAIMS:
        for a, _, b in re.findall(r"Figs?\.? (\d+)(-(\d+))?", c.where):
            got |= set(range(int(a), int(b or a) + 1))
    assert got >= set(range(1, 12)), set(range(1, 12)) - got


def _frame(means: dict[str, list[float]], dataset="ir-vis", pairs=4):
    rows = []
    for m, vals in means.items():
        for p in range(pairs):
            rows.append({"dataset": dataset, "method": m, "pair": str(p),
                         **{k: v + 0.01 * p for k, v in zip(C.FIG9, vals)}})
    return pd.DataFrame(rows)


def test_criteria_checks_by_hand():
    # max lowest on CPBD, JNB, VIFF; sum within 5 % of mean on all four
    df = _frame({"learned": [0.5, 0.5, 0.5, 5.0], "max": [0.1, 0.1, 0.1, 9.0],
                 "sum": [0.40, 0.40, 0.40, 4.0], "mean": [0.41, 0.41, 0.41, 4.1]})
    assert C._max_poor(df)[0] == HOLDS
    assert C._sum_like_mean(df)[0] == HOLDS
    df.loc[df.method == "sum", "CPBD"] *= 2
    df.loc[df.method == "sum", "JNB"] *= 2
    df.loc[df.method == "sum", "VIFF"] *= 2
    assert C._sum_like_mean(df)[0] == FAILS


def test_central_claim_counts_only_differences_beyond_the_seed_spread():
    def runs(full, single):
        return pd.DataFrame([{"dataset": "ir-vis", "network": n, "seed": s, **{m: v for m in C.FIG9}}
                             for n, vals in (("full", full), ("single", single)) for s, v in enumerate(vals)])

    assert C._full_beyond_spread(runs([0.6, 0.7], [0.4, 0.5]))[0] == HOLDS
    assert C._full_beyond_spread(runs([0.3, 0.35], [0.4, 0.5]))[0] == FAILS
    assert C._full_beyond_spread(runs([0.45, 0.7], [0.4, 0.5]))[0] == INCONCLUSIVE  # overlapping trainings


def test_noise_and_gradient_check_needs_both_higher():
    rows = []
    for p in range(6):
        rows.append({"dataset": "ir-vis", "method": C.OURS, "pair": str(p), "AG": 3 + 0.1 * p, "Noise": 1 + 0.05 * p})
        rows.append({"dataset": "ir-vis", "method": "CBF", "pair": str(p), "AG": 4 + 0.1 * p + 0.01 * (p % 2),
                     "Noise": 2 + 0.05 * p})
    df = pd.DataFrame(rows)
    assert C._higher_than_ours(("CBF",), ("AG", "Noise"))(df)[0] == HOLDS
    df.loc[df.method == "CBF", "Noise"] -= 2  # CBF now less noisy than ALAN
    assert C._higher_than_ours(("CBF",), ("AG", "Noise"))(df)[0] == FAILS


def test_single_training_differences_count_only_beyond_the_seed_spread():
    """F11.4 / S4.1: a significant per-pair difference smaller than the spread of two trainings is inconclusive;
    beyond it, it decides; with one training there is no spread and nothing decides."""
    rows = []
    for p in range(6):
        rows += [{"dataset": "ir-vis", "method": "single-recon", "pair": str(p), **{m: 1.0 + 0.1 * p for m in C.CLARITY}},
                 {"dataset": "ir-vis", "method": "single", "pair": str(p),
                  **{m: 0.95 + 0.1 * p + 0.001 * (p % 2) for m in C.CLARITY}}]
    per_pair = pd.DataFrame(rows)  # single-recon ahead by ~0.05 on every pair (p << 0.05)

    def runs(*vals):
        return pd.DataFrame([{"dataset": "ir-vis", "network": "single", "seed": s, **{m: v for m in C.CLARITY}}
                             for s, v in enumerate(vals)])

    decide = C._beyond_spread("single-recon", "single", "single", C.CLARITY)
    assert decide(per_pair, runs(0.50, 0.52))[0] == HOLDS      # spread 0.02 < 0.05
    assert decide(per_pair, runs(0.50, 0.60))[0] == INCONCLUSIVE  # spread 0.10 > 0.05: seed noise could do it
    assert decide(per_pair, runs(0.50))[0] == INCONCLUSIVE     # one training: no spread
    flipped = per_pair.replace({"method": {"single-recon": "single", "single": "single-recon"}})
    assert decide(flipped, runs(0.50, 0.52))[0] == FAILS

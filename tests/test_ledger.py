"""The claims-ledger engine (fusionkit.report.ledger) on small synthetic tables whose verdicts are known by
construction, and the committed ledgers: up to date, every link resolving, every numbered table and
figure of each paper covered, the README's summary in sync."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fusionkit.report import ledger as L

ROOT = Path(__file__).resolve().parents[1]


def _pairs(folder: Path, name: str, effect: dict[str, float], n: int = 30, noise: float = 1.0, seed: int = 0) -> None:
    """A per-pair table: method 'base' ~ N(10, noise) per pair, method 'x' = base + effect[metric] + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        base = {m: 10 + rng.normal(0, noise) for m in effect}
        rows.append({"dataset": "D", "method": "base", "pair": i, **base})
        rows.append({"dataset": "D", "method": "x", "pair": i,
                     **{m: base[m] + effect[m] + rng.normal(0, 0.1 * noise) for m in effect}})
    pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)


def test_count_verdict_rule():
    assert L.count_verdict(good=4, bad=0, n=6, need=4) == L.HOLDS
    assert L.count_verdict(good=1, bad=3, n=6, need=4) == L.FAILS  # 6 - 3 < 4: cannot reach 4
    assert L.count_verdict(good=3, bad=2, n=6, need=4) == L.INCONCLUSIVE  # 6 - 2 = 4: still reachable
    assert L.count_verdict(0, 0, 0, 1) == L.INCONCLUSIVE


def test_paired_better_reads_direction_from_the_registry(tmp_path):
    # x is larger on EN (higher is better) and on Qcv (lower is better): better on EN, worse on Qcv
    _pairs(tmp_path, "t", {"EN": 0.5, "Qcv": 0.5})
    en = L.PairedBetter("t", "x", "base", ("EN",)).decide(tmp_path)
    qcv = L.PairedBetter("t", "x", "base", ("Qcv",)).decide(tmp_path)
    both = L.PairedBetter("t", "x", "base", ("EN", "Qcv"), need="all").decide(tmp_path)
    assert (en.verdict, qcv.verdict, both.verdict) == (L.HOLDS, L.FAILS, L.FAILS)
    assert "better on 1/2, worse on 1/2" in both.measured


def test_paired_better_within_noise_is_inconclusive(tmp_path):
    _pairs(tmp_path, "t", {"EN": 0.0}, noise=1.0)
    out = L.PairedBetter("t", "x", "base", ("EN",)).decide(tmp_path)
    assert out.verdict == L.INCONCLUSIVE


def test_best_of_counts_first_places_against_the_runner_up(tmp_path):
    _pairs(tmp_path, "t", {"EN": 1.0, "SD": -1.0})
    out = L.BestOf("t", "x", ("EN", "SD"), need=1).decide(tmp_path)
    assert out.verdict == L.HOLDS and "first on 1/2" in out.measured and "beaten significantly on 1/2" in out.measured
    assert L.BestOf("t", "x", ("EN", "SD"), need="all").decide(tmp_path).verdict == L.FAILS


def test_welch_needs_two_trainings_a_side(tmp_path):
    rows = [{"ablation": a, "run": r, "pair": p, "EN": 10 + (1 if a == "full" else 0) + 0.01 * r + 0.001 * p}
            for a in ("full", "abl") for r in range(3) for p in range(5)]
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    assert L.WelchBetter("t", "full", "abl", ("EN",), column="ablation").decide(tmp_path).verdict == L.HOLDS
    pd.DataFrame([r for r in rows if r["run"] == 0]).to_csv(tmp_path / "t.csv", index=False)
    one = L.WelchBetter("t", "full", "abl", ("EN",), column="ablation").decide(tmp_path)
    assert one.verdict == L.INCONCLUSIVE and "no spread" in one.measured


def test_missing_table_is_not_run_and_page_counts_rows(tmp_path):
    _pairs(tmp_path, "t", {"EN": 0.5})
    led = L.Ledger("toy", "Toy", "x.txt", (
        L.Claim("A", "x beats base", "Table 1", "EN", L.PairedBetter("t", "x", "base", ("EN",))),
        L.Claim("B", "missing", "Table 2", "EN", L.PairedBetter("absent", "x", "base", ("EN",))),
        L.Claim("C", "private", "Fig. 1", "-", L.NotTestable("private data")),
    ))
    rows = L.evaluate(led, tmp_path)
    assert [r.outcome.verdict for r in rows] == [L.HOLDS, L.NOT_RUN, L.UNTESTABLE]
    text = L.render(led, "quick", tmp_path, rows)
    assert "**1 tested** · 1 hold · 0 do not hold · 0 inconclusive · 1 not testable here · 1 not run" in text
    assert "[t.csv](t.csv)" in text


def test_readme_summary_block_is_replaced(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{L.SUMMARY_START}\nold\n{L.SUMMARY_END}\ntail\n")
    assert L.update_readme_summary(readme, "| new |")
    assert readme.read_text() == f"intro\n{L.SUMMARY_START}\n| new |\n{L.SUMMARY_END}\ntail\n"
    assert not L.update_readme_summary(readme, "| new |")


# ----------------------------------------------------------------------------- the committed ledgers
LEDGER_PAGES = sorted((ROOT / "reports").glob("*/*/README.md"))
LINK = re.compile(r"\]\(([^)#]+)\)")


def _studies():
    from fusionkit.studies import STUDIES
    from fusionkit.studies.ledgers import ledger_of

    return {s: ledger_of(s) for s in STUDIES.names() if hasattr(STUDIES.get(s).load(), "LEDGER")}


@pytest.mark.parametrize("page", LEDGER_PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_committed_ledger_is_current_and_links_resolve(page):
    led = _studies()[page.parent.name]
    rows = L.evaluate(led, page.parent)
    assert page.read_text() == L.render(led, page.parent.parent.name, page.parent, rows), \
        f"{page} is stale: run `fusionkit ledger`"
    assert L.ERROR_NOTE not in page.read_text(), f"{page}: a claim's test failed to run"
    for target in LINK.findall(page.read_text()):
        assert (page.parent / target).resolve().exists(), f"{page}: link {target} does not resolve"


def test_every_study_with_reports_has_its_ledgers():
    for s in _studies():
        for prof in ("quick", "paper"):
            if (ROOT / "reports" / prof / s).is_dir():
                assert (ROOT / "reports" / prof / s / "README.md").is_file(), f"no ledger for {prof}/{s}"


ROMAN = {r: i for i, r in enumerate(("I", "II", "III", "IV", "V", "VI", "VII", "VIII"), start=1)}


def _numbers(where: str, word: str) -> set[int]:
    """Table/figure numbers a claim's ``where`` names ('Figs 1-3', 'Table VII', 'Tables III-IV')."""
    out = set()
    for group in re.findall(word + r"s?\.? ([0-9IVX]+(?:-[0-9IVX]+)?(?:, [0-9IVX]+(?:-[0-9IVX]+)?)*)", where):
        for item in group.split(", "):
            a, _, b = item.partition("-")
            lo, hi = (ROMAN.get(x, int(x) if x.isdigit() else 0) for x in (a, b or a))
            out |= set(range(lo, hi + 1))
    return out


def test_numbers_reads_ranges_lists_and_roman():
    assert _numbers("Figs 4, 7, 9", "Fig") == {4, 7, 9}
    assert _numbers("Tables III-IV, Fig. 2", "Table") == {3, 4}
    assert _numbers("Figs 1-3, 5, §4.3", "Fig") == {1, 2, 3, 5}


@pytest.mark.parametrize("study, tables, figures", [("didfuse", 5, 6), ("jcae", 1, 8), ("aenetv2", 7, 11),
                                                     ("fmmf", 7, 10), ("alan", 0, 11)])
def test_every_numbered_table_and_figure_has_a_claim(study, tables, figures):
    claims = _studies()[study].claims
    got_t = set().union(*(_numbers(c.where, "Table") for c in claims))
    got_f = set().union(*(_numbers(c.where, "Fig") for c in claims))
    assert got_t >= set(range(1, tables + 1)), f"{study}: tables without a claim: {set(range(1, tables + 1)) - got_t}"
    assert got_f >= set(range(1, figures + 1)), f"{study}: figures without a claim: {set(range(1, figures + 1)) - got_f}"


def test_readme_claims_summary_is_in_sync():
    from fusionkit.studies.ledgers import PAPERS

    text = (ROOT / "README.md").read_text()
    if L.SUMMARY_START not in text:
        pytest.fail("README.md has no claims-summary block")
    block = text.split(L.SUMMARY_START, 1)[1].split(L.SUMMARY_END, 1)[0].strip()
    assert block == L.summary_table(PAPERS, ROOT / "reports"), "README claims summary is stale: run `fusionkit ledger`"

"""The claims ledger: a paper's claims as data, each decided by a test on committed report tables.

A study declares ``CLAIMS``: :class:`Claim` s (an id, the paper's words, where the paper says it, the
quantity we measure, and the :class:`Test` that decides it, chosen before the numbers are in). The
verdict of each claim is computed from the per-pair (or per-training) tables a study's notebooks
commit under ``reports/<profile>/<study>/``, without re-running anything:

* **holds**: the test finds the paper's effect, beyond the spread it measures (p < ``alpha``);
* **does not hold**: the test finds the opposite beyond the spread, or the threshold is missed;
* **inconclusive**: the effect is within the spread the test measures (or no spread can be measured);
* **not testable here**: data, weights or hardware we do not have (the reason is given);
* **not run at this profile**: the table the test reads is not in this profile's report folder.

Counting rule of the multi-cell tests (several metrics / datasets), with ``need`` the number of
cells the claim asks for: *holds* when at least ``need`` cells show the effect significantly;
*does not hold* when so many cells show the opposite significantly that ``need`` can no longer be
reached; *inconclusive* otherwise.

:func:`write_ledger` writes ``reports/<profile>/<study>/README.md`` (status line counted from the
rows, the claims table with links to the evidence, substitutes, differences from the paper,
provenance); :func:`update_readme_summary` rewrites the claims block of the project README.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

HOLDS, FAILS, INCONCLUSIVE, UNTESTABLE, NOT_RUN = ("holds", "does not hold", "inconclusive", "not testable here",
                                                   "not run at this profile")
VERDICTS = (HOLDS, FAILS, INCONCLUSIVE, UNTESTABLE, NOT_RUN)


ERROR_NOTE = "the test could not run on these tables"  # committed ledgers must not contain it (tested)


class MissingEvidence(FileNotFoundError):
    """The table a test reads is not in the report folder (the notebook did not run at this profile)."""


@dataclass(frozen=True)
class Outcome:
    verdict: str
    measured: str  # what we measured, in one line with the numbers


def higher_is_better(metric: str) -> bool:
    """The metric's direction from the metric registry (unknown names: higher is better)."""
    from ..metrics import REGISTRY

    return bool(REGISTRY.get(metric).higher_is_better) if metric in REGISTRY else True


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """``<folder>/<name>.csv``; :class:`MissingEvidence` when it is not there."""
    path = Path(folder) / f"{name}.csv"
    if not path.is_file():
        raise MissingEvidence(f"{path.name} is not in this report folder")
    return pd.read_csv(path)


def _select(df: pd.DataFrame, where: Mapping[str, Any], table: str) -> pd.DataFrame:
    for col, val in where.items():
        if col not in df:
            raise KeyError(f"{table}: no column {col!r} (columns: {', '.join(map(str, df.columns))})")
        df = df[df[col].isin(val if isinstance(val, (list, tuple, set)) else [val])]
    return df


def _need(need: int | str, n: int) -> int:
    """'all' -> n, 'most' -> more than half, an int -> itself."""
    if need == "all":
        return n
    if need == "most":
        return n // 2 + 1
    return int(need)


def count_verdict(good: int, bad: int, n: int, need: int) -> str:
    """The counting rule of the module docstring."""
    if n == 0:
        return INCONCLUSIVE
    if good >= need:
        return HOLDS
    if n - bad < need:
        return FAILS
    return INCONCLUSIVE


def _fmt_p(p: float) -> str:
    return "n/a" if p is None or not math.isfinite(p) else (f"{p:.0e}" if p < 1e-3 else f"{p:.3f}")


class Test:
    """How a claim is decided: :meth:`decide` reads tables from a report folder."""

    evidence: tuple[str, ...] = ()  # report files (without extension) the test reads or shows

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def decide(self, folder: Path) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class PairedBetter(Test):
    """``a`` better than ``b`` (each metric's direction) on the same pairs: paired t-test per metric
    (and per ``by`` group, e.g. dataset), counted over the cells with :func:`count_verdict`."""

    table: str
    a: str
    b: str
    metrics: tuple[str, ...]
    column: str = "method"
    by: str | None = "dataset"
    need: int | str = "all"
    where: Mapping[str, Any] = field(default_factory=dict)
    pair: str = "pair"
    alpha: float = 0.05
    label: str = ""  # how the measured text names ``a`` (default: ``a``)

    @property
    def evidence(self) -> tuple[str, ...]:
        return (self.table,)

    def describe(self) -> str:
        return (f"paired t-test over pairs, {self.label or self.a} vs {self.b} per metric{' and ' + self.by if self.by else ''}; "
                f"needs {self.need} of the cells better at p < {self.alpha}")

    def decide(self, folder: Path) -> Outcome:
        from scipy import stats

        df = _select(read_table(folder, self.table), self.where, self.table)
        groups = list(df.groupby(self.by, sort=False)) if self.by else [(None, df)]
        one = len(groups) == 1
        good = bad = n = 0
        parts = []
        for g, sub in groups:
            g = None if one else g
            keys = [self.pair] + (["run"] if "run" in sub and self.column != "run" else [])
            for m in self.metrics:
                wide = sub.pivot_table(index=keys, columns=self.column, values=m, aggfunc="mean")
                if self.a not in wide or self.b not in wide:
                    raise MissingEvidence(f"{self.table} has no {self.column} {self.a!r} or {self.b!r}")
                both = wide[[self.a, self.b]].dropna()
                d = (both[self.a] - both[self.b]) * (1 if higher_is_better(m) else -1)
                p = float(stats.ttest_rel(both[self.a], both[self.b]).pvalue) if len(both) > 1 and d.std() > 0 \
                    else float("nan")
                n += 1
                good += bool(d.mean() > 0 and p < self.alpha)
                bad += bool(d.mean() < 0 and p < self.alpha)
                rel = 100 * (both[self.a].mean() / both[self.b].mean() - 1) if both[self.b].mean() else float("nan")
                parts.append(f"{(str(g) + ' ') if g is not None else ''}{m} {rel:+.1f} % (p {_fmt_p(p)}, "
                             f"{len(both)} pairs)")
        need = _need(self.need, n)
        v = count_verdict(good, bad, n, need)
        return Outcome(v, f"{self.label or self.a} better on {good}/{n}, worse on {bad}/{n} (p < {self.alpha}; needs {need}): "
                          + "; ".join(parts))


@dataclass(frozen=True)
class BestOf(Test):
    """``method`` ranks first among the ``column`` values (``among``: all when empty) per metric and
    ``by`` group, every method compared on the pairs all of them were run on; a first place counts when
    the paired t-test against the runner-up gives p < ``alpha``, a miss counts against the claim when
    the method that leads beats ``method`` at p < ``alpha``."""

    table: str
    method: str
    metrics: tuple[str, ...]
    column: str = "method"
    among: tuple[str, ...] = ()
    by: str | None = "dataset"
    need: int | str = "most"
    where: Mapping[str, Any] = field(default_factory=dict)
    pair: str = "pair"
    alpha: float = 0.05

    @property
    def evidence(self) -> tuple[str, ...]:
        return (self.table,)

    def describe(self) -> str:
        who = ", ".join(self.among) if self.among else f"every {self.column} in the table"
        return (f"rank of {self.method} among {who} per metric{' and ' + self.by if self.by else ''} on common "
                f"pairs; paired t-test against the runner-up (or the leader); needs {self.need} first places")

    def decide(self, folder: Path) -> Outcome:
        from scipy import stats

        df = _select(read_table(folder, self.table), self.where, self.table)
        if self.among:
            df = df[df[self.column].isin((self.method, *self.among))]
        groups = list(df.groupby(self.by, sort=False)) if self.by else [(None, df)]
        one = len(groups) == 1
        good = bad = n = 0
        parts = []
        wide = pd.DataFrame()
        for g, sub in groups:
            g = None if one else g
            for m in self.metrics:
                wide = sub.pivot_table(index=self.pair, columns=self.column, values=m, aggfunc="mean").dropna()
                if self.method not in wide or len(wide) < 2:
                    continue
                sign = 1 if higher_is_better(m) else -1
                order = (wide.mean() * sign).sort_values(ascending=False).index
                if len(order) < 2:
                    continue
                rival = order[1] if order[0] == self.method else order[0]
                p = float(stats.ttest_rel(wide[self.method], wide[rival]).pvalue)
                n += 1
                if order[0] == self.method:
                    good += p < self.alpha
                    parts.append(f"{(str(g) + ' ') if g is not None else ''}{m}: 1st (2nd {rival}, p {_fmt_p(p)})")
                else:
                    bad += p < self.alpha
                    rank = list(order).index(self.method) + 1
                    parts.append(f"{(str(g) + ' ') if g is not None else ''}{m}: #{rank} of {len(order)} "
                                 f"(1st {rival}, p {_fmt_p(p)})")
        need = _need(self.need, n)
        v = count_verdict(good, bad, n, need)
        pairs = f"{len(wide)} common pairs" if n else "no common pairs"
        return Outcome(v, f"first on {good}/{n} cells at p < {self.alpha}, beaten significantly on {bad}/{n} "
                          f"(needs {need}; {pairs} in the last cell): " + "; ".join(parts))


@dataclass(frozen=True)
class WelchBetter(Test):
    """``a`` better than ``b`` over independent trainings: per training the mean over pairs, then Welch's
    t-test per metric over the trainings (fewer than 2 a side: no spread, inconclusive)."""

    table: str
    a: str
    b: str
    metrics: tuple[str, ...]
    column: str
    need: int | str = "most"
    where: Mapping[str, Any] = field(default_factory=dict)
    run: str = "run"
    alpha: float = 0.05
    label: str = ""  # how the measured text names ``a`` (default: ``a``)

    @property
    def evidence(self) -> tuple[str, ...]:
        return (self.table,)

    def describe(self) -> str:
        return (f"{self.label or self.a} vs {self.b}: Welch t-test over per-training means per metric; needs {self.need} "
                f"metrics better at p < {self.alpha}")

    def decide(self, folder: Path) -> Outcome:
        from scipy import stats

        df = _select(read_table(folder, self.table), self.where, self.table)
        per_run = df.groupby([self.column, self.run])[list(self.metrics)].mean()
        x, y = per_run.xs(self.a, level=0), per_run.xs(self.b, level=0)
        good = bad = 0
        parts = []
        for m in self.metrics:
            sign = 1 if higher_is_better(m) else -1
            d = sign * (x[m].mean() - y[m].mean())
            p = (float(stats.ttest_ind(x[m], y[m], equal_var=False).pvalue)
                 if min(len(x), len(y)) >= 2 and (x[m].std() > 0 or y[m].std() > 0) else float("nan"))
            good += bool(d > 0 and p < self.alpha)
            bad += bool(d < 0 and p < self.alpha)
            parts.append(f"{m} {100 * (x[m].mean() / y[m].mean() - 1):+.1f} % (p {_fmt_p(p)})")
        n = len(self.metrics)
        need = _need(self.need, n)
        spread = "" if min(len(x), len(y)) >= 2 else "; one training a side: no spread, so no significance"
        return Outcome(count_verdict(good, bad, n, need),
                       f"{self.label or self.a} better on {good}/{n}, worse on {bad}/{n} (p < {self.alpha}; needs {need}; "
                       f"{len(x)}/{len(y)} trainings{spread}): " + "; ".join(parts))


@dataclass(frozen=True)
class Check(Test):
    """A declared computation on one or more tables: ``fn(*frames) -> (verdict, measured)``; for
    thresholds, directions without a spread (say so in ``measured``) and study-specific quantities."""

    tables: tuple[str, ...]
    rule: str  # the decision rule in words, shown in the ledger
    fn: Callable[..., tuple[str, str]]
    shows: tuple[str, ...] = ()  # further files linked as evidence (figures)

    @property
    def evidence(self) -> tuple[str, ...]:
        return (*self.tables, *self.shows)

    def describe(self) -> str:
        return self.rule

    def decide(self, folder: Path) -> Outcome:
        verdict, measured = self.fn(*(read_table(folder, t) for t in self.tables))
        if verdict not in VERDICTS:
            raise ValueError(f"a Check returned {verdict!r}; valid: {VERDICTS}")
        return Outcome(verdict, measured)


@dataclass(frozen=True)
class NotTestable(Test):
    """A claim we cannot test here, and why (unavailable data or methods, a qualitative judgement, ...);
    ``shows``: files a reader can look at (e.g. our version of the figure)."""

    reason: str
    shows: tuple[str, ...] = ()

    @property
    def evidence(self) -> tuple[str, ...]:
        return self.shows

    def describe(self) -> str:
        return "-"

    def decide(self, folder: Path) -> Outcome:
        return Outcome(UNTESTABLE, self.reason)


def within(value: float, lo: float = -math.inf, hi: float = math.inf) -> str:
    """HOLDS when ``lo <= value <= hi``, else FAILS (for :class:`Check` functions)."""
    return HOLDS if lo <= value <= hi else FAILS


@dataclass(frozen=True)
class Claim:
    """One claim of a paper: ``id`` (e.g. 'T4.3'), the paper's words (``says``), where (``where``: table,
    figure or section), what we measure (``measure``) and the :class:`Test` that decides it."""

    id: str
    says: str
    where: str
    measure: str
    test: Test


@dataclass(frozen=True)
class Ledger:
    """What a ledger page says besides the claims: the paper, the substitutes, the differences."""

    study: str
    title: str
    paper: str  # file under ../shared/papers/
    claims: tuple[Claim, ...]
    substitutes: str = "data_substitutes"  # report table name
    differences: Mapping[str, str] = field(default_factory=dict)  # profile -> what differs from the paper
    docs: str = ""  # docs/studies/<study>.md


@dataclass
class Row:
    claim: Claim
    outcome: Outcome
    links: list[str]


def evaluate(ledger: Ledger, folder: Path) -> list[Row]:
    """Every claim's outcome on the tables in ``folder`` (a missing table: not run at this profile)."""
    rows = []
    for c in ledger.claims:
        try:
            out = c.test.decide(folder)
        except MissingEvidence as e:
            out = Outcome(NOT_RUN, f"{e}")
        except (KeyError, ValueError, IndexError) as e:  # e.g. a smoke table too small for the test
            out = Outcome(NOT_RUN, f"{ERROR_NOTE}: {type(e).__name__}: {e}")
        links = [_link(folder, name) for name in c.test.evidence]
        rows.append(Row(c, out, [x for x in links if x]))
    return rows


def _link(folder: Path, name: str) -> str | None:
    for ext in (".md", ".png", ".csv"):
        if (Path(folder) / f"{name}{ext}").is_file():
            return f"[{name}{ext}]({name}{ext})"
    return None


@dataclass
class LedgerPage:
    """A written ledger page; shows its Markdown inline in a notebook."""

    path: Path
    rows: list[Row]

    def _repr_markdown_(self) -> str:
        return Path(self.path).read_text()


def counts(rows: Sequence[Row]) -> dict[str, int]:
    return {v: sum(r.outcome.verdict == v for r in rows) for v in VERDICTS}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _provenance(folder: Path) -> list[dict[str, Any]]:
    out = []
    for p in sorted(Path(folder).glob("provenance-*.json")):
        try:
            out.append(json.loads(p.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    return out


def render(ledger: Ledger, profile: str, folder: Path, rows: Sequence[Row]) -> str:
    """The ledger page (Markdown)."""
    from .provenance import REPRO_NOTE

    c = counts(rows)
    tested = c[HOLDS] + c[FAILS] + c[INCONCLUSIVE]
    docs = f"../../../{ledger.docs}" if ledger.docs else ""
    prov = _provenance(folder)
    lines = ["<!-- generated by fusionkit.report.ledger from the tables in this folder; do not edit -->",
             f"# {ledger.title}: claims ledger, profile `{profile}`", "",
             f"Paper: `../shared/papers/{ledger.paper}`. {REPRO_NOTE.get(profile, '')}",
             f"Claims: **{tested} tested** · {c[HOLDS]} hold · {c[FAILS]} do not hold · {c[INCONCLUSIVE]} "
             f"inconclusive · {c[UNTESTABLE]} not testable here · {c[NOT_RUN]} not run at this profile "
             f"(counted from the rows below).", ""]
    sub = _link(folder, ledger.substitutes)
    if sub:
        lines.append(f"Substitutes for the paper's data: {sub}.")
    if ledger.differences.get(profile):
        lines.append(f"Differences from the paper: {ledger.differences[profile]}"
                     + (f" ([{ledger.docs}]({docs}))" if docs else ""))
    lines += ["", "Verdicts are computed from the committed tables by the tests declared with the claims "
              "(`fusionkit/studies/" + ledger.study + "_claims.py`): *inconclusive* means within the spread the "
              "test measures; see `fusionkit.report.ledger` for the rules.", "",
              "| id | the paper says (where) | measured (ours) | test | verdict | evidence |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r.claim.id} | {_cell(r.claim.says)} ({_cell(r.claim.where)}) | "
                     f"{_cell(r.claim.measure)}: {_cell(r.outcome.measured)} | {_cell(r.claim.test.describe())} | "
                     f"**{r.outcome.verdict}** | {', '.join(r.links) or '-'} |")
    if prov:
        lines += ["", "## Provenance", "", "| notebook | status | commit | device | finished |",
                  "| --- | --- | --- | --- | --- |"]
        for p in prov:
            g = (p.get("git") or {})
            lines.append(f"| {p.get('notebook') or p.get('key')} | {p.get('status')} | "
                         f"`{(g.get('commit') or '?')[:12]}`{' (dirty)' if g.get('dirty') else ''} | "
                         f"{p.get('device_name', '?')} | {(p.get('finished') or '')[:19]} |")
    return "\n".join(lines) + "\n"


def write_ledger(ledger: Ledger, profile: str, root: str | Path | None = None) -> tuple[Path, list[Row]]:
    """Evaluate ``ledger`` on ``<root>/<profile>/<study>/`` and write its ``README.md`` there (atomically)."""
    from .. import paths
    from ..files import atomic_write_text
    from .index import study_dir

    folder = study_dir(Path(root) if root else paths.reports_dir(), profile, ledger.study)
    if not folder.is_dir():
        raise FileNotFoundError(f"no {profile} report of {ledger.study} at {folder}")
    rows = evaluate(ledger, folder)
    return atomic_write_text(folder / "README.md", render(ledger, profile, folder, rows)), rows


SUMMARY_START, SUMMARY_END = "<!-- claims-summary:start -->", "<!-- claims-summary:end -->"


def summary_table(entries: Sequence[tuple[str, str, str, str | None, Sequence[str]]], reports: Path,
                  prefix: str = "reports") -> str:
    """The README's table of papers: (title, status, docs page, study name or None, note), counted from the
    ledger pages under ``reports`` (linked as ``<prefix>/<profile>/<study>/README.md``)."""
    lines = ["| paper | status | best committed profile | claims (hold / tested) | docs | ledger |",
             "| --- | --- | --- | --- | --- | --- |"]
    from .index import PROFILE_ORDER

    for title, status, docs, study, _ in entries:
        best, claims, ledger = "-", "-", "-"
        for prof in PROFILE_ORDER[:2]:  # paper, quick
            page = Path(reports) / prof / (study or "") / "README.md"
            if study and page.is_file():
                m = re.search(r"\*\*(\d+) tested\*\* · (\d+) hold · (\d+) do not hold · (\d+) inconclusive · "
                              r"(\d+) not testable here", page.read_text())
                best = prof
                claims = (f"{m.group(2)} / {m.group(1)} ({m.group(3)} do not hold, {m.group(4)} inconclusive, "
                          f"{m.group(5)} not testable)" if m else "?")
                ledger = " · ".join(f"[{p}]({prefix}/{p}/{study}/README.md)" for p in PROFILE_ORDER[:2]
                                    if (Path(reports) / p / study / "README.md").is_file())
                break
        lines.append(f"| {title} | {status} | {best} | {claims} | [{Path(docs).name}]({docs}) | {ledger} |")
    return "\n".join(lines)


def update_readme_summary(readme: Path, table: str) -> bool:
    """Replace the block between the claims-summary markers of ``readme``; True when it changed."""
    from ..files import atomic_write_text

    text = Path(readme).read_text()
    if SUMMARY_START not in text or SUMMARY_END not in text:
        raise ValueError(f"{readme}: no {SUMMARY_START} ... {SUMMARY_END} block")
    head, rest = text.split(SUMMARY_START, 1)
    _, tail = rest.split(SUMMARY_END, 1)
    new = f"{head}{SUMMARY_START}\n{table}\n{SUMMARY_END}{tail}"
    if new != text:
        atomic_write_text(readme, new)
    return new != text


def relative_change(a: float, b: float) -> float:
    """100 (a / b - 1), NaN when b is 0."""
    return float("nan") if b == 0 else 100.0 * (a / b - 1.0)


__all__ = ["BestOf", "Check", "Claim", "HOLDS", "FAILS", "INCONCLUSIVE", "Ledger", "NOT_RUN", "NotTestable",
           "Outcome", "PairedBetter", "UNTESTABLE", "VERDICTS", "WelchBetter", "count_verdict", "evaluate",
           "render", "summary_table", "update_readme_summary", "within", "write_ledger"]

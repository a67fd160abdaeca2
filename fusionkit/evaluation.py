"""Score fusers over datasets x metrics into one tidy frame, and the aggregations papers report.

* :func:`score`: ``{label: fuse(a, b)}`` over ``{label: (dataset, split)}`` -> one row per
  (dataset, method, pair) with a column per metric; fused images are quantised to the 8-bit levels
  they are saved with before scoring.
* :func:`mean_std_over_runs`: mean ± std over independent trainings (e.g. DIDFuse Table III).
* :func:`larger_value_counts`: "overall # larger value" (e.g. DIDFuse Table IV).
* :func:`mark_best`: best **bold**, second _underlined_ per column, each metric's own direction.
* :func:`paired_tests`: paired t-test of every method against a reference method, per metric.
* :func:`run_effects`: the effect of each variant against a reference over independent trainings
  (Welch t-test on the per-training means), with its direction beside a reported one.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from .data.datasets import FusionDataset

Fuser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (N,1,H,W) x2 in [0,1] -> (N,1,H,W)


def quantize(f: torch.Tensor) -> np.ndarray:
    """A fused image in [0, 1] as the 8-bit grey levels it is saved with (metrics use these)."""
    return np.round(f.detach().double().clamp(0, 1).cpu().numpy() * 255.0)


def pair_metrics(fused: torch.Tensor, a: torch.Tensor, b: torch.Tensor, metrics: Sequence[str],
                 convention: str = "standard") -> dict[str, float]:
    """Metrics of one (H, W) fused image in [0, 1] and its sources, all scored on [0, 255] (the fused
    image as the 8-bit levels it is saved with) in metric ``convention`` (docs/metrics.md)."""
    from .metrics import evaluate

    return evaluate(quantize(fused), a.double().numpy() * 255.0, b.double().numpy() * 255.0, list(metrics),
                    convention=convention)


def method_fuser(method: Any) -> Fuser:
    """``fuse(a, b)`` for anything with ``fuse_batch`` (every :mod:`fusionkit.methods` method)."""
    return lambda a, b: method.fuse_batch(a, b)


def open_set(name: str, split: str | None, pairs: Sequence[str] | None = None, limit: int | None = None,
             crop: int | None = None, mode: str = "gray") -> FusionDataset:
    """The grey test set ``(name, split)``, optionally only the pairs named ``pairs`` (a study's own split)
    and at most ``limit`` of them; a dataset of multi-source sequences (multi-exposure) opens as sequences.
    ``crop``: every image centre-cropped to ``crop`` x ``crop`` (a smoke profile's small inputs); ``mode``:
    ``gray`` (default) or ``rgb`` (:class:`fusionkit.data.datasets.FusionDataset`)."""
    from .data.manifest import load_manifest
    from .data.transforms import CenterCrop

    kind = "pairs" if load_manifest()[name].pairs else "sequences"
    ds = FusionDataset(name, split, mode=mode, kind=kind, transform=CenterCrop(crop) if crop else None)
    if pairs is not None:
        unknown = [p for p in pairs if p not in ds.names]
        if unknown:
            raise ValueError(f"{name}: no pair(s) {unknown[:5]}")
        ds.items = [ds.items[ds.names.index(p)] for p in pairs]
    if limit is not None:
        ds.items = ds.items[:limit]
    return ds


def score(fusers: Mapping[str, Fuser], datasets: Mapping[str, tuple], metrics: Sequence[str],
          limit: int | None = None, keep: int = 0, progress: bool = True,
          convention: str = "standard", crop: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Every fuser on every pair of every dataset (metrics in ``convention``).

    Returns the tidy per-pair frame (columns ``dataset``, ``method``, ``pair``, then one per metric)
    and ``kept[(dataset, method)][pair]``: the first ``keep`` fused images per dataset (8-bit levels),
    for qualitative figures. ``limit`` caps the pairs per dataset (None: all). A dataset is
    ``(name, split)`` or ``(name, split, pair names)`` (:func:`open_set`); a sequence is fused from its
    first and last source (multi-exposure: the darkest and brightest). ``crop``: see :func:`open_set`."""
    from tqdm.auto import tqdm

    sets = {label: open_set(*spec, limit=limit, crop=crop) for label, spec in datasets.items()}
    total = sum(len(ds) for ds in sets.values()) * len(fusers)
    rows, kept = [], {}
    with tqdm(total=total, desc="scoring", unit="pair", disable=not progress, leave=False) as bar:
        for label, ds in sets.items():
            for i in range(len(ds)):
                it = ds[i]
                it["b"] = it["sources"][-1]
                for method, fuse in fusers.items():
                    bar.set_postfix_str(f"{label}/{it['name']} {method}")
                    f = fuse(it["a"][None], it["b"][None])[0, 0]
                    rows.append({"dataset": label, "method": method, "pair": it["name"],
                                 **pair_metrics(f, it["a"][0], it["b"][0], metrics, convention)})
                    if i < keep:
                        kept.setdefault((label, method), {})[it["name"]] = quantize(f)
                    bar.update()
    return pd.DataFrame(rows), kept


def mean_std_over_runs(per_pair: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Per run: the dataset mean of each metric; then mean and std (ddof=1; NaN for one run: no spread
    can be estimated from a single training) over runs.

    ``per_pair`` needs a ``run`` column. Columns of the result: ``("mean", m)``, ``("std", m)``,
    ``("runs", "")``."""
    per_run = per_pair.groupby(list(by) + ["run"], sort=False)[list(metrics)].mean()
    g = per_run.groupby(level=list(range(len(by))), sort=False)
    mean, std = g.mean(), g.std(ddof=1)
    out = pd.concat({"mean": mean, "std": std}, axis=1)
    out[("runs", "")] = g.size()
    return out


def pm(mean: pd.DataFrame, std: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """'mean ± std' strings, cell by cell; the mean alone where the std is NaN (one training)."""
    return mean.apply(lambda c: [f"{m:.{digits}f}" if np.isnan(s) else f"{m:.{digits}f} ± {s:.{digits}f}"
                                 for m, s in zip(c, std[c.name])])


def larger_value_counts(ours: pd.Series, test: pd.Series, higher_is_better: Sequence[bool] | None = None
                        ) -> tuple[int, int]:
    """How many metrics each side wins ("overall # larger value"); ties count for neither.
    ``higher_is_better`` per metric (default: all higher-is-better, as in DIDFuse Table IV)."""
    o, t = np.asarray(ours, float), np.asarray(test, float)
    hib = np.ones(len(o), bool) if higher_is_better is None else np.asarray(higher_is_better, bool)
    o_wins = np.where(hib, o > t, o < t)
    t_wins = np.where(hib, t > o, t < o)
    return int(o_wins.sum()), int(t_wins.sum())


def mark_best(table: pd.DataFrame, fmt: str = "{:.3f}") -> pd.DataFrame:
    """Rows = methods, columns = metrics: best **bold**, second _underlined_ (each metric's direction
    from the metric registry)."""
    from .metrics.stats import best_in_column

    return best_in_column(table, None, fmt)


def paired_tests(per_pair: pd.DataFrame, reference: str, metrics: Sequence[str],
                 by: str = "dataset") -> pd.DataFrame:
    """Paired t-test (scipy ``ttest_rel``, two-sided) of ``reference`` against every other method on
    the same pairs, per ``by`` group and metric: mean difference (reference − other), t, p, n."""
    from .metrics.stats import paired_ttest

    rows = []
    for group, sub in per_pair.groupby(by, sort=False):
        wide = sub.pivot_table(index="pair", columns="method", values=list(metrics), aggfunc="mean")
        for other in sub["method"].unique():
            if other == reference:
                continue
            for m in metrics:
                both = wide[m][[reference, other]].dropna()
                if len(both) < 2:
                    continue
                r = paired_ttest(both[reference], both[other])
                rows.append({by: group, "method": other, "metric": m, "mean_diff": r["mean_diff"],
                             "t": r["t"], "p": r["p"], "n": r["n"]})
    return pd.DataFrame(rows, columns=[by, "method", "metric", "mean_diff", "t", "p", "n"])


def run_effects(per_pair: pd.DataFrame, group: str, reference: str, metrics: Sequence[str],
                reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The effect of every ``group`` value against ``reference`` over independent trainings.

    ``per_pair`` has a ``run`` column (one training each); per run the mean over pairs is taken, then
    for each variant and metric: the mean over runs of reference and variant, their difference
    (reference - variant), Welch's t-test over the per-run means (scipy ``ttest_ind``,
    ``equal_var=False``; NaN with fewer than 2 runs a side) and the direction of the difference
    (+1, -1, 0). With ``reported`` (columns ``group``, ``metric``, ``reference``, ``variant``: a
    paper's values, possibly several rows per variant and metric, e.g. one per dataset), the reported
    direction(s) and whether ours agrees with all / some / none of them."""
    from scipy import stats

    per_run = per_pair.groupby([group, "run"], sort=False)[list(metrics)].mean()
    ref = per_run.xs(reference, level=group)
    rows = []
    for g in per_pair[group].unique():
        if g == reference:
            continue
        var = per_run.xs(g, level=group)
        for m in metrics:
            x, y = ref[m].to_numpy(float), var[m].to_numpy(float)
            p = (float(stats.ttest_ind(x, y, equal_var=False).pvalue) if min(len(x), len(y)) >= 2
                 and (x.std() > 0 or y.std() > 0) else float("nan"))
            d = x.mean() - y.mean()
            row = {group: g, "metric": m, "reference": x.mean(), "variant": y.mean(), "difference": d,
                   "runs": f"{len(x)}/{len(y)}", "p (Welch)": p, "direction": int(np.sign(d))}
            if reported is not None:
                rep = reported[(reported[group] == g) & (reported["metric"] == m)]
                dirs = np.sign(rep["reference"].to_numpy(float) - rep["variant"].to_numpy(float)).astype(int)
                agree = int((dirs == row["direction"]).sum())
                row["reported direction"] = "/".join(f"{v:+d}" for v in dirs)
                row["agrees"] = "-" if not len(dirs) else ("all" if agree == len(dirs) else "some" if agree else "none")
            rows.append(row)
    return pd.DataFrame(rows)


def score_variants(sets: Mapping[str, tuple], encode: Callable[[torch.Tensor, torch.Tensor], Any],
                   variants: Mapping[str, Callable[[Any], torch.Tensor]], metrics: Sequence[str],
                   limit: int | None = None, convention: str = "standard", column: str = "method") -> pd.DataFrame:
    """Several fusion variants of one network, encoding each pair once: ``encode(a, b)`` -> features,
    ``variants[name](features)`` -> the fused (1, 1, H, W) image in [0, 1]. The per-pair frame of
    :func:`score` (``column`` names the variant). For rule ablations, where the encoder is most of the cost
    and :func:`score` would run it once per rule."""
    rows = []
    for label, spec in sets.items():
        ds = open_set(*spec, limit=limit)
        for i in range(len(ds)):
            it = ds[i]
            b = it["sources"][-1]
            with torch.inference_mode():
                feats = encode(it["a"][None], b[None])
                for name, fuse in variants.items():
                    f = fuse(feats)[0, 0].clamp(0, 1).cpu()
                    rows.append({"dataset": label, column: name, "pair": it["name"],
                                 **pair_metrics(f, it["a"][0], b[0], metrics, convention)})
    return pd.DataFrame(rows)


def score_runs(fusers: Mapping[int, Fuser], sets: Mapping[str, tuple], metrics: Sequence[str], label: str,
               limit: int | None = None, convention: str = "standard") -> pd.DataFrame:
    """One fuser per independent training (``{run: fuse}``) on every pair: the per-pair frame with a ``run``
    column, the method column set to ``label`` (for spreads over trainings: :func:`mean_std_over_runs`,
    :func:`run_effects`)."""
    frames = [score({label: f}, sets, metrics, limit=limit, convention=convention)[0].assign(run=r)
              for r, f in fusers.items()]
    cols = ["dataset", "method", "pair", *metrics, "run"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def comparison(per_pair: pd.DataFrame, ours: str, metrics: Sequence[str], by: str = "dataset"
               ) -> dict[str, pd.DataFrame]:
    """What a paper's comparison table needs from a per-pair frame: ``means`` per (``by``, method) in row
    order of first appearance, ``pairs`` (how many pairs each method was scored on), ``best`` (best bold,
    second underlined, per ``by`` group, each metric's direction) and ``ttests`` (paired t-tests of ``ours``
    against every other method on the pairs both were run on)."""
    means = per_pair.groupby([by, "method"], sort=False)[list(metrics)].mean()
    pairs = per_pair.groupby([by, "method"], sort=False).pair.nunique().rename("pairs")
    best = pd.concat({g: mark_best(means.xs(g, level=by)) for g in means.index.get_level_values(0).unique()},
                     names=[by])
    return {"means": means, "pairs": pairs, "best": best, "ttests": paired_tests(per_pair, ours, metrics, by)}


def mean_with_p(means: pd.DataFrame, tests: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """'mean ± p' cells (p of the paired t-test against the reference method; none on its own row), the way
    JCAE's Table 1 prints them. ``tests``: :func:`paired_tests` output."""
    p = tests.pivot_table(index="method", columns="metric", values="p")
    return pd.DataFrame({m: [f"{means.loc[r, m]:.{digits}f}" + (f" ± {p.loc[r, m]:.2f}" if r in p.index else "")
                             for r in means.index] for m in means.columns}, index=means.index)


def kept_images(fusers: Mapping[str, Fuser], items: Mapping[str, dict]) -> dict[str, dict[str, np.ndarray]]:
    """For each named item (a dataset item with ``a`` and ``b``): the sources and every fuser's output, as
    the 8-bit levels they are saved with (for qualitative figures)."""
    return {name: {"infrared": quantize(it["a"][0]), "visible": quantize(it["b"][0])}
            | {m: quantize(f(it["a"][None], it["b"][None])[0, 0]) for m, f in fusers.items()}
            for name, it in items.items()}


def convention_scale(method: Any, sets: Mapping[str, tuple], metrics: Sequence[str],
                     conventions: Sequence[str] = ("standard", "vifb"), limit: int | None = None,
                     crop: int | None = None, colour: bool = False) -> pd.DataFrame:
    """One method's mean metrics in each metric convention (on 8-bit levels), to see which convention puts a
    paper's numbers on its scale (``crop``: see :func:`open_set`). ``colour``: fuse the RGB sources with the
    method's ``fuse_color`` (e.g. IFCNN on colour multi-focus pairs), then score the 8-bit fused image and
    sources converted with MATLAB's ``rgb2gray``, as a paper that fused in colour and scored grey did."""
    from .data.color import rgb2gray_uint8
    from .metrics import evaluate

    def gray8(x: np.ndarray) -> np.ndarray:  # H x W x 3 in [0, 1] -> MATLAB rgb2gray of its uint8 form
        return rgb2gray_uint8(np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)).astype(np.float64)

    rows = []
    for spec in sets.values():
        ds = open_set(*spec, limit=limit, crop=crop, mode="rgb" if colour else "gray")
        for i in range(len(ds)):
            it = ds[i]
            if colour:
                ca, cb = (x.permute(1, 2, 0).double().numpy() for x in (it["a"], it["sources"][-1]))
                f, a, b = gray8(method.fuse_color(ca, cb)), gray8(ca), gray8(cb)
            else:
                f = quantize(method.fuse_batch(it["a"][None], it["sources"][-1][None])[0, 0])
                a, b = (x[0].double().numpy() * 255 for x in (it["a"], it["sources"][-1]))
            rows += [{"scoring": f"{c}, 8-bit levels", **evaluate(f, a, b, list(metrics), convention=c)}
                     for c in conventions]
    return pd.DataFrame(rows).groupby("scoring", sort=False).mean()


def on_common_pairs(per_pair: pd.DataFrame, by: str = "dataset") -> pd.DataFrame:
    """The rows of the pairs that every method of their ``by`` group was scored on, so that a ranked table
    compares methods on the same pairs."""
    keep = []
    for _, sub in per_pair.groupby(by, sort=False):
        n = sub.method.nunique()
        common = sub.groupby("pair").method.nunique()
        keep.append(sub[sub.pair.isin(common[common == n].index)])
    return pd.concat(keep, ignore_index=True)


def relative_gap(ours: pd.Series, theirs: pd.Series, targets: Mapping[str, float]) -> pd.DataFrame:
    """Per metric: theirs, ours, the relative difference (%) and whether it is within ``targets`` (a
    fraction per metric, e.g. 0.03 for 3 %)."""
    rel = 100 * (ours / theirs - 1)
    return pd.DataFrame({"reference": theirs, "ours": ours, "difference %": rel,
                         "target %": [100 * targets[k] for k in ours.index],
                         "within target": [abs(rel[k]) <= 100 * targets[k] for k in ours.index]})


def larger_value_table(means: pd.DataFrame, reference: str, variants: Mapping[int, str]
                       ) -> tuple[pd.DataFrame, dict[int, tuple[int, int]]]:
    """DIDFuse Table IV's layout: for each experiment ``k`` (``variants[k]``: a row of ``means``), the
    reference's and the variant's mean per metric (columns ``Exp. k: <variant> / Ours`` and ``/ Test``), the
    larger in bold, and an 'Overall # larger value' row; with the (reference wins, variant wins) counts."""
    cols, counts = {}, {}
    for k, var in variants.items():
        o, t = means.loc[reference], means.loc[var]
        cols[f"Exp. {k}: {var} / Ours"] = [f"**{x:.3f}**" if x > y else f"{x:.3f}" for x, y in zip(o, t)]
        cols[f"Exp. {k}: {var} / Test"] = [f"**{y:.3f}**" if y > x else f"{y:.3f}" for x, y in zip(o, t)]
        counts[k] = larger_value_counts(o, t)
    table = pd.DataFrame(cols, index=list(means.columns))
    table.loc["Overall # larger value"] = [str(counts[k][j]) for k in variants for j in (0, 1)]
    return table, counts

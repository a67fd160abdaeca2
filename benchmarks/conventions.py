"""Parity of fusionkit's evaluator conventions with the evaluators' own code: for each convention, metric and
backend, the largest relative difference from the golden values on the fixture triples.

    python benchmarks/conventions.py

Golden values: tests/fixtures/golden_<convention>.csv (made by tools/golden/<convention>.sh from the evaluator's
own, unmodified code on fusionkit.metrics.golden.triples()). Golden columns that are not yet a fusionkit metric
are listed as such. Writes reports/benchmarks/conventions.{md,csv} with provenance.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from fusionkit.metrics import ALL, evaluate, golden
from fusionkit.report import Report

#: convention -> (golden column -> our metric name)
RENAME = {"tang": {}, "cddfuse": {"VIFF": "VIF"}}


def main() -> None:
    triples = golden.triples()
    rows = []
    for conv, ren in RENAME.items():
        g = golden.read_golden(conv).set_index("id")
        for col in g.columns:
            name = ren.get(col, col)
            if name not in ALL:
                rows.append({"convention": conv, "golden column": col, "metric": "-",
                             "note": "not a fusionkit metric yet"})
                continue
            row = {"convention": conv, "golden column": col, "metric": name}
            for backend in ("fast", "reference"):
                rel = [abs(evaluate(*(t[k].astype(np.float64) for k in "FAB"), metrics=[name], convention=conv,
                                    backend=backend)[name] / g.at[t["id"], col] - 1) for t in triples]
                row[f"max rel. diff ({backend})"] = max(rel)
            rows.append(row)
    table = pd.DataFrame(rows)
    st = Report("benchmarks", {"profile": "benchmark", "seed": 0, "triples": len(triples), "crop": golden.CROP},
                datasets=["didfuse-tno"], title="Evaluator conventions: parity with their own code", key="conventions")
    st.table("conventions", table, caption=(
        f"Largest relative difference from each evaluator's own values over the {len(triples)} fixture triples "
        "(fusionkit.metrics.golden; golden values in tests/fixtures/golden_<convention>.csv)"), float_fmt=".2g")
    st.finish()
    print(table.to_string())


if __name__ == "__main__":
    main()

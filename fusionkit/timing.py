"""Wall-clock timing helpers shared by the benchmarks and the studies."""
from __future__ import annotations


def median_time(fn, repeats: int, sync=None) -> float:
    """Median wall time (s) of ``fn()`` over ``repeats`` calls after one excluded warm-up call.

    ``sync`` (e.g. ``torch.cuda.synchronize``) is called after every call so GPU work is counted.
    """
    import statistics
    import time

    sync = sync or (lambda: None)
    fn()
    sync()
    ts = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def time_per_item(fn, items, sync=None) -> dict[str, float]:
    """Time ``fn(*item)`` for each item after the first (excluded: initialisation), as papers time fusion
    per pair: median and mean in ms and the count. ``sync`` as in :func:`median_time`."""
    import statistics
    import time

    sync = sync or (lambda: None)
    fn(*items[0])
    sync()
    ts = []
    for it in items[1:]:
        t = time.perf_counter()
        fn(*it)
        sync()
        ts.append(time.perf_counter() - t)
    if not ts:
        raise ValueError("time_per_item needs at least two items (the first is excluded)")
    return {"median ms": 1000 * statistics.median(ts), "mean ms": 1000 * statistics.fmean(ts), "pairs timed": len(ts)}

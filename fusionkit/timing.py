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

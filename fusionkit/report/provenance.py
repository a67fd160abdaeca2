"""Provenance of a report: device, dataset checksums, the reproduction note of each profile."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable


REPRO_NOTE = {
    "smoke": "smoke profile: a test of the code path on a few pairs/steps. NOT a reproduction.",
    "quick": "quick profile: reduced epochs/crops, shows the trend only. NOT a reproduction.",
    "paper": "paper profile: the paper's hyper-parameters and schedule, here on substitute data and/or another "
             "device class than the paper's: paper schedule on substitute data, not a reproduction (the "
             "study's ledger lists the differences).",
    "benchmark": "benchmark: timings and implementation checks, not a paper result.",
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def device_info(device: Any = None) -> dict[str, Any]:
    import torch

    from ..devices import select_device

    dev = str(device) if device is not None else str(select_device())
    if dev.startswith("cuda") and torch.cuda.is_available():
        name = torch.cuda.get_device_name(torch.device(dev))
    else:
        from ..devices import cpu_model

        name = cpu_model()
    return {"device": dev, "device_name": name, "torch": torch.__version__,
            "cuda": torch.version.cuda, "threads": torch.get_num_threads()}


def dataset_checksums(names: Iterable[str], verify: bool = True) -> dict[str, Any]:
    """Manifest digest of each dataset used and, with ``verify``, whether the local files match."""
    from ..data import load_manifest, verify_entry

    man = load_manifest()
    out = {}
    for n in names:
        e = man[n]
        rec: dict[str, Any] = {"available": e.available, "files": len(e.files),
                               "manifest_sha256": e.checksum() if e.files else None}
        if e.available and verify:
            res = verify_entry(e)
            rec["verified"] = res.passed
            if not res.passed:
                rec["problems"] = res.problems()[:20]
        out[n] = rec
    return out

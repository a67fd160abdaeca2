"""Verify local copies of manifest files and download missing ones with checksum checks."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..files import atomic_path, sha256_file
from .manifest import Entry


class ChecksumError(ValueError):
    """A file's sha256 differs from the manifest."""


@dataclass
class VerifyResult:
    entry: str
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    corrupt: list[tuple[str, str, str]] = field(default_factory=list)  # (path, expected, actual)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.corrupt

    def problems(self) -> list[str]:
        out = [f"missing: {p}" for p in self.missing]
        out += [f"corrupt: {p} (sha256 expected {e}, got {a})" for p, e, a in self.corrupt]
        return out


def verify_entry(entry: Entry) -> VerifyResult:
    """Hash every file of ``entry`` under its local folder; report missing and corrupt files."""
    res = VerifyResult(entry.name)
    for f in entry.files:
        p = entry.local_path(f.path)
        if not p.is_file():
            res.missing.append(str(p))
            continue
        actual = sha256_file(p)
        if actual != f.sha256:
            res.corrupt.append((str(p), f.sha256, actual))
        else:
            res.ok.append(str(p))
    return res


def download_file(url: str, target: Path, sha256: str, retries: int = 3, backoff: float = 1.0,
                  timeout: float = 60.0) -> Path:
    """Download ``url`` to ``target`` atomically and check its sha256.

    Uses pooch's HTTP downloader for the transfer; the file is written beside ``target``
    under a temporary name and only moved into place when its checksum matches. Network
    errors are retried ``retries`` times with exponential back-off; a checksum mismatch is
    not retried and raises :class:`ChecksumError` naming the file and both hashes (the
    partial download is removed).
    """
    import pooch

    downloader = pooch.HTTPDownloader(progressbar=False, timeout=timeout)
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            with atomic_path(target) as tmp:
                downloader(url, str(tmp), None)
                actual = sha256_file(tmp)
                if actual != sha256:
                    raise ChecksumError(
                        f"{target}: checksum mismatch for {url}: expected sha256 {sha256}, "
                        f"got {actual}; the partial download was removed")
            return target
        except ChecksumError:
            raise
        except Exception as exc:  # network / HTTP errors
            last = exc
            if attempt < retries:
                time.sleep(backoff * 2**attempt)
    raise OSError(f"{target}: download from {url} failed after {retries + 1} attempts: {last}") from last


def fetch_entry(entry: Entry, base_url: str | None = None, retries: int = 3, progress: bool = True,
                force: bool = False) -> list[Path]:
    """Download every file of ``entry`` that is missing or corrupt locally; return the new files."""
    if not entry.available:
        raise ValueError(f"{entry.name} is not obtainable: {entry.raw.get('reason')} "
                         f"(substitute: {entry.substitute})")
    from tqdm.auto import tqdm

    todo = []
    for f in entry.files:
        p = entry.local_path(f.path)
        if force or not p.is_file() or sha256_file(p) != f.sha256:
            todo.append(f)
    got = []
    for f in tqdm(todo, desc=f"fetch {entry.name}", unit="file", disable=not progress or not todo):
        got.append(download_file(entry.url(f.path, base_url), entry.local_path(f.path), f.sha256,
                                 retries=retries))
    return got


class DataUnavailable(RuntimeError):
    """Files a run needs are missing and could not be downloaded (the message says what and how)."""


def missing_files(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """Entry name -> the files of it not present locally (presence only: fast, no hashing).
    Entries that cannot be obtained (``available: false``) are skipped."""
    out = {}
    for e in entries:
        if not e.available:
            continue
        gone = [f.path for f in e.files if not e.local_path(f.path).is_file()]
        if gone:
            out[e.name] = gone
    return out


def ensure_data(names: Iterable[str], base_url: str | None = None, progress: bool = True, retries: int = 2,
                fetch: bool = True) -> list[str]:
    """Make sure every file of the manifest entries ``names`` is present: download what is missing
    (checksummed) from the upstream URLs or ``base_url``. Returns the names fetched. When files stay
    missing (offline, server error, ``fetch=False``) raise :class:`DataUnavailable` with one short
    message naming them and the two ways to provide them."""
    from .. import paths
    from .manifest import load_manifest

    man = load_manifest()
    entries = [man[n] for n in dict.fromkeys(names)]
    missing = missing_files(entries)
    if not missing:
        return []
    fetched, errors = [], {}
    if fetch:  # probe with one file first, quietly: offline, say so in one message, not 20 progress bars
        first = next(e for e in entries if e.name in missing)
        f = next(f for f in first.files if f.path == missing[first.name][0])
        try:
            download_file(first.url(f.path, base_url), first.local_path(f.path), f.sha256, retries=retries)
        except (OSError, ValueError) as exc:
            errors[first.name] = str(exc).splitlines()[0][:200]
            fetch = False
    if fetch:
        for e in entries:
            if e.name not in missing:
                continue
            try:
                fetch_entry(e, base_url=base_url, retries=retries, progress=progress)
                fetched.append(e.name)
            except ChecksumError as exc:  # a bad file on the server: the other entries may still work
                errors[e.name] = str(exc).splitlines()[0][:200]
            except (OSError, ValueError, RuntimeError) as exc:  # unreachable: no use trying the rest
                errors[e.name] = str(exc).splitlines()[0][:200]
                break
    still = missing_files(entries)
    if still:
        what = ", ".join(f"{n} ({len(v)} file{'s' if len(v) > 1 else ''})" for n, v in still.items())
        why = "" if not errors else f" Download failed ({next(iter(errors.values()))})."
        raise DataUnavailable(
            f"missing data under {paths.data_dir()}: {what}.{why} Either point FUSIONKIT_DATA_DIR (and "
            f"FUSIONKIT_WEIGHTS_DIR) at an absolute path holding a copy, or run `fusionkit data fetch "
            f"{' '.join(still)}` where the network is reachable (`--base-url URL` for a mirror).")
    return fetched

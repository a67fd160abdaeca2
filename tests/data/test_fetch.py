"""The real download path: files served by `python -m http.server` on 127.0.0.1 are fetched with
`fusionkit data fetch --base-url`, verified, and a corrupted file is rejected."""
import shutil
import subprocess
import sys


from conftest import ENTRY, _free_port  # (served: the loopback mirror fixture in conftest.py)


def _fusionkit(*args, env_data=None):
    import os

    env = dict(os.environ)
    if env_data is not None:
        env["FUSIONKIT_DATA_DIR"] = str(env_data)
    return subprocess.run([sys.executable, "-m", "fusionkit.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_fetch_from_local_mirror_then_verify(served, tmp_path, real_data):
    root, url = served
    dest = tmp_path / "data"
    r = _fusionkit("data", "fetch", ENTRY, "--base-url", url, "--no-progress", "--retries", "0", env_data=dest)
    assert r.returncode == 0, r.stderr
    assert "21 file(s) downloaded" in r.stdout
    e = real_data[ENTRY]
    for f in e.files:
        assert (dest / f.path).read_bytes() == e.local_path(f.path).read_bytes()
    v = _fusionkit("data", "verify", ENTRY, env_data=dest)
    assert v.returncode == 0 and f"{ENTRY}: OK (21 files)" in v.stdout
    again = _fusionkit("data", "fetch", ENTRY, "--base-url", url, "--no-progress", env_data=dest)
    assert "0 file(s) downloaded, 21 already present" in again.stdout


def test_corrupted_download_is_rejected_and_removed(served, tmp_path, real_data):
    root, url = served
    e = real_data[ENTRY]
    victim = e.files[3]
    served_file = root / victim.path
    served_file.write_bytes(served_file.read_bytes()[:-10] + b"0123456789")
    from fusionkit.files import sha256_file

    actual = sha256_file(served_file)
    dest = tmp_path / "data"
    r = _fusionkit("data", "fetch", ENTRY, "--base-url", url, "--no-progress", "--retries", "0", env_data=dest)
    assert r.returncode == 1
    assert "checksum mismatch" in r.stderr
    assert str(dest / victim.path) in r.stderr
    assert victim.sha256 in r.stderr and actual in r.stderr
    assert not (dest / victim.path).exists()
    assert not list((dest / victim.path).parent.glob("*.part"))


def test_verify_names_missing_and_corrupt_files(tmp_path, real_data):
    e = real_data[ENTRY]
    dest = tmp_path / "data"
    for f in e.files[:-1]:  # last one missing
        (dest / f.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(e.local_path(f.path), dest / f.path)
    bad = dest / e.files[0].path
    bad.write_bytes(b"garbage")
    r = _fusionkit("data", "verify", ENTRY, env_data=dest)
    assert r.returncode == 1
    assert f"missing: {dest / e.files[-1].path}" in r.stdout
    assert f"corrupt: {bad} (sha256 expected {e.files[0].sha256}" in r.stdout


def test_unreachable_mirror_fails_after_retries(tmp_path, manifest):
    port = _free_port()  # nothing listens there
    r = _fusionkit("data", "fetch", ENTRY, "--base-url", f"http://127.0.0.1:{port}", "--retries", "1",
                   "--no-progress", env_data=tmp_path / "data")
    assert r.returncode == 1 and "failed after 2 attempts" in r.stderr


def test_fetching_an_unavailable_dataset_explains(tmp_path):
    r = _fusionkit("data", "fetch", "kaist", env_data=tmp_path)
    assert r.returncode == 2 and "Substitute" in r.stderr

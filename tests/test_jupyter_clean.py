"""Stepping through a notebook in JupyterLab leaves the checkout clean: the kernel `make venv` registers
has the display name the notebooks carry (nothing for JupyterLab to rewrite on opening), the paired .py
is exactly what jupytext writes on saving, and the git filter of .gitattributes (tools/setup_git_filters.sh)
stores the .ipynb without the outputs and metadata a session saves in it."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.combine import combine_inputs_with_outputs
from jupytext.config import load_jupytext_config
from jupytext.jupytext import drop_text_representation_metadata
from test_notebooks import stored_form

from fusionkit.notebook_runner import lab_post_save_hook, refresh_git_index

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "notebooks"
PAIRS = sorted(NB.glob("*.ipynb"))
SETUP = ROOT / "tools" / "setup_git_filters.sh"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _makefile_display_name() -> str:
    text = (ROOT / "Makefile").read_text()
    install = re.search(r"ipykernel install .*--name (\S+) --display-name \"([^\"]+)\"", text)
    assert install, "the Makefile registers the notebooks' kernel with `ipykernel install`"
    assert install.group(1) == "python3"
    name = install.group(2)
    if name.startswith("$("):
        name = re.search(rf"^{re.escape(name[2:-1])}\s*:?=\s*(.+)$", text, re.M).group(1).strip()
    return name


def test_kernel_display_name_agrees_with_every_notebook():
    spec = {"name": "python3", "display_name": _makefile_display_name(), "language": "python"}
    for path in PAIRS:
        assert nbformat.read(path, 4).metadata.get("kernelspec") == spec, path.name
        assert jupytext.read(path.with_suffix(".py")).metadata.get("kernelspec") == spec, (
            f"{path.stem}.py: its jupytext header needs this kernelspec")


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
def test_saving_with_outputs_leaves_the_paired_source_as_it_is(path):
    nb = nbformat.read(path, 4)
    for i, c in enumerate(c for c in nb.cells if c.cell_type == "code"):
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a print\n")]
        c.execution_count = i + 1
    nb.metadata["language_info"] = {"name": "python", "version": sys.version.split()[0]}
    text = jupytext.writes(nb, fmt="py:percent", config=load_jupytext_config(str(NB)))
    assert text == path.with_suffix(".py").read_text(), (
        f"saving {path.name} in JupyterLab would rewrite {path.stem}.py: write it as jupytext does "
        f"(jupytext --to py:percent notebooks/{path.name})")


def _git(repo, *args):
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def _repo(tmp_path, names=None):
    """A git repository holding the project's notebook handling and its notebooks (or those named), with
    the filter installed as `make venv` installs it."""
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    for path in [NB / "jupytext.toml", *(p for p in PAIRS if names is None or p.stem in names)]:
        shutil.copy(path, repo / "notebooks")
        if path.suffix == ".ipynb":
            shutil.copy(path.with_suffix(".py"), repo / "notebooks")
    shutil.copy(ROOT / ".gitattributes", repo)
    shutil.copy(SETUP, repo / "tools")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    subprocess.run(["sh", "tools/setup_git_filters.sh", sys.executable], cwd=repo, check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "notebooks")
    return repo


@needs_git
def test_filter_stores_the_committed_notebooks_unchanged_and_installs_idempotently(tmp_path):
    repo = _repo(tmp_path)
    for path in PAIRS:  # installing it in a checkout shows no notebook as modified
        stored = subprocess.run(["git", "show", f"HEAD:notebooks/{path.name}"], cwd=repo, capture_output=True)
        assert stored.stdout == path.read_bytes(), path.name
    subprocess.run(["sh", "tools/setup_git_filters.sh", sys.executable], cwd=repo, check=True)
    assert len(_git(repo, "config", "--get-all", "filter.nbstripout.clean").splitlines()) == 1
    assert _git(repo, "status", "--porcelain") == ""


@needs_git
def test_setup_git_filters_does_nothing_outside_a_git_checkout(tmp_path):
    import os

    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    (tmp_path / "unpacked").mkdir()
    r = subprocess.run(["sh", str(SETUP), sys.executable], cwd=tmp_path / "unpacked", env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and "not in a git checkout" in r.stderr


@needs_git
def test_a_jupyterlab_session_leaves_the_checkout_clean(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    monkeypatch.setenv("FUSIONKIT_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("FUSIONKIT_RUNS_DIR", str(tmp_path / "runs"))
    repo = _repo(tmp_path, ["00_data"])
    ipynb, py = repo / "notebooks" / "00_data.ipynb", repo / "notebooks" / "00_data.py"
    config = load_jupytext_config(str(repo / "notebooks"))
    # open: jupytext's contents manager reads the inputs from the .py, the outputs from the .ipynb
    nb = combine_inputs_with_outputs(jupytext.read(py, config=config), nbformat.read(ipynb, 4))
    # the kernel starts: JupyterLab records its kernelspec; step through every cell (nbclient adds the
    # kernel's language_info, as JupyterLab does); widget state, a scrolled output
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.display_name == _makefile_display_name(), "this kernel was registered by an older Makefile: make venv"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": spec.display_name, "language": spec.language}
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ipynb.parent)}}).execute()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[-1].metadata["scrolled"] = True
    assert any(c.outputs for c in code) and "language_info" in nb.metadata
    # save: jupytext's contents manager writes the .ipynb (outputs and all), then the .py
    nbformat.write(drop_text_representation_metadata(nb), ipynb)
    py.write_text(jupytext.writes(nb, fmt="py:percent", config=config))
    assert any(c.get("outputs") for c in nbformat.read(ipynb, 4).cells)  # the file keeps them

    # git sees no change (its clean filter strips what the session added) ...
    assert subprocess.run(["git", "diff", "--quiet"], cwd=repo).returncode == 0
    # ... and, after the post-save hook `make lab` gives JupyterLab (git's index still had the old file
    # size: "modified" until refreshed), neither does `git status`
    for path in (ipynb, py):
        lab_post_save_hook(os_path=str(path), model=None, contents_manager=None)
    assert _git(repo, "status", "--porcelain") == "", "a JupyterLab session left the checkout modified"
    assert _git(repo, "diff", "--cached", "--name-only") == ""
    # what git stores passes tests/test_notebooks.py's check
    stored = stored_form(ipynb)
    assert [c for c in stored.cells if c.cell_type == "code" and (c.outputs or c.execution_count)] == []
    assert stored.metadata == nbformat.read(NB / "00_data.ipynb", 4).metadata

    # a real edit is shown, and never staged by the hook
    nb.cells[0].source += "\n\nAn edit."
    nbformat.write(drop_text_representation_metadata(nb), ipynb)
    py.write_text(jupytext.writes(nb, fmt="py:percent", config=config))
    for path in (ipynb, py):
        lab_post_save_hook(os_path=str(path), model=None, contents_manager=None)
    assert sorted(_git(repo, "status", "--porcelain").splitlines()) == [
        " M notebooks/00_data.ipynb", " M notebooks/00_data.py"]
    assert _git(repo, "diff", "--cached", "--name-only") == ""
    changed = [ln for ln in _git(repo, "diff", "--", "notebooks/00_data.ipynb").splitlines()
               if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]  # compared without outputs (diff=ipynb)
    assert len(changed) <= 4 and "An edit." in changed[-1], changed


def test_post_save_hook_never_fails_a_save(tmp_path):
    (tmp_path / "x.ipynb").write_text("{}")
    lab_post_save_hook(os_path=str(tmp_path / "x.ipynb"))  # not in a checkout
    lab_post_save_hook(os_path=str(tmp_path / "missing" / "y.ipynb"))
    assert refresh_git_index(tmp_path / "x.ipynb") is False

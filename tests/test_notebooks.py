"""The notebooks are hand-authored py:percent sources paired with .ipynb files (jupytext):
every pair is in sync, the .ipynb are committed without outputs (what git stores: in a checkout set up
by `make venv` a git filter strips the outputs JupyterLab saves), every study notebook is in the
catalogue, and every parameters cell is just ``profile`` + ``overrides``."""
import ast
import functools
import shlex
import subprocess
from pathlib import Path

import jupytext
import nbformat
import pytest

from fusionkit.studies import all_studies

NB = Path(__file__).resolve().parent.parent / "notebooks"
PAIRS = sorted(NB.glob("*.ipynb"))


def _git(args, cwd):
    try:
        r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:  # no git
        return None
    return r.stdout.strip() if r.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def _clean_filter(folder: Path, name: str):
    """(top of the working tree, clean command) of the git filter that ``.gitattributes`` gives
    ``folder/name``, when this checkout defines that filter; else None."""
    attr = _git(["check-attr", "filter", "--", name], folder)
    driver = attr.rsplit(": ", 1)[-1] if attr else "unspecified"
    if driver in ("unspecified", "unset", "set"):
        return None
    cmd = _git(["config", "--get", f"filter.{driver}.clean"], folder)
    top = _git(["rev-parse", "--show-toplevel"], folder)
    return (top, cmd) if cmd and top else None


def stored_form(path: Path) -> nbformat.NotebookNode:
    """The notebook ``path`` as git stores it (``git add``): the file through the clean filter of
    .gitattributes where this checkout defines it (tools/setup_git_filters.sh, run by `make venv`), else
    the file as it is."""
    path = Path(path).resolve()
    data = path.read_bytes()
    found = _clean_filter(path.parent, path.name)
    if found:
        top, cmd = found
        cmd = cmd.replace("%f", shlex.quote(str(path.relative_to(top))))
        r = subprocess.run(cmd, shell=True, cwd=top, input=data, capture_output=True)
        assert r.returncode == 0, f"git's clean filter for {path.name} failed ({cmd}): {r.stderr.decode()}"
        data = r.stdout
    return nbformat.reads(data.decode(), as_version=4)


def _cells(nb):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_has_its_paired_source():
    assert PAIRS, "no notebooks found"
    py = {p.stem for p in NB.glob("*.py")}
    assert {p.stem for p in PAIRS} == py, "each NAME.ipynb needs NAME.py (jupytext --sync notebooks/*.py)"


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
def test_pair_in_sync_and_committed_without_outputs(path):
    ipynb = nbformat.read(path, as_version=4)
    src = jupytext.read(path.with_suffix(".py"))
    assert _cells(ipynb) == _cells(src), (f"{path.name} differs from {path.stem}.py: edit the .py (or the "
                                          f".ipynb in JupyterLab) and run `jupytext --sync notebooks/{path.stem}.py`")
    for c in stored_form(path).cells:
        if c.cell_type == "code":
            assert not c.get("outputs") and c.get("execution_count") is None, (
                f"{path.name}: commit without outputs (`make venv` installs the git filter that strips them)")


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.name)
def test_parameters_cell_is_profile_and_overrides(path):
    import papermill as pm

    declared = pm.inspect_notebook(str(path))
    assert set(declared) == {"profile", "overrides"}
    assert declared["profile"]["default"] == '"smoke"' and declared["overrides"]["default"] == "{}"
    nb = nbformat.read(path, as_version=4)
    pcell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assigned = {t.id for node in ast.parse(pcell.source).body if isinstance(node, ast.Assign) for t in node.targets}
    assert assigned == {"profile", "overrides"}


def test_catalogue_lists_every_notebook_once():
    listed = [n for s in all_studies() for n in s.notebooks]
    assert sorted(listed) == [p.name for p in PAIRS] and len(set(listed)) == len(listed)


def test_no_backend_is_forced_and_no_loop_of_more_than_a_few_lines():
    for path in NB.glob("*.py"):
        text = path.read_text()
        assert "matplotlib.use" not in text and "__enter__" not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.For, ast.While)):
                assert node.end_lineno - node.lineno < 4, f"{path.name}:{node.lineno}: move this loop into the package"
    pkg = Path(__file__).resolve().parent.parent / "fusionkit"
    assert not [p for p in pkg.rglob("*.py") if "matplotlib.use(" in p.read_text()]


def test_every_section_is_shown_inline():
    """`x = report.add(...)` writes a section but shows nothing (an assignment displays no value): a section
    is added as the last expression of its cell."""
    import re

    for py in sorted(NB.glob("*.py")):
        bad = [ln for ln in py.read_text().splitlines() if re.match(r"\s*\w+\s*=\s*report\.add\(", ln)]
        assert not bad, f"{py.name}: {bad}"

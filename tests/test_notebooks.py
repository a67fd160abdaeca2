"""The notebooks are hand-authored py:percent sources paired with .ipynb files (jupytext):
every pair is in sync, the .ipynb are committed without outputs, every study notebook is in the
catalogue, and every parameters cell is just ``profile`` + ``overrides``."""
import ast
from pathlib import Path

import jupytext
import nbformat
import pytest

from fusionkit.studies import all_studies

NB = Path(__file__).resolve().parent.parent / "notebooks"
PAIRS = sorted(NB.glob("*.ipynb"))


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
    for c in ipynb.cells:
        if c.cell_type == "code":
            assert not c.get("outputs") and c.get("execution_count") is None, f"{path.name}: commit without outputs"


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

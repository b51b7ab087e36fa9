"""The notebooks in ``notebooks/`` run from top to bottom on small grids and check what they show.

Each notebook is a jupytext percent-format script. Its cell tagged ``parameters`` sets the
run sizes; the test puts a cell after it with the small values (as papermill does), runs
the notebook in a fresh kernel (nbclient) in a temporary directory, and fails on any error,
including the ``assert`` cells that state the numbers a reader would check.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

# small enough for the fast suite; each notebook documents what the values mean
SMALL = {
    "epitaxy_run.py": "GRID = 48\nDOMAIN_NM = (40.0, 24.0)\nRADII_NM = (8.0, 6.0)\nDURATION_S = 4.0\nSTART_C = 710.0\nTIME_TOLERANCE = 0.5",
    "threshold_sweep.py": "GRID = 48\nDOMAIN_NM = (40.0, 24.0)\nRADII_NM = (8.0, 6.0)\nDURATION_S = 3.0\nTEMPERATURES_C = (690.0, 710.0)\nTIME_TOLERANCE = 0.5",
}


def _with_parameters(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    index = next(i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, injected)
    return nb


def test_every_notebook_has_small_parameters():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.py")) == sorted(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs_and_its_checks_hold(name, tmp_path, monkeypatch):
    nb = _with_parameters(jupytext.read(NOTEBOOKS / name), SMALL[name])
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not [c for c in nb.cells if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))]

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

from tests.conftest import SMALL_PROCESS

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

# the small epitaxy of the test suite (tests/scenarios/test_cli.py); 715 degC from the start
_SMALL_EPITAXY = (
    '"grid": 48, "domain_nm": (40.0, 24.0), "nh4vo3_radius_nm": 8.0, "nah2po4_radius_nm": 6.0, '
    '"start_temperature_C": 715.0, "ramp_K_per_s": 0.0, "time_tolerance": 0.5'
)
SMALL = {
    "epitaxy_run.py": f"CHANGES = {{{_SMALL_EPITAXY}, 'hold_temperature_C': 715.0, 'duration_s': 1.5}}",  # NVP from ~0.5 s
    # the small whole process of tests/conftest.py, which crystallizes on the ramp from 655 degC; OUT is
    # the session's sweep of it (same parameters): the notebook's rerun keeps its members, as it says
    "threshold_sweep.py": f"CHANGES = {{**{SMALL_PROCESS!r}, 'temperatures_C': (690.0, 715.0)}}",
}


def _with_parameters(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    index = next(i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, injected)
    return nb


def test_every_notebook_has_small_parameters():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.py")) == sorted(SMALL)


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.xdist_group("threshold")) if name == "threshold_sweep.py" else name for name in sorted(SMALL)]
)
def test_notebook_runs_and_its_checks_hold(name, tmp_path, monkeypatch, request):
    source = SMALL[name]
    if name == "threshold_sweep.py":
        source += f"\nOUT = {str(request.getfixturevalue('threshold_sweep'))!r}"
    nb = _with_parameters(jupytext.read(NOTEBOOKS / name), source)
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not [c for c in nb.cells if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))]

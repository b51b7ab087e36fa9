"""Parallel runs: ``mpirun -np 2`` against the serial run (FiPy's PETSc solvers).

Marked ``mpi``; skipped unless ``mpirun`` is on PATH and this Python has petsc4py and mpi4py:
the venv of ``scripts/setup-mpi.sh``, which runs them (``.venv-mpi/bin/python -m pytest -m mpi
tests/phasefield/numerics/test_mpi.py``). The serial refusals at the end run everywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phasefield.model.values import ParameterError
from phasefield.numerics import parallel

REPO = Path(__file__).resolve().parents[3]
HAVE_MPI = shutil.which("mpirun") is not None and all(importlib.util.find_spec(m) is not None for m in ("petsc4py", "mpi4py"))
requires_mpi = pytest.mark.skipif(not HAVE_MPI, reason="needs mpirun, petsc4py and mpi4py (scripts/setup-mpi.sh)")

# The small epitaxy of tests/conftest.py (48 x 29 cells, 710 degC), 0.5 s: one NVP nucleus at 0.46 s.
SMALL = [
    "--grid", "48", "--set", "domain_nm=40,24", "--set", "nh4vo3_radius_nm=8", "--set", "nah2po4_radius_nm=6",
    "--set", "start_temperature_C=710", "--set", "hold_temperature_C=710", "--set", "ramp_K_per_s=0",
    "--set", "duration_s=0.5", "--set", "output_interval_s=0.25", "--set", "time_tolerance=0.5",
]  # fmt: skip


def _environment() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(REPO))
    if os.geteuid() == 0:  # Open MPI refuses root unless told
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def _python(args: list[str], ranks: int, cwd: Path) -> subprocess.CompletedProcess:
    """``python ARGS`` on one process, or under ``mpirun -q -np RANKS`` (-q: no Open MPI notes)."""
    launcher = ["mpirun", "-q", "-np", str(ranks)] if ranks > 1 else []
    return subprocess.run([*launcher, sys.executable, *args], cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=900)


def _cli(args: list[str], ranks: int, cwd: Path) -> subprocess.CompletedProcess:
    return _python(["-m", "scenarios.cli", *args], ranks, cwd)


@pytest.mark.mpi
@requires_mpi
@pytest.mark.parametrize("dim", [2, 3])
def test_a_distributed_step_equals_the_serial_step_within_the_solvers_bound(tmp_path, dim):
    from tests.phasefield.numerics.mpi_step import step_problem

    for n, name in ((1, "serial.npz"), (2, "parallel.npz")):
        done = _python(["-m", "tests.phasefield.numerics.mpi_step", name, str(dim)], n, tmp_path)
        assert done.returncode == 0, done.stderr
    serial, distributed = np.load(tmp_path / "serial.npz"), np.load(tmp_path / "parallel.npz")
    sim, eta, n, k, evolving, dt, _ = step_problem(dim)
    V, tol = sim.geometry.volume, sim.params.solver_tolerance
    # Both solves stop at ||b - A x|| <= tol ||b|| (FiPy's "RHS" criterion), so each is within
    # tol ||b|| / lambda_min(A) of the exact solution and the two within twice that. A is a
    # positive diagonal D (transient and implicit-source terms) plus a diffusion operator with
    # non-negative face coefficients (symmetric positive semi-definite), so lambda_min(A) >= min(D)
    # (Weyl). D and b as FiPy assembles them (the fast backend's, tested equal to FiPy's).
    assert k.s_plus.min() >= 0 and k.kappa_face.min() >= 0 and k.mobility_face.min() >= 0
    systems = [
        (eta[i], serial["eta"][i], distributed["eta"][i], V * (k.tau / dt + k.s_plus[m]), V * (k.tau / dt * eta[i] + k.explicit[m]))
        for m, i in enumerate(evolving)
    ]
    systems += [(None, serial["mu"][s], distributed["mu"][s], V * k.susceptibility / dt, V * (n[s] - k.n_hat[s]) / dt) for s in range(n.shape[0])]
    for start, x_serial, x_parallel, diagonal, b in systems:
        bound = 2.0 * tol * np.linalg.norm(b) / diagonal.min()
        assert np.linalg.norm(x_parallel - x_serial) <= bound
        assert np.abs(x_serial).max() > 1e3 * bound and (start is None or np.abs(x_serial - start).max() > 1e3 * bound)  # a solve that moved
    fixed = np.setdiff1d(np.arange(eta.shape[0]), evolving)
    np.testing.assert_array_equal(distributed["eta"][fixed], eta[fixed])  # grains not evolving are handed back untouched


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The small epitaxy with the fipy backend on one process and on 2 ranks (the same command):
    the directory and, per rank count, the run and the finished process."""
    import phasefield

    where = tmp_path_factory.mktemp("mpi")
    out = {}
    for ranks, name in ((1, "serial.nc"), (2, "parallel.nc")):
        done = _cli(["run", "epitaxy", *SMALL, "--set", "backend=fipy", "--out", name], ranks, where)
        assert done.returncode == 0, done.stderr
        out[ranks] = (phasefield.open_run(where / name), done)
    return where, out


@pytest.mark.mpi
@requires_mpi
def test_two_ranks_write_one_file_equal_to_the_serial_run(runs):
    where, by_ranks = runs
    (serial, _), (parallel_run, done) = by_ranks[1], by_ranks[2]
    assert sorted(p.name for p in where.iterdir() if not p.name.endswith(".lock")) == ["parallel.nc", "serial.nc"]  # no frames dir left
    assert done.stdout.count("wrote parallel.nc") == 1  # rank 0 reports, once
    np.testing.assert_array_equal(parallel_run.time, serial.time)
    assert parallel_run.attrs["n_nuclei"] == serial.attrs["n_nuclei"] == 1
    formed = [json.loads(run.attrs["nucleus_formation_times_s"]) for run in (serial, parallel_run)]
    np.testing.assert_allclose(formed[1], formed[0], rtol=1e-9)  # the same draw, at a time set by the nucleation interval
    # One solve agrees with the serial one to its CG bound (~1e-11, the test above). Over a run the
    # step controller and the Anderson-mixed sweeps (least squares on near-parallel residuals) amplify
    # any difference of equally converged solves: the serial run with SciPy's CG instead of PETSc's
    # (FIPY_SOLVERS=scipy, same tolerance) differs from it by 8e-6 in eta, 1e-5 in n and 1.6e-4 nm2
    # in phase_area at 0.5 s; 2 ranks measured 6.6e-7, 8.1e-7 and 8.4e-6 nm2. Allowed: 10x the
    # solver-suite difference. Ranks solving with no-flux walls between their halves were 0.09 off.
    for frame in range(serial.sizes["time"]):
        a, b = serial.isel(time=frame), parallel_run.isel(time=frame)
        assert float(abs(b.eta - a.eta).max()) <= 1e-4
        assert float(abs(b.n - a.n).max()) <= 1e-4
        assert float(abs(b.phase_area - a.phase_area).max()) <= 2e-3
    assert float(abs(parallel_run.phase_area.sel(phase="NVP").isel(time=-1))) > 1.0  # the nucleus grew: the comparison saw it


@pytest.mark.mpi
@requires_mpi
def test_fast_backend_on_two_ranks_is_refused_on_one_line(tmp_path):
    done = _cli(["run", "epitaxy", "--grid", "64", "--set", "duration_s=0.5", "--out", "x.nc"], 2, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nvp-growth: error: backend = 'fast' is not allowed on 2 MPI ranks"), done.stderr
    assert "--set backend=fipy" in lines[0]
    assert not any(tmp_path.iterdir())  # refused before any work


@pytest.mark.mpi
@requires_mpi
@pytest.mark.parametrize(
    "args, named",
    [
        (["run", "threshold", "--grid", "64", "--out", "t.nc"], "scenario threshold (a sweep)"),
        (["sweep", "epitaxy", "--over", "seed=1,2", "--grid", "64"], "nvp-growth sweep"),
        (["plot", "nothing.nc"], "nvp-growth plot"),
    ],
)
def test_what_cannot_run_in_parallel_is_refused_by_name(tmp_path, args, named):
    done = _cli(args, 2, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nvp-growth: error: {named} is not allowed on 2 MPI ranks; allowed: "), done.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.mpi
@requires_mpi
def test_a_run_locked_by_another_is_refused_on_every_rank_without_hanging(tmp_path):
    from phasefield.io.output import locked

    with locked(tmp_path / "x.nc"):  # this process holds the lock: rank 0 is refused, rank 1 must not wait for it
        done = _cli(["run", "epitaxy", *SMALL, "--set", "backend=fipy", "--out", "x.nc", "-q"], 2, tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "x.nc" in done.stderr


@pytest.mark.mpi
@requires_mpi
def test_ranks_that_diverge_are_caught_on_every_rank(tmp_path):
    code = (
        "import numpy as np; from phasefield.numerics.parallel import ranks, RanksDiverged\n"
        "r = ranks()\n"
        "r.require_identical('same', np.arange(5.0))\n"
        "try:\n    r.require_identical('fields', np.arange(5.0) + r.rank * 1e-15)\n"
        "except RanksDiverged as err:\n    open(f'rank{r.rank}.txt', 'w').write(str(err))\n"
    )  # each rank writes its own file: the ranks' stdout lines may interleave
    done = _python(["-c", code], 2, tmp_path)
    assert done.returncode == 0, done.stderr
    for rank in (0, 1):
        assert (tmp_path / f"rank{rank}.txt").read_text() == "the MPI ranks' fields differ (ranks [1] from rank 0): the replicated state diverged"


# ---- serial: what the module does without MPI (runs everywhere) -------------------------------------


def test_one_rank_without_mpi_runs_everything_itself():
    one = parallel.Ranks()
    assert (one.size, one.rank, one.is_root, one.parallel) == (1, 0, True, False)
    assert one.agree(lambda: 41 + 1) == 42 and one.max(3.5) == 3.5
    one.require_identical("anything", np.arange(3.0))  # nothing to compare with
    with pytest.raises(KeyError):
        one.agree(lambda: {}["missing"])


def test_mpirun_without_mpi4py_is_refused(monkeypatch, tmp_path):
    from scenarios.sweep import sweep

    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import fails as when it is not installed
    with pytest.raises(ParameterError, match="mpirun started 2 processes but mpi4py is not installed"):
        parallel.ranks()
    with pytest.raises(ParameterError, match="a sweep is not allowed on 2 MPI ranks"):  # the Python API too, before any work
        sweep("epitaxy", {"seed": [1, 2]}, ["grid=64"], tmp_path / "sw")
    assert not any(tmp_path.iterdir())
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "1")
    assert parallel.ranks().size == 1 and parallel.launched_size() == 1


def test_the_command_line_under_mpirun_without_mpi4py_says_so_once(monkeypatch, tmp_path, capsys):
    from scenarios.cli import main

    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.chdir(tmp_path)
    for rank, said in (("0", 1), ("1", 0)):  # each rank refuses; rank 0 alone says it
        monkeypatch.setenv("OMPI_COMM_WORLD_RANK", rank)
        assert main(["run", "epitaxy", "--grid", "64", "--set", "backend=fipy", "--out", "x.nc"]) == 2
        assert capsys.readouterr().err.count("mpi4py is not installed") == said
    assert not any(tmp_path.iterdir())

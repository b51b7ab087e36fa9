"""Strong scaling of one run on MPI ranks: the ``fipy`` backend's solves distributed (PETSc).

Run (in the venv of scripts/setup-mpi.sh, best on a quiet machine):

    .venv-mpi/bin/python benchmarks/bench_mpi.py [--grids 512 1024] [--ranks 1 2] [--sweeps 2]

For each grid and rank count it starts ``[mpirun -np R] python bench_mpi.py --worker``, which
builds the epitaxy scenario at 710 degC on that grid (NH4VO3 and NaH2PO4 touching, their
interfaces moving) and times sweeps of one implicit step of dt_max_s after a warm-up sweep
(FiPy builds its matrices lazily). A sweep, the unit of a step's work (a step takes several,
the same number on any rank count), is the coefficients, replicated on every rank, then the
order-parameter and chemical-potential solves, distributed. It prints ms per sweep, its two
parts, the speed-up over the first rank count of the sweep and of the solves alone, and the
load average before and after (the machine's other work shows there). ``--diffusion`` adds
plain FiPy diffusion on the same grid, one CG solve per step: what the machine itself gives.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def worker(grid: int, sweeps: int) -> None:
    """Time ``sweeps`` sweeps at ``grid`` on this process's ranks; rank 0 prints JSON."""
    import numpy as np

    from phasefield.model import free_energy as fe
    from phasefield.numerics.coefficients import step_coefficients
    from phasefield.numerics.parallel import ranks
    from phasefield.numerics.stepping import Simulation
    from scenarios.epitaxy import EpitaxyParameters, microstructure

    p = EpitaxyParameters(grid=grid, start_temperature_C=710.0, hold_temperature_C=710.0, ramp_K_per_s=0.0, backend="fipy")
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    dt = p.dt_max_s / sim.units.time_s
    lc = sim._local(sim.temperature_K(dt))
    evolving = np.flatnonzero(state.active & ~sim.fixed)
    eta = state.eta
    mu = fe.chemical_potential(state.n, fe.phase_fractions(eta, sim.grain_phase, lc.n_phases), lc)
    r = ranks()
    spent = {"coefficients_s": 0.0, "solves_s": 0.0}
    for sweep in range(sweeps + 1):  # the first is the warm-up: FiPy builds its terms' matrices lazily
        r.barrier()
        t0 = time.perf_counter()
        k = step_coefficients(eta, mu, sim.grain_phase, evolving, lc, sim.geometry, sim.facets, state.orientation_deg, sim.stabilization, state.orientation_deg)
        t1 = time.perf_counter()
        eta, mu, _ = sim.equations.step(state.eta, state.n, k, evolving, dt, guess=(eta, mu))
        r.barrier()
        if sweep:
            spent["coefficients_s"] += t1 - t0
            spent["solves_s"] += time.perf_counter() - t1
    if r.is_root:
        print(json.dumps({"cells": int(sim.grid.coords_nm.shape[1]), "systems": int(len(evolving) + state.n.shape[0]), **{k: v / sweeps for k, v in spent.items()}}))


def diffusion_worker(grid: int, sweeps: int) -> None:
    """The machine's own scaling, for comparison: ``sweeps`` implicit steps of plain FiPy diffusion
    (one CG solve each) on a grid x grid mesh partitioned among the ranks; rank 0 prints JSON."""
    import fipy as fp

    from phasefield.numerics.parallel import ranks

    mesh = fp.Grid2D(nx=grid, ny=grid, dx=1.0, dy=1.0)
    x, y = mesh.cellCenters
    phi = fp.CellVariable(mesh=mesh, value=((x - grid / 3) ** 2 + (y - grid / 2) ** 2 < (grid / 4) ** 2) * 1.0)
    equation = fp.TransientTerm() == fp.DiffusionTerm(coeff=1.0)
    r = ranks()
    seconds = 0.0
    for sweep in range(sweeps + 1):
        r.barrier()
        t0 = time.perf_counter()
        equation.solve(var=phi, dt=10.0, solver=fp.LinearCGSolver(tolerance=1e-11, iterations=10_000))
        r.barrier()
        seconds += (time.perf_counter() - t0) if sweep else 0.0
    if r.is_root:
        print(json.dumps({"cells": grid * grid, "systems": 1, "coefficients_s": 0.0, "solves_s": seconds / sweeps}))


def measure(grid: int, n_ranks: int, sweeps: int, diffusion: bool = False) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(REPO))
    if os.geteuid() == 0:  # Open MPI refuses root unless told
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    launcher = ["mpirun", "-q", "-np", str(n_ranks)] if n_ranks > 1 else []
    cmd = [*launcher, sys.executable, __file__, "--worker", "--grids", str(grid), "--sweeps", str(sweeps), *(["--diffusion"] if diffusion else [])]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench_mpi: {' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grids", type=int, nargs="+", default=[512, 1024], help="cells along x (default 512 1024)")
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2], help="rank counts (default 1 2)")
    ap.add_argument("--sweeps", type=int, default=2, help="timed sweeps after one warm-up (default 2)")
    ap.add_argument("--diffusion", action="store_true", help="also time plain FiPy diffusion (one CG solve per step): the machine's own scaling")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        (diffusion_worker if args.diffusion else worker)(args.grids[0], args.sweeps)
        return
    print(f"{'what':>9} {'grid':>5} {'cells':>8} {'systems':>7} {'ranks':>5} {'ms/sweep':>9} {'solves ms':>9} {'coeff. ms':>9} {'speed-up':>8} {'solves':>7}  load before/after")
    for grid, diffusion in [(g, d) for g in args.grids for d in ((False, True) if args.diffusion else (False,))]:
        first = None
        for n_ranks in args.ranks:
            before = os.getloadavg()[0]
            m = measure(grid, n_ranks, args.sweeps, diffusion)
            total = m["coefficients_s"] + m["solves_s"]
            first = first or m
            print(
                f"{'diffusion' if diffusion else 'epitaxy':>9} {grid:5d} {m['cells']:8d} {m['systems']:7d} {n_ranks:5d} {total * 1e3:9.0f} {m['solves_s'] * 1e3:9.0f} {m['coefficients_s'] * 1e3:9.0f} "
                f"{(first['coefficients_s'] + first['solves_s']) / total:8.2f} {first['solves_s'] / m['solves_s']:7.2f}  {before:.2f}/{os.getloadavg()[0]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Cost per cell of a faceted epitaxy step against the grid (issue 14: "within 1.3x from 64^2 to 1024^2").

The state 0.05 s after the first NVP nucleus is computed once at ``--state-grid`` (64; the
scenario at 710 degC) and interpolated (bilinear) onto each finer grid of the same box, so
every grid starts from the same physical state; then a few steps of the same fixed dt are
solved (converged sweeps, as a run does). A warm-up step of the same dt comes first: it builds
the multigrid hierarchies and makes the order parameters' switch decisions
(``ModelParameters.order_parameter_amg_after``), which the timed steps reuse as a run does
within a frame. Not timed, then: the builds, which a run repeated about every 22 solves of a
hierarchy while the reuse limit was 25 solves (in the small test epitaxy, 1 s at grid 48 with every
grain on AMG, 250 builds for ~5500 order-parameter solves); the limit is now 100, with the coarse
operators updated in between (``ReusedHierarchy``).
Reported per grid: wall time per sweep and per cell-sweep (one sweep = every order parameter and
both chemical potentials solved once), the sweeps per step, the order parameters' solves per sweep
and CG iterations per solve with Jacobi and with AMG apart, and the chemical potentials' AMG-CG
iterations per solve. ``--compare-off`` times each grid also with the switch off (Jacobi-CG
always), alternately in the same run, and prints the ratio. The steps run with the heap reuse a
run sets (:func:`phasefield.numerics.allocation.reuse_heap_memory`; ``--heap glibc``: glibc's own
thresholds); ``--compare-heap`` runs both in two processes one after the other (a process cannot
go back to glibc's dynamic threshold once set) and prints glibc / reuse per grid.

    python benchmarks/bench_cost_per_cell.py --grids 64 128 256 512 --dt-ms 2 --steps 2 [--compare-off] [--compare-heap]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys

import numpy as np
from scipy.ndimage import zoom

from bench_epitaxy import Counter, prepared, time_steps
from phasefield import Simulation
from phasefield.numerics.allocation import reuse_heap_memory
from scenarios.epitaxy import microstructure


def on_grid(sim0, state0, grid: int, amg_after: int):
    """A Simulation at ``grid`` over the same box, with state0's fields interpolated onto it, and
    ``order_parameter_amg_after`` = ``amg_after``."""
    p = dataclasses.replace(sim0.params, grid=grid, order_parameter_amg_after=amg_after)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    shape0, shape = sim0.params.shape[::-1], p.shape[::-1]  # (y, x): FiPy numbers cells x fastest
    factors = [a / b for a, b in zip(shape, shape0)]

    def resample(f):
        return np.stack([zoom(g.reshape(shape0), factors, order=1, mode="nearest").ravel() for g in f])

    state.eta = np.clip(resample(state0.eta), 0.0, 1.0)
    state.n = resample(state0.n)
    state.orientation_deg = state0.orientation_deg.copy()
    state.active = state0.active.copy()
    state.time = state0.time
    sim.track(state)
    return sim, state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grids", type=int, nargs="+", default=[64, 128, 256, 512])
    ap.add_argument("--state-grid", type=int, default=64, help="the grid the state is computed on")
    ap.add_argument("--dt-ms", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--amg-after", type=int, default=None, help="order_parameter_amg_after (default: the model's)")
    ap.add_argument("--compare-off", action="store_true", help="also time each grid with the switch off (0: Jacobi-CG always)")
    ap.add_argument("--heap", choices=("reuse", "glibc"), default="reuse", help="the heap reuse of a run, or glibc's own thresholds")
    ap.add_argument("--compare-heap", action="store_true", help="both --heap settings, each in its own process; prints glibc / reuse")
    args = ap.parse_args()
    if args.compare_heap:
        compare_heap(sys.argv[1:])
        return
    if args.heap == "reuse":
        reuse_heap_memory()
    sim0, state0 = prepared(args.state_grid, "fast-faceted")
    state0 = sim0.advance(state0, state0.time + 0.05 / sim0.units.time_s)
    amg_after = sim0.params.order_parameter_amg_after if args.amg_after is None else args.amg_after
    settings = [amg_after, 0] if args.compare_off else [amg_after]
    print(f"{'grid':>5} {'amg_after':>9} {'cells':>8} {'s/sweep':>8} {'us/cell-sweep':>14} {'sweeps/step':>12} "
          f"{'eta Jacobi (solves/sweep, its)':>31} {'eta AMG (solves/sweep, its)':>28} {'mu its':>7} {'off/on':>7}")
    base = {}
    for grid in args.grids:
        walls = {}
        for setting in settings:
            sim, state = on_grid(sim0, state0, grid, setting)
            count = Counter(sim.equations)
            wall = time_steps(sim, state, args.steps, args.dt_ms * 1e-3, count)[0] * args.steps
            walls[setting] = wall
            cells = state.eta.shape[1]
            per = wall / count.sweeps / cells * 1e6
            base.setdefault(setting, per)
            ratio = f"{walls[0] / walls[amg_after]:7.2f}" if len(walls) == 2 else ""
            print(f"{grid:>5} {setting:>9} {cells:>8} {wall / count.sweeps:8.3f} {per:9.2f} ({per / base[setting]:.2f}x) {count.sweeps / args.steps:12.1f} "
                  f"{count.eta[0] / count.sweeps:24.2f} {count.per_solve(count.eta):6.1f} {count.eta_amg[0] / count.sweeps:21.2f} "
                  f"{count.per_solve(count.eta_amg):6.1f} {count.per_solve(count.mu):7.1f} {ratio}", flush=True)


def compare_heap(argv: list[str]) -> None:
    """This benchmark with ``--heap glibc`` and then ``--heap reuse``, and the ratio of their s/sweep per row."""
    base = [a for a in argv if a != "--compare-heap"]
    rows = {}
    for heap in ("glibc", "reuse"):
        out = subprocess.run([sys.executable, __file__, *base, "--heap", heap], capture_output=True, text=True, check=True).stdout
        print(f"--heap {heap}\n{out}", flush=True)
        rows[heap] = [line.split() for line in out.splitlines()[1:] if line.split() and line.split()[0].isdigit()]
    for glibc, reuse in zip(rows["glibc"], rows["reuse"]):
        print(f"grid {glibc[0]} amg_after {glibc[1]}: s/sweep glibc {glibc[3]} / reuse {reuse[3]} = {float(glibc[3]) / float(reuse[3]):.2f}")


if __name__ == "__main__":
    main()

"""Cost per cell of a faceted epitaxy step against the grid (issue 14: "within 1.3x from 64^2 to 1024^2").

The state 0.05 s after the first NVP nucleus is computed once at the smallest grid (the
scenario at 710 degC) and interpolated (bilinear) onto each finer grid of the same box, so
every grid starts from the same physical state; then a few steps of the same fixed dt are
solved (converged sweeps, as a run does). Reported per grid: wall time per sweep and per
cell-sweep (one sweep = every order parameter and both chemical potentials solved once), the
sweeps per step, the order parameters' Jacobi-CG iterations and the chemical potentials'
AMG-CG iterations per solve.

    python benchmarks/bench_cost_per_cell.py --grids 64 128 256 512 --dt-ms 2 --steps 2
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
from scipy.ndimage import zoom

import phasefield.numerics.fast_backend as fast_backend
from bench_epitaxy import prepared
from phasefield import Simulation
from scenarios.epitaxy import microstructure


class Counter:
    """Counts sweeps and CG iterations of the fast backend (wraps FastEquations.step and conjugate_gradient)."""

    def __init__(self):
        self.sweeps = 0
        self.eta = [0, 0]
        self.mu = [0, 0]
        step, cg = fast_backend.FastEquations.step, fast_backend.conjugate_gradient

        def counted_step(equations, *a, **k):
            self.sweeps += 1
            return step(equations, *a, **k)

        def counted_cg(A, b, x0, tolerance, inverse_diagonal=None, preconditioner=None, **k):
            x, its = cg(A, b, x0, tolerance, inverse_diagonal=inverse_diagonal, preconditioner=preconditioner, **k)
            tally = self.mu if preconditioner is not None else self.eta
            tally[0] += 1
            tally[1] += its
            return x, its

        fast_backend.FastEquations.step = counted_step
        fast_backend.conjugate_gradient = counted_cg

    def reset(self):
        self.sweeps, self.eta, self.mu = 0, [0, 0], [0, 0]


def on_grid(sim0, state0, grid: int):
    """A Simulation at ``grid`` over the same box, with state0's fields interpolated onto it."""
    p = dataclasses.replace(sim0.params, grid=grid)
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
    ap.add_argument("--dt-ms", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=2)
    args = ap.parse_args()
    count = Counter()
    sim0, state0 = prepared(args.grids[0], "fast-faceted")
    state0 = sim0.advance(state0, state0.time + 0.05 / sim0.units.time_s)
    print(f"{'grid':>5} {'cells':>8} {'s/sweep':>8} {'us/cell-sweep':>14} {'sweeps/step':>12} {'eta its':>8} {'mu its':>7}")
    base = None
    for grid in args.grids:
        sim, state = on_grid(sim0, state0, grid)
        dt = args.dt_ms * 1e-3 / sim.units.time_s
        sim.try_step(state, dt)  # warm-up: hierarchies, caches
        count.reset()
        t0 = time.perf_counter()
        for _ in range(args.steps):
            sim.try_step(state, dt)
        wall = time.perf_counter() - t0
        cells = state.eta.shape[1]
        per = wall / count.sweeps / cells * 1e6
        base = base or per
        print(f"{grid:>5} {cells:>8} {wall / count.sweeps:8.3f} {per:9.2f} ({per / base:.2f}x) {count.sweeps / args.steps:12.1f} "
              f"{count.eta[1] / max(count.eta[0], 1):8.1f} {count.mu[1] / max(count.mu[0], 1):7.1f}", flush=True)


if __name__ == "__main__":
    main()

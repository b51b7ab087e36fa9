"""Speed of the epitaxy scenario: FiPy's default solver, plain FiPy + CG, and the fast backend.

Run:  python benchmarks/bench_epitaxy.py [--grids 128 256] [--steps 4] [--rounds 2] [--skip-lu-above 256]
          [--setups fast fast-faceted] [--reference-backend CHECKOUT]

Each setup starts from the same state: the epitaxy microstructure held at
710 degC, 0.5 s of growth, and one NVP nucleus placed by the seeded nucleation
model. The first three setups use isotropic interface energies; "fast-faceted" is the
scenario as shipped, with the NH4VO3 and NVP facet anisotropy on (its cost is
the ratio of its time to "fast"). It then times ``--steps`` implicit steps of a fixed
size (``--dt-ms``, 2 ms: the size the error control takes there), each converged by
sweeps (every order parameter and both chemical potentials solved once per sweep), as a
run's step solves are (a run takes one per accepted step with BDF2, the default scheme, three
with step doubling). Setups are
interleaved round by round, and ratios are taken within a round, so machine noise hits
all of them alike.

Reported per setup (medians over rounds):
  * ms per step and sweeps per step;
  * field-cell updates per second = cells x fields / time per step (fields: the
    evolving order parameters and the two densities);
  * field-cell solves per second = cells x fields x sweeps / time per step: the
    same work counted per linear solve, the unit of the FiPy-speed notes' 0.13 M/s
    baseline;
  * the share of time in assembly (FiPy: ``Term._prepareLinearSystem``; fast:
    coefficient refresh + operator refresh) vs the linear solve, from a
    separate cProfile run;
  * speed-up over FiPy's default solver in the same round.

The isotropic and the faceted state are prepared once per grid (deterministic; a step leaves
them unchanged) and shared by the setups; every timing starts with new equations (no hierarchy or
FiPy matrix carried over). ``--reference-backend
CHECKOUT`` adds, for each fast setup, the same steps of the same state solved by the fast backend
module (``phasefield/numerics/fast_backend.py``) of another checkout (the rest of the model is
this tree's), timed in the same round in alternating order, with the ratio of this tree's time
to it and the mu AMG-CG iterations per solve of both.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import statistics
import time

import numpy as np

from phasefield import Simulation
from phasefield.numerics import fast_backend
from phasefield.numerics.fipy_backend import FipyEquations
from scenarios.epitaxy import EpitaxyParameters, microstructure

SETUPS = ("fipy-default", "fipy-cg", "fast", "fast-faceted")


def prepared(grid: int, setup: str, **changes):
    """The benchmark state; every setup but "fast-faceted" uses isotropic interface energies.

    ``changes``: further parameters of the scenario (e.g. ``time_tolerance``)."""
    facets = {} if setup == "fast-faceted" else dict(phase_facet_angles_deg={}, phase_facet_energies={})
    # sweeps 40: at 256^2 with facets the timed 2 ms step needs 15 sweeps to the default tolerance's stop
    # (more than the default 12 allow: a run would retry it smaller), measured 2026-12-03
    changes = {"sweeps": 40} | changes
    p = EpitaxyParameters(grid=grid, start_temperature_C=710.0, hold_temperature_C=710.0, ramp_K_per_s=0.0, backend="fast", **facets, **changes)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    state = sim.advance(state, 0.5 / sim.units.time_s)
    rng = np.random.default_rng(1)
    while not state.active[sim.grain_phase == 4].any():
        sim.nucleate(state, rng)
    if setup.startswith("fipy"):
        sim.equations = FipyEquations(sim.mesh, len(sim.grains), p.solver_tolerance, solver="default" if setup == "fipy-default" else "cg")
    return sim, state


def fields(sim, state) -> int:
    """Evolving order parameters plus the conserved densities (one mu solve each per sweep)."""
    return int((state.active & ~sim.fixed).sum()) + state.n.shape[0]


class Counter:
    """Counts the sweeps of ``equations`` (one ``step`` call: every order parameter and mu solved
    once) and, on the fast backend, the solves and CG iterations of the order parameters (Jacobi-
    and AMG-preconditioned apart) and of mu: ``[solves, iterations]`` in ``eta``, ``eta_amg``, ``mu``."""

    def __init__(self, equations):
        self.reset()
        self._wrap(equations, "step", lambda *a: "sweeps")
        if hasattr(equations, "_solve_mu"):  # the fast backend (of this tree or of a reference checkout)
            self._wrap(equations, "_solve_eta", lambda grain, *a: "eta_amg" if grain in equations._eta_amg else "eta")
            self._wrap(equations, "_solve_mu", lambda *a: "mu")

    def reset(self) -> None:
        self.sweeps = 0
        self.eta, self.eta_amg, self.mu = [0, 0], [0, 0], [0, 0]

    def _wrap(self, equations, method: str, tally) -> None:
        """Count the calls of ``equations.method`` into the tally named by ``tally(*arguments)``."""
        original = getattr(equations, method)

        def counted(*a, **k):
            name = tally(*a)
            out = original(*a, **k)
            if name == "sweeps":
                self.sweeps += 1
            else:
                getattr(self, name)[0] += 1
                getattr(self, name)[1] += out[1]
            return out

        setattr(equations, method, counted)

    @staticmethod
    def per_solve(tally: list) -> float:
        """Iterations per solve of a tally (0 without solves)."""
        return tally[1] / max(tally[0], 1)


def time_steps(sim, state, steps: int, dt_s: float, count: Counter | None = None) -> tuple[float, float]:
    """(wall s per step, sweeps per step) of ``steps`` converged steps of ``dt_s`` from ``state``;
    ``count``, a Counter of ``sim.equations``, is reset after the warm-up step."""
    dt = dt_s / sim.units.time_s
    sim.try_step(state, dt)  # warm-up (FiPy builds its matrices lazily; the fast backend its hierarchies)
    if count is None:
        count = Counter(sim.equations)
    count.reset()
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.try_step(state, dt)
    return (time.perf_counter() - t0) / steps, count.sweeps / steps


def backend_module(checkout: str | None):
    """This tree's fast backend module, or that of the checkout ``checkout`` (loaded inside this
    tree's package, so it runs with this tree's coefficients and geometry)."""
    if checkout is None:
        return fast_backend
    spec = importlib.util.spec_from_file_location("phasefield.numerics._reference_fast_backend", f"{checkout}/phasefield/numerics/fast_backend.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def with_new_equations(sim, setup: str, backend=fast_backend):
    """``sim`` with new equations of ``setup`` (fast setups: of ``backend``'s FastEquations)."""
    if setup.startswith("fipy"):
        sim.equations = FipyEquations(sim.mesh, len(sim.grains), sim.params.solver_tolerance, solver="default" if setup == "fipy-default" else "cg")
        return sim
    built = sim.whole_step_equations  # a fast backend's, also after a FiPy setup (which replaces sim.equations)
    sim.equations, sim.whole_step_equations = (
        backend.FastEquations(built.geometry, built.tolerance, built.sweep_fraction, built.amg_after) for _ in range(2)
    )
    return sim


ASSEMBLY = {
    "fipy": ("_prepareLinearSystem",),
    "fast": ("step_coefficients", "operator", "tangential_source", "normal_coefficient"),
}
SOLVE = {"fipy": ("_solve_",), "fast": ("conjugate_gradient",)}


def shares(sim, state, setup: str, steps: int, dt_s: float) -> tuple[float, float]:
    dt = dt_s / sim.units.time_s
    sim.try_step(state, dt)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        sim.try_step(state, dt)
    prof.disable()
    stats = pstats.Stats(prof).stats
    total = sum(v[2] for k, v in stats.items())  # tottime sum = profiled wall
    kind = "fipy" if setup.startswith("fipy") else "fast"

    def cum(names):
        return sum(v[3] for (f, line, fn), v in stats.items() if fn in names)

    return cum(ASSEMBLY[kind]) / total, cum(SOLVE[kind]) / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grids", type=int, nargs="+", default=[128, 256])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--skip-lu-above", type=int, default=256, help="skip FiPy's default (SuperLU) above this grid")
    ap.add_argument("--dt-ms", type=float, default=2.0, help="the fixed step [ms]: of the size the error control takes after nucleation")
    ap.add_argument("--setups", nargs="+", choices=SETUPS, default=list(SETUPS))
    ap.add_argument("--reference-backend", metavar="CHECKOUT", help="also time the fast setups with this checkout's fast backend")
    args = ap.parse_args()
    dt_s = args.dt_ms * 1e-3
    reference = backend_module(args.reference_backend) if args.reference_backend else None
    print(f"{'grid':>5} {'setup':>13} {'ms/step':>9} {'sweeps':>7} {'M upd/s':>8} {'M solve/s':>10} {'assembly':>9} {'solve':>6} {'x default':>10}"
          + ("   ref ms/step  this/ref  mu its  ref" if reference else ""))
    for grid in args.grids:
        setups = [s for s in args.setups if not (s == "fipy-default" and grid > args.skip_lu_above)]
        isotropic = prepared(grid, "fast") if set(setups) - {"fast-faceted"} else None
        states = {s: prepared(grid, s) if s == "fast-faceted" else isotropic for s in setups}
        nfields = fields(*states[setups[0]])
        times, sweeps, ratios = ({s: [] for s in setups} for _ in range(3))
        versus, mu_its = {s: [] for s in setups}, {}
        for r in range(args.rounds):
            this_round = {}
            for s in setups:
                sim, state = states[s]
                if reference is None or s.startswith("fipy"):
                    this_round[s], per_step = time_steps(with_new_equations(sim, s), state, args.steps, dt_s)
                else:
                    this_round[s], per_step, theirs, mu_its[s] = compared_with(reference, sim, state, s, args.steps, dt_s, reference_first=r % 2 == 1)
                    versus[s].append(this_round[s] / theirs)
                times[s].append(this_round[s])
                sweeps[s].append(per_step)
            if "fipy-default" in this_round:
                for s in setups:
                    ratios[s].append(this_round["fipy-default"] / this_round[s])
        cells = grid * grid
        for s in setups:
            t = statistics.median(times[s])
            a, so = shares(with_new_equations(states[s][0], s), states[s][1], s, max(1, args.steps // 2), dt_s)
            n_sweeps = statistics.median(sweeps[s])
            upd = cells * nfields / t / 1e6
            solves = cells * nfields * n_sweeps / t / 1e6  # per sweep: each order parameter and each mu
            ratio = f"{statistics.median(ratios[s]):.1f}" if ratios[s] else "-"
            line = f"{grid:>5} {s:>13} {t * 1e3:9.1f} {n_sweeps:7.1f} {upd:8.2f} {solves:10.2f} {a:9.0%} {so:6.0%} {ratio:>10}"
            if versus[s]:
                theirs = statistics.median(t_ / v for t_, v in zip(times[s], versus[s]))
                line += f" {theirs * 1e3:13.1f} {statistics.median(versus[s]):9.2f} {mu_its[s][0]:7.2f} {mu_its[s][1]:4.2f}"
            print(line, flush=True)
        if "fast-faceted" in times and "fast" in times:
            cost = statistics.median(a / b for a, b in zip(times["fast-faceted"], times["fast"]))
            print(f"      facet anisotropy costs {cost:.2f}x the isotropic fast step")
        print(f"      ({cells} cells, {nfields} fields: the evolving order parameters and the densities; steps of {args.dt_ms:g} ms, "
              "each converged by sweeps of every order parameter and both chemical potentials)")


def compared_with(reference, sim, state, setup: str, steps: int, dt_s: float, reference_first: bool):
    """(this tree's s/step, sweeps/step, the reference backend's s/step, (mu its per solve: this, reference))
    of the same steps from the same state, the two timed one after the other in the given order."""
    out = {}
    for backend in (reference, fast_backend) if reference_first else (fast_backend, reference):
        count = Counter(with_new_equations(sim, setup, backend).equations)
        out[backend] = time_steps(sim, state, steps, dt_s, count), Counter.per_solve(count.mu)
    (ours, per_step), mu_ours = out[fast_backend]
    (theirs, _), mu_theirs = out[reference]
    return ours, per_step, theirs, (mu_ours, mu_theirs)


if __name__ == "__main__":
    main()

"""Cost of the 3D epitaxy: a whole run with facets, and the time per step at a finer grid.

Run:  python benchmarks/bench_3d.py run [--grid 64] [--domain 64 36 36] [--budget-min 120] [--out bench3d.nc] [--resume]
      python benchmarks/bench_3d.py steps [--grid 128] [--domain 64 36 36] [--steps 3] [--settle-s 0.05] [--isotropic] [--plant]
          [--dt-ms DT] [--set KEY=VALUE ...]

``run``: ``scenarios.epitaxy`` on its defaults (heating 560 -> 710 degC, 20 s, facets of
NH4VO3 and NVP from ``scenarios.facets.epitaxial_facets_3d``) in the 3D box ``--domain``
at ``--grid`` cells along x, written to ``--out``. One line per frame: simulated time,
wall time, and the wall time per simulated second over the last frame. If the run is
not done after ``--budget-min`` minutes it stops at the next frame (the frames are kept;
``--resume`` continues it), and the total is extrapolated from the pace of the last 4
frames (the command line's ETA rule) and said to be so.

``steps``: the wall time of whole error-controlled steps (as a run takes them: with step doubling,
the default scheme, three step solves each; with ``time_scheme`` bdf2 one once two steps are known) of the same scenario held at 710 degC, from
``--settle-s`` after one NVP nucleus was planted by the nucleation model (seeded), so that 5 of its
fields evolve: each advances by the step the controller proposes (a rejected one is
retried smaller inside the same timing, and counted). ``--plant`` puts the seed on the
contact at t = 0 instead (the wait for the sampled nucleus costs hours at 128^3). The
setup is not timed; the machine's load is printed before and after. ``--dt-ms``: consecutive
implicit steps of that fixed size instead (no error control), with the sweeps per step, so that
settings (``--set``, e.g. ``facet_local_stiffness=0``) are compared on the same steps.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

import phasefield
from phasefield import Simulation
from phasefield.model import free_energy as fe
from phasefield.model import nucleation
from phasefield.model.constraints import grain_measure
from phasefield.model.overrides import apply_overrides
from phasefield.model.phases import PHASES
from scenarios.epitaxy import EpitaxyParameters, microstructure, run

from bench_epitaxy import Counter

PACE_FRAMES = 4


class BudgetSpent(Exception):
    """The wall-time budget ran out (raised after a frame: the run file keeps every frame)."""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def whole_run(params: EpitaxyParameters, out: Path, budget_s: float, resume: bool) -> None:
    print(f"{params.shape} cells, {params.order_parameter_fields()} fields; {load()}", flush=True)
    marks: list[tuple[float, float]] = []  # (simulated s, wall s since start)
    start = time.perf_counter()

    def on_frame(index: int, frame) -> None:
        now = time.perf_counter() - start
        t = float(frame.time.values[0]) if frame.time.ndim else float(frame.time)
        pace = (now - marks[-1][1]) / (t - marks[-1][0]) if marks and t > marks[-1][0] else float("nan")
        marks.append((t, now))
        print(f"t = {t:6.2f} s  wall {now:8.1f} s  {pace:8.1f} s per simulated s", flush=True)
        if now > budget_s and t < params.duration_s and len(marks) > PACE_FRAMES:
            raise BudgetSpent

    try:
        run(params, out=out, resume=resume, on_frame=on_frame)
        done = True
    except BudgetSpent:
        done = False
    attrs = phasefield.open_run(out, chunks=None).attrs
    reached = marks[-1][0]
    wall = float(attrs["wall_time_s"])  # the run's own count, over every resumed piece
    steps = int(attrs["n_steps"])
    print(f"reached t = {reached:g} s of {params.duration_s:g} s: wall {wall:.0f} s, {steps} steps "
          f"({int(attrs['n_rejected_steps'])} rejected), {wall / max(steps, 1):.2f} s per step, {attrs['n_nuclei']} NVP nuclei; {load()}")
    if not done:
        recent = marks[-PACE_FRAMES - 1 :]
        pace = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
        total = wall + (params.duration_s - reached) * pace
        print(f"extrapolated (not measured): {total / 60:.0f} min for the whole run at the last {len(recent) - 1} frames' "
              f"{pace:.0f} s per simulated s; {steps / reached:.0f} steps per simulated s so far")


def fixed_steps(sim: Simulation, state, steps: int, dt_ms: float) -> None:
    """Time ``steps`` consecutive implicit steps of ``dt_ms`` (no error control; sweeps counted),
    so that two linearizations are compared on the same steps."""
    count = Counter(sim.equations)
    dt = dt_ms * 1e-3 / sim.units.time_s
    t0 = time.perf_counter()
    for _ in range(steps):
        state.eta, state.n, _ = sim.try_step(state, dt)
        state.time += dt
    nvp = np.flatnonzero(sim.grain_phase == PHASES.index("NVP"))
    volume = sum(grain_measure(state.eta, int(g), sim.params.dx_nm**3) for g in nvp)
    print(f"{dt_ms:g} ms steps: {(time.perf_counter() - t0) / steps:.1f} s wall and {count.sweeps / steps:.1f} sweeps a step; "
          f"NVP {volume:.3f} nm^3 at t = {sim.time_s(state):.4f} s; {load()}", flush=True)


def step_times(params: EpitaxyParameters, steps: int, settle_s: float, plant: bool = False, fixed_dt_ms: float = 0.0) -> None:
    sim = Simulation(params, microstructure(params))
    state = sim.initial_state()
    rng = np.random.default_rng(1)
    nvp = sim.grain_phase == PHASES.index("NVP")
    if plant:  # the seed nucleation would plant, put on the contact at t = 0 (no wait for the sampled nucleus)
        h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
        cell = int(np.argmax(nucleation.contact_weight(h)))
        sim.plant_nucleus(state, int(np.flatnonzero(nvp)[0]), cell, nucleation.seed_nucleus(params, sim.temperature_K(state.time)))
    while not state.active[nvp].any():
        state = sim.advance(state, state.time + params.nucleation_interval_s / sim.units.time_s)
        sim.nucleate(state, rng)
    state = sim.advance(state, state.time + settle_s / sim.units.time_s)
    print(f"{params.shape} cells ({int(np.prod(params.shape))}), facets {'off' if params.facets('NVP') is None else 'on'}; "
          f"from t = {sim.time_s(state):.3f} s, dt {state.dt * sim.units.time_s * 1e3:.2f} ms; {load()}", flush=True)
    if fixed_dt_ms:
        fixed_steps(sim, state, steps, fixed_dt_ms)
        return
    for _ in range(steps):
        dt, taken, rejected = state.dt, state.n_steps, state.n_rejected
        t0 = time.perf_counter()
        state = sim.advance(state, state.time + dt)  # one step of the proposed size (retried smaller if rejected)
        wall = time.perf_counter() - t0
        print(f"{dt * sim.units.time_s * 1e3:.2f} ms: {wall:.1f} s wall, {state.n_steps - taken} step(s), {state.n_rejected - rejected} rejected", flush=True)
    print(load())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("run", "steps"))
    ap.add_argument("--grid", type=int, default=None, help="cells along x (default: 64 for run, 128 for steps)")
    ap.add_argument("--domain", type=float, nargs=3, default=(64.0, 36.0, 36.0), help="box [nm]")
    ap.add_argument("--budget-min", type=float, default=120.0)
    ap.add_argument("--out", type=Path, default=Path("bench3d.nc"))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--settle-s", type=float, default=0.05, help="steps: simulated time after the nucleus before timing [s]")
    ap.add_argument("--isotropic", action="store_true", help="steps: without the facets (their cost is the ratio)")
    ap.add_argument("--dt-ms", type=float, default=0.0, help="steps: consecutive steps of this fixed size, sweeps counted (default: error-controlled steps)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a scenario parameter (repeatable), as `nvp-growth run --set`")
    ap.add_argument("--plant", action="store_true", help="steps: plant the seed on the contact at t = 0 instead of waiting for the sampled nucleus (at 128^3 that wait costs hours)")
    args = ap.parse_args()
    grid = args.grid or (64 if args.mode == "run" else 128)
    changes = dict(phase_facet_angles_deg={}, phase_facet_energies={}) if args.isotropic else {}
    if args.mode == "run":
        params = EpitaxyParameters(grid=grid, domain_nm=tuple(args.domain), **changes)
        whole_run(apply_overrides(params, args.set), args.out, 60.0 * args.budget_min, args.resume)
    else:
        held = dict(start_temperature_C=710.0, hold_temperature_C=710.0, ramp_K_per_s=0.0)
        params = EpitaxyParameters(grid=grid, domain_nm=tuple(args.domain), **held, **changes)
        step_times(apply_overrides(params, args.set), args.steps, args.settle_s, args.plant, args.dt_ms)


if __name__ == "__main__":
    main()

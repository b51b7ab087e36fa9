"""Cost per grain: the step cost with 10 and with 100 grains in the same order-parameter slots.

Run:  python benchmarks/bench_grains.py [--grid 128] [--slots 4] [--steps 4] [--rounds 3]

NVP discs (r = 2.5 nm) on a 10 x 10 lattice (8 nm apart) in an amorphous matrix of NVP's
composition at 700 degC (NVP grows, interface-limited), 80 nm box; the 100 grains fill the
lattice, the 10 take every tenth site. Lattice sites are coloured 2 x 2 over 4 NVP slots, so
grains of one slot start 16 nm apart (beyond the 8 nm reassignment distance). Both setups have
the same slots (surroundings, the matrix and ``--slots`` NVP slots), so the solves are the
same size. Timed, alternating within a round, ratios within a round: one implicit solve at
dt_max (``Simulation.try_step``: coefficients, facets off, CG), one tracking and
reassignment pass (``Simulation.track``, once per accepted step), and whole accepted steps
(``Simulation.advance`` over 0.05 s: the run's time scheme: step doubling, three solves, by
default; plus the pass).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, Simulation

SPACING_NM = 8.0
RADIUS_NM = 2.5


def setup(count: int, grid: int, slots: int) -> tuple[Simulation, object]:
    """``count`` grains (10 or 100) on the lattice, over ``slots`` NVP slots (at least 4: the colouring)."""
    sites = [(i, j) for i in range(10) for j in range(10)]
    chosen = sites if count == 100 else sites[:: 100 // count]
    colour = [(i % 2) * 2 + (j % 2) for i, j in chosen]
    used = sorted(set(colour))
    p = ModelParameters(
        domain_nm=(10 * SPACING_NM, 10 * SPACING_NM),
        grid=grid,
        start_temperature_C=700.0,
        hold_temperature_C=700.0,
        ramp_K_per_s=0.0,
        crystallization_prefactor_per_m2_s=0.0,
        nucleation_prefactor_per_m_s=0.0,
        grain_reassignment=True,
        phase_facet_angles_deg={},
        phase_facet_energies={},
    )
    micro = Microstructure(
        grains=(Grain("amorphous"), *(Grain("NVP", orientation_deg=7.0 * k) for k in range(len(chosen)))),
        shapes=(HalfSpace(1e3), *(Disc(((i + 0.5) * SPACING_NM, (j + 0.5) * SPACING_NM), RADIUS_NM) for i, j in chosen)),
        slots=(0, *(1 + used.index(c) for c in colour)),
        empty_slots=("NVP",) * (slots - len(used)),
    )
    sim = Simulation(p, micro)
    return sim, sim.initial_state()


def timings(count: int, grid: int, slots: int, steps: int) -> dict[str, float]:
    sim, state = setup(count, grid, slots)
    dt = sim.params.dt_max_s / sim.units.time_s
    sim.try_step(state, dt)  # warm-up (matrices built lazily)
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.try_step(state, dt)
    solve = (time.perf_counter() - t0) / steps
    t0 = time.perf_counter()
    for _ in range(steps):
        sim.track(state)
    track = (time.perf_counter() - t0) / steps
    before = state.n_steps
    t0 = time.perf_counter()
    sim.advance(state, state.time + 0.05 / sim.units.time_s)
    step = (time.perf_counter() - t0) / max(state.n_steps - before, 1)
    alive = len(state.grains.alive()) - 1  # the matrix is a grain too
    return {"solve": solve, "track": track, "step": step, "grains": alive, "slots": len(sim.grains)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=128)
    ap.add_argument("--slots", type=int, default=4)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if args.slots < 4:
        ap.error(f"--slots {args.slots} is not allowed; allowed: >= 4 (the lattice's colouring)")
    print(f"grid {args.grid}, {args.slots} NVP slots; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rounds = [{count: timings(count, args.grid, args.slots, args.steps) for count in (10, 100)} for _ in range(args.rounds)]
    print(f"{'':>22} {'10 grains':>10} {'100 grains':>11} {'100 / 10':>9}")
    for key, name in (("solve", "one solve ms"), ("track", "tracking pass ms"), ("step", "accepted step ms")):
        a = statistics.median(r[10][key] for r in rounds) * 1e3
        b = statistics.median(r[100][key] for r in rounds) * 1e3
        ratio = statistics.median(r[100][key] / r[10][key] for r in rounds)
        print(f"{name:>22} {a:10.1f} {b:11.1f} {ratio:9.2f}")
    last = rounds[-1]
    print(f"grains alive after 0.05 s: {last[10]['grains']} and {last[100]['grains']}; slots in the run: {last[10]['slots']}")


if __name__ == "__main__":
    main()

"""What the orientation of an NVP grain costs: one seed in and out of the relationship, with and without misfit.

Run:  python benchmarks/bench_misfit.py [--grid 48] [--duration 1.5] [--max-multiple 4] [--offset 30] [--seed-temperature 730]

The tests' small epitaxy (40 x 24 nm box, particles r = 8 and 6 nm, isotropic interfaces, held at
710 degC) with the same NVP seed planted on the contact at t = 0 in every case (the critical lens
of the case without misfit at ``--seed-temperature``: one shape for all, so that the runs differ by
the interface energies alone; nucleation off), then grown for ``--duration`` s:

  * ``in relationship``: the seed takes its NH4VO3 parent's orientation (the paper's relationship)
    and its interface with NH4VO3 carries the misfit energy of the ``--max-multiple`` coincidence
    (4: the 4:3, eps = -3.32 %, 0.057 J/m^2; 3: the paper's 3:2, 0.345 J/m^2, capped at the
    incoherent excess 0.2);
  * ``no misfit``: in the relationship, no misfit energy (``misfit_max_multiple = 0``);
  * ``rotated``: the misfit on, the seed turned ``--offset`` degrees out of the relationship
    (``nucleus_orientation_offset_deg``): its NH4VO3 interface is incoherent and pays
    ``incoherent_excess_J_m2`` (0.2 J/m^2).

Printed: each case's nucleation barrier at 710 degC in kT (the lens with its orientation's excess,
:mod:`phasefield.model.nucleation`: what decides whether such a nucleus forms at all), then per
frame the NVP area [nm^2] and the NVP grain's excess energy [J/m, per unit thickness].
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from phasefield import Simulation
from phasefield.model import free_energy as fe
from phasefield.model import nucleation
from phasefield.model.parameters import BOLTZMANN
from phasefield.model.phases import PHASES
from scenarios.epitaxy import EpitaxyParameters, microstructure

CASES = ("in relationship", "no misfit", "rotated")
HOLD_C = 710.0


def parameters(case: str, grid: int, max_multiple: int, offset_deg: float) -> EpitaxyParameters:
    """The small epitaxy of the tests (``tests/conftest.py::small_epitaxy``: box, radii), held at 710 degC,
    isotropic, with the case's misfit settings."""
    small = dict(grid=grid, domain_nm=(40.0, 24.0), nh4vo3_radius_nm=8.0, nah2po4_radius_nm=6.0, phase_facet_angles_deg={}, phase_facet_energies={})
    held = dict(start_temperature_C=HOLD_C, hold_temperature_C=HOLD_C, ramp_K_per_s=0.0)
    misfit = dict(misfit_max_multiple=0 if case == "no misfit" else max_multiple, nucleus_orientation_offset_deg=offset_deg if case == "rotated" else 0.0)
    return EpitaxyParameters(**small, **held, **misfit)


def grow(p: EpitaxyParameters, lens: nucleation.Lens, duration_s: float, frames: int = 6) -> list[tuple[float, float, float]]:
    """(t [s], NVP area [nm^2], NVP excess energy [J/m]) per frame of ``lens`` planted on the contact and grown."""
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    slot = int(np.flatnonzero(sim.grain_phase == PHASES.index("NVP"))[0])
    sim.plant_nucleus(state, slot, int(np.argmax(nucleation.contact_weight(h))), lens)
    out = []
    for k in range(frames + 1):
        if k:
            sim.advance(state, k * duration_s / frames / sim.units.time_s)
        frame = sim.frame(state)
        out.append((sim.time_s(state), float(frame.phase_area.sel(phase="NVP").squeeze()), float(sim.misfit_energy_J(state)[slot])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=48)
    ap.add_argument("--duration", type=float, default=1.5, help="growth time after the seed is planted [s]")
    ap.add_argument("--max-multiple", type=int, default=4)
    ap.add_argument("--offset", type=float, default=30.0, help="rotation of the seed out of the relationship [degree]")
    ap.add_argument("--seed-temperature", type=float, default=730.0, help="the seed is the critical lens (no misfit) at this temperature [degC]")
    args = ap.parse_args()
    plain = parameters("no misfit", args.grid, args.max_multiple, args.offset)
    lens = nucleation.seed_nucleus(plain, args.seed_temperature + 273.15)
    print(f"seed: the lens of {args.seed_temperature:g} degC without misfit, R = {lens.radius_A_nm:.2f} / {lens.radius_S_nm:.2f} nm, area {lens.area_nm2:.2f} nm^2")
    results = {}
    for case in CASES:
        p = parameters(case, args.grid, args.max_multiple, args.offset)
        barrier = float(nucleation.barrier_J(p, HOLD_C + 273.15)) / (BOLTZMANN * (HOLD_C + 273.15))
        start = time.perf_counter()
        results[case] = grow(p, lens, args.duration)
        print(f"\n{case}: misfit {p.misfit_coincidence or 'none'} (Delta sigma {p.misfit_energy_J_m2():.4f} J/m^2), seed offset {p.nucleus_orientation_offset_deg:g} deg, "
              f"excess of its NH4VO3 interface {p.nucleus_excess_J_m2():.4f} J/m^2; nucleation barrier at {HOLD_C:g} degC {barrier:.1f} kT; "
              f"{time.perf_counter() - start:.1f} s wall")
        print(f"{'t (s)':>7}{'NVP (nm2)':>12}{'excess (J/m)':>15}")
        for t, area, excess in results[case]:
            print(f"{t:7.2f}{area:12.3f}{excess:15.4e}")
    final = {case: rows[-1][1] for case, rows in results.items()}
    print("\nfinal NVP area: " + ", ".join(f"{case} {area:.3f} nm^2" for case, area in final.items()))
    print(f"in relationship / no misfit: {final['in relationship'] / final['no misfit']:.4f}; rotated / no misfit: {final['rotated'] / final['no misfit']:.4f}")


if __name__ == "__main__":
    main()

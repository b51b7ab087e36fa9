"""What the epitaxial misfit energy does: one small epitaxy, its NVP grain in and out of the relationship.

Run:  python benchmarks/bench_misfit.py [--grid 48] [--duration 3] [--max-multiple 4] [--offset 30] [--out DIR]

Three runs of the same small epitaxy (the tests' 40 x 24 nm box, particles r = 8 and 6 nm,
710 degC from the start, the same seed, so the same nucleation draws):

  * ``in relationship``: the NVP nucleus takes its NH4VO3 parent's orientation (the paper's
    relationship) and its interface with NH4VO3 carries the misfit energy of the
    ``--max-multiple`` coincidence (4: the 4:3, eps = -3.32 %, 0.057 J/m^2; 3: the paper's 3:2,
    0.345 J/m^2, capped at the incoherent excess 0.2);
  * ``no misfit``: the same without the misfit energy (``misfit_max_multiple = 0``);
  * ``rotated``: the misfit energy on, the nucleus turned ``--offset`` degrees out of the
    relationship (``nucleus_orientation_offset_deg``), so its NH4VO3 interface is incoherent and
    carries ``incoherent_excess_J_m2`` instead (in its nucleation barrier too); its facets turn with it.

Printed per run and frame: the NVP area [nm^2], the NVP grains' misfit energy [J/m, per unit
thickness] and the free energy [J/m]; at the end the differences the README quotes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from scenarios.epitaxy import EpitaxyParameters, run

CASES = ("in relationship", "no misfit", "rotated")


def parameters(case: str, grid: int, duration_s: float, max_multiple: int, offset_deg: float) -> EpitaxyParameters:
    """The small epitaxy of the tests (``tests/conftest.py::small_epitaxy``: box, radii, 710 degC from
    the start) with the case's misfit settings and 6 frames."""
    small = dict(grid=grid, domain_nm=(40.0, 24.0), nh4vo3_radius_nm=8.0, nah2po4_radius_nm=6.0)
    held = dict(start_temperature_C=710.0, hold_temperature_C=710.0, ramp_K_per_s=0.0, duration_s=duration_s, output_interval_s=duration_s / 6)
    misfit = dict(misfit_max_multiple=0 if case == "no misfit" else max_multiple, nucleus_orientation_offset_deg=offset_deg if case == "rotated" else 0.0)
    return EpitaxyParameters(**small, **held, **misfit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=48)
    ap.add_argument("--duration", type=float, default=3.0, help="simulated time [s]")
    ap.add_argument("--max-multiple", type=int, default=4)
    ap.add_argument("--offset", type=float, default=30.0, help="rotation of the nucleus out of the relationship [degree]")
    ap.add_argument("--out", type=Path, default=None, help="directory for the three run files (default: none written)")
    args = ap.parse_args()
    results = {}
    for case in CASES:
        p = parameters(case, args.grid, args.duration, args.max_multiple, args.offset)
        out = None if args.out is None else args.out / f"misfit_{case.replace(' ', '_')}.nc"
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        ds = run(p, out, overwrite=True) if out is not None else run(p)
        wall = time.perf_counter() - start
        nvp = ds.grain_phase == "NVP"
        results[case] = ds
        print(f"\n{case}: misfit {p.misfit_coincidence or 'none'} (eps = {p.misfit_strain:+.4f}, Delta sigma = {p.misfit_energy_J_m2():.4f} J/m^2), "
              f"nucleus offset {p.nucleus_orientation_offset_deg:g} deg; {ds.attrs['n_nuclei']} nuclei at {ds.attrs['nucleus_formation_times_s']} s, "
              f"{ds.attrs['n_steps']} steps, {wall:.1f} s wall")
        print(f"{'t (s)':>7}{'NVP (nm2)':>12}{'misfit (J/m)':>15}{'F (J/m)':>14}{'NVP orientation':>17}")
        for k in range(ds.sizes["time"]):
            frame = ds.isel(time=k)
            active = (frame.active == 1) & nvp
            orientation = ", ".join(f"{v:g}" for v in frame.orientation.where(active, drop=True).values) or "-"
            print(f"{float(frame.time):7.2f}{float(frame.phase_area.sel(phase='NVP')):12.3f}{float(frame.misfit_energy.where(nvp, 0).sum()):15.4e}"
                  f"{float(frame.free_energy):14.6e}{orientation:>17}")
    final = {case: float(ds.phase_area.sel(phase="NVP").isel(time=-1)) for case, ds in results.items()}
    print("\nfinal NVP area: " + ", ".join(f"{case} {area:.3f} nm^2" for case, area in final.items()))
    print(f"in relationship / no misfit: {final['in relationship'] / final['no misfit']:.4f}; rotated / no misfit: {final['rotated'] / final['no misfit']:.4f}")
    same = np.array_equal(results["no misfit"].time, results["in relationship"].time)
    if same:
        dF = (results["in relationship"].free_energy - results["no misfit"].free_energy).values
        print("free energy, in relationship - no misfit [J/m] per frame: " + ", ".join(f"{v:.3e}" for v in dF))


if __name__ == "__main__":
    main()

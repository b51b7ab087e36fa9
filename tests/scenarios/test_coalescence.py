"""Scenario coalescence: two touching particles of one phase form a growing neck.

References: conservation of both species (fluxes cancel), and the classical neck
laws x/a ~ t^m (m = 1/5 bulk, 1/6 boundary, 1/7 surface diffusion; Kuczynski
1949, Coble 1958), for which the model's exponent is reported.
"""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.coalescence import CoalescenceParameters, neck_widths, run


def test_a_short_run_grows_the_neck_and_conserves_the_units(tmp_nc):
    p = CoalescenceParameters(grid=56, particle_radius_nm=8.0, domain_nm=(40.0, 24.0), duration_s=1.0, output_interval_s=0.5)
    ds = run(p, tmp_nc)
    neck = ds.neck_width.values
    assert ds.neck_width.attrs["units"] == "nm"
    assert abs(neck[0] - _sampled_neck(p)) < p.dx_nm  # the initial contact, as the columns sample it
    assert np.all(np.diff(neck) > 0)
    total = ds.amount.sel(species="P-bearing unit").values
    assert np.abs(total / total[0] - 1).max() < 1e-10
    assert np.abs(ds.amount_in_surroundings.values).max() < 1e-4 * total[0]


def test_two_grains_meet_at_a_boundary(tmp_nc):
    p = CoalescenceParameters(grid=56, particle_radius_nm=8.0, domain_nm=(40.0, 24.0), duration_s=0.5, output_interval_s=0.5, separate_grains=True)
    ds = run(p, tmp_nc)
    assert ds.sizes["grain"] == 3 and ds.neck_width.values[-1] > ds.neck_width.values[0]


def test_unlike_particles_keep_their_units_and_report_the_junction(tmp_nc):
    """An NH4VO3 and a NaH2PO4 disc (a = 8 nm) overlapping on the chord sqrt(3) a, cut by a flat
    boundary: each angle of the painted start is 90 + asin(s / a) = 120 degrees (s = a / 2, half the
    centre distance); each precursor keeps its own units (V in NH4VO3, P in NaH2PO4) to round-off."""
    a = 8.0
    p = CoalescenceParameters(
        particle_radius_nm=a,
        neck_width_nm=np.sqrt(3) * a,
        partner_phase="NH4VO3",
        grid=80,
        domain_nm=(40.0, 24.0),
        duration_s=0.5,
        output_interval_s=0.5,
    )
    ds = run(p, tmp_nc)
    assert ds.sizes["grain"] == 3 and ds.junction_angle.attrs["units"] == "degree"
    assert np.abs(ds.junction_angle.values[0] - 120.0).max() < 0.5
    amount = ds.amount.values  # (time, species)
    assert np.abs(amount / amount[0] - 1).max() < 1e-10
    # Young's angles of the default pair energies by the cosine rule (inside left, right, surroundings)
    s_lv, s_rv, s_lr = (p.interface_energy(x, y) for x, y in (("NaH2PO4", "surroundings"), ("NH4VO3", "surroundings"), ("NaH2PO4", "NH4VO3")))
    law = np.degrees(np.arccos([(s_rv**2 - s_lv**2 - s_lr**2) / (2 * s_lv * s_lr), (s_lv**2 - s_rv**2 - s_lr**2) / (2 * s_rv * s_lr), (s_lr**2 - s_lv**2 - s_rv**2) / (2 * s_lv * s_rv)]))
    assert ds.young_angle.values == pytest.approx(law, abs=1e-9)


def _sampled_neck(p: CoalescenceParameters) -> float:
    """The narrowest chord of the two discs among the cell columns between their centres (the cusp
    at the midpoint falls between columns: the columns see a wider neck than neck_width_nm)."""
    x = (np.arange(p.shape[0]) + 0.5) * p.dx_nm
    (x1, _), (x2, _) = p.centres_nm
    between = x[(x > x1) & (x < x2)]
    half = np.sqrt(np.clip(p.particle_radius_nm**2 - np.minimum(between - x1, x2 - between) ** 2, 0.0, None))
    return float(2 * half.min())


def test_neck_width_reads_a_painted_neck():
    """The measure itself, on two sharp discs: the narrowest chord over the sampled columns."""
    import xarray as xr

    p = CoalescenceParameters(neck_width_nm=6.0)
    x = (np.arange(p.shape[0]) + 0.5) * p.dx_nm
    y = (np.arange(p.shape[1]) + 0.5) * p.dx_nm
    X, Y = np.meshgrid(x, y)
    inside = np.zeros_like(X, dtype=bool)
    for c in p.centres_nm:
        inside |= np.hypot(X - c[0], Y - c[1]) < p.particle_radius_nm
    surroundings = np.where(inside, 0.0, 1.0)[None, None]
    ds = xr.Dataset({"eta": (("time", "grain", "y", "x"), surroundings)}, coords={"x": x, "y": y, "grain": [0]})
    # a sharp 0/1 field crosses 1/2 half way between cells: within one cell of the exact chord
    assert neck_widths(ds, p)[0] == pytest.approx(_sampled_neck(p), abs=p.dx_nm)


@pytest.mark.slow
def test_neck_growth_exponent_of_bulk_dominated_coalescence():
    """Default NaH2PO4 pair (bulk D 2e-16 >= surface 1e-16 m^2/s: the lattice path dominates):
    the fitted exponent of x/a ~ t^m over 0.2 < x/a < 0.5 lies between the surface (1/7) and
    the viscous (1/2) values; the classical bulk value is 1/5 (measured: see README)."""
    ds = run(CoalescenceParameters(duration_s=20.0, output_interval_s=0.5))
    a = CoalescenceParameters().particle_radius_nm
    t, x = ds.time.values[1:], ds.neck_width.values[1:] / 2 / a
    window = (x > 0.2) & (x < 0.5)
    m = np.polyfit(np.log(t[window]), np.log(x[window]), 1)[0]
    print(f"neck exponent m = {m:.3f} over x/a {x[window].min():.2f}-{x[window].max():.2f}")
    assert 1 / 7 * 0.8 < m < 0.5


def _unlike_pair(
    width_nm: float, duration_s: float, energies=(0.4, 0.5, 0.3), neck_nm: float = np.sqrt(3) * 8.0, cells_per_width: int = 4
):
    """NaH2PO4 (left) and NH4VO3 discs, a = 8 nm, by default starting as the equal-energy double
    bubble (neck sqrt(3) a: 120 degrees everywhere) at 4 cells per width (the package's), energies (NaH2PO4 and
    NH4VO3 surfaces, their boundary) 0.4 / 0.5 / 0.3 J/m^2: Young 90.0 / 126.9 / 143.1 degrees.
    Kinetics sped up (boundaries 1e-16 m^4/(J s), bulk and surface D 1e-15 m^2/s): only the
    equilibrium is checked."""
    a, D = 8.0, 1e-15
    s_left, s_right, s_boundary = energies
    p = CoalescenceParameters(
        particle_radius_nm=a,
        neck_width_nm=neck_nm,
        partner_phase="NH4VO3",
        domain_nm=(40.0, 24.0),
        grid=int(round(40.0 / width_nm * cells_per_width)),
        interface_width_nm=width_nm,
        duration_s=duration_s,
        output_interval_s=duration_s / 4,
        interface_energy_J_m2={"NaH2PO4/surroundings": s_left, "NH4VO3/surroundings": s_right, "NH4VO3/NaH2PO4": s_boundary},
        interface_mobility_m4_Js={"NaH2PO4/surroundings": 1e-16, "NH4VO3/surroundings": 1e-16, "NH4VO3/NaH2PO4": 1e-16},
        diffusivity_m2_s={"NaH2PO4": D, "NH4VO3": D},
        surface_diffusivity_m2_s={"NaH2PO4": D, "NH4VO3": D},
    )
    ds = run(p)
    return ds.junction_angle.values, ds.young_angle.values


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the grid pins the junction at 4 cells per width: 97.0 / 129.5 / 133.5 deg at l = 2 nm (stationary from "
    "20 to 80 s), 97.2 / 128.7 / 134.1 at l = 1.33 nm, against Young 90.0 / 126.9 / 143.1; at l = 2 nm with 6 and 8 "
    "cells per width 1.9 and 0.5 deg off (the test below). Not transport: with the chemistry off and both areas held, "
    "4 cells stop at 98.5 / 131.8 / 129.8 from the 120 deg start but reach 93.2 / 123.8 / 143.0 from a 151 deg one, "
    "and 8 cells reach 90.2 / 126.6 / 143.2 (README, Limitations)",
)
def test_unlike_particles_meet_at_the_young_angles_at_the_default_resolution():
    """Triple junction of two unlike precursors and the surroundings under matter transport: within
    5 degrees of Young at l = 2 nm after 30 s (the angles stop moving after ~20 s)."""
    measured, young = _unlike_pair(2.0, 30.0)
    print(f"junction angles {np.round(measured[-1], 2)} vs Young {np.round(young, 2)}")
    assert np.abs(measured[-1] - young).max() < 5.0


@pytest.mark.slow
def test_unlike_particles_meet_at_the_young_angles_once_the_junction_is_resolved():
    """The same pair at l = 2 nm with more cells per width: the error falls from ~10 degrees (4 cells,
    the test above) to within 5 degrees at 6 cells and within 1 at 8 (measured after 30 s: 91.75 / 127.05 /
    141.20, 1.9 deg; 90.03 / 126.34 / 143.63, 0.5 deg); the tolerances leave 2.5x and 2x the measured
    error for the circle fits (0.2 deg on the equal-energy control) and the last drift (0.03 deg in 5 s)."""
    errors = []
    for cells in (6, 8):
        measured, young = _unlike_pair(2.0, 30.0, cells_per_width=cells)
        print(f"{cells} cells per width: junction angles {np.round(measured[-1], 2)} vs Young {np.round(young, 2)}")
        errors.append(np.abs(measured[-1] - young).max())
    assert errors[0] < 5.0 and errors[1] < 1.0 and errors[1] < errors[0], errors


@pytest.mark.slow
def test_unlike_particles_with_equal_energies_relax_to_120_degrees():
    """The control of the test above: equal energies (0.4 J/m^2), started from an 8 nm neck (angles
    150 / 150 / 60), reach 120 degrees each within 1 degree in 40 s at l = 2 nm (measured within 0.2)."""
    measured, young = _unlike_pair(2.0, 40.0, energies=(0.4, 0.4, 0.4), neck_nm=8.0)
    print(f"junction angles {np.round(measured[-1], 2)} vs Young {np.round(young, 2)}")
    assert np.abs(measured[-1] - 120.0).max() < 1.0 and np.allclose(young, 120.0)


def test_two_held_touching_grains_keep_their_areas_and_meet_at_the_young_angle():
    """Both grains of a separate-grain pair held at constant area (``constant_measure_phase``), the
    chemistry and transport off: the multipliers of the two touching grains are solved together
    (each grain's own, as for separate particles, blew up within 4e-8 s). The areas stay within
    1e-8 (the projection's 1e-10 per step) and the groove relaxes to Young's angles of the
    surface and boundary energies within 1 degree at l/a = 0.4 (measured 0.3 after 8 s)."""
    p = CoalescenceParameters(
        particle_radius_nm=5.0,
        neck_width_nm=6.0,
        separate_grains=True,
        domain_nm=(28.0, 18.0),
        grid=56,
        duration_s=8.0,
        output_interval_s=4.0,
        constant_measure_phase="NaH2PO4",
        chemical_stiffness_J_m3=1.0,
        diffusivity_m2_s={"NaH2PO4": 1e-30},
        surface_diffusivity_m2_s={"NaH2PO4": 0.0},
        boundary_diffusivity_m2_s=0.0,
        interface_mobility_m4_Js={"NaH2PO4/surroundings": 1e-16, "NaH2PO4/NaH2PO4": 1e-16},
    )
    ds = run(p)
    area = ds.grain_area.sel(grain=[1, 2]).values
    np.testing.assert_allclose(area, np.broadcast_to(area[0], area.shape), rtol=1e-8)
    np.testing.assert_allclose(ds.junction_angle.values[-1], ds.young_angle.values, atol=1.0)

"""Young's law at contact lines and triple junctions, from unequal pair energies.

Sharp-interface references: a drop of phase p on a flat substrate S in the
surroundings v meets it at cos(theta) = (sigma_Sv - sigma_Sp) / sigma_pv; a lens
of phase 3 on a flat 1|2 boundary has dihedral angles theta_k (inside grain k)
with cos(theta_k) = (sigma_ij^2 - sigma_ik^2 - sigma_jk^2) / (2 sigma_ik sigma_jk).
Both particles keep their area (Lagrange multiplier), so the equilibrium is the
minimum of the interface energy at fixed area: circular arcs meeting at those
angles. Angles come from circle fits to the 0.5 contours away from the diffuse
junction (:func:`phasefield.analysis.shape.arc_angle`).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, run
from phasefield.analysis.shape import arc_angle

MOBILITY = 1e-16  # m^4/(J s): equilibrium within a few seconds of simulated time


def _isothermal(width_nm: float, box_nm: float, cells_per_width: int = 4, **changes) -> ModelParameters:
    """4 cells per interface width (the package's) unless said: refining l means a thinner interface
    at fixed geometry, refining the cells per width a finer grid at fixed l."""
    grid = int(round(box_nm / width_nm * cells_per_width))
    base = dict(
        domain_nm=(box_nm, box_nm),
        grid=grid,
        interface_width_nm=width_nm,
        start_temperature_C=700.0,
        hold_temperature_C=700.0,
        ramp_K_per_s=0.0,
        chemical_stiffness_J_m3=1.0,  # the chemistry plays no part
        nucleation_prefactor_per_m_s=0.0,
        boundary_diffusivity_m2_s=0.0,
    )
    base.update(changes)
    return ModelParameters(**base)


def drop_on_substrate(energies: tuple[float, float, float], width_nm: float, duration_s: float = 16.0, cells_per_width: int = 4):
    """A NaH2PO4 half disc on a fixed flat NZSP substrate; returns (measured, Young) contact angles.

    ``energies`` = (sigma particle/surroundings, sigma NZSP/surroundings, sigma NZSP/particle).
    """
    s_pv, s_sv, s_sp = energies
    theta_deg = float(np.degrees(np.arccos((s_sv - s_sp) / s_pv)))
    box, y0 = 32.0, 8.0
    p = _isothermal(
        width_nm,
        box,
        cells_per_width,
        duration_s=duration_s,
        output_interval_s=duration_s,
        constant_measure_phase="NaH2PO4",
        interface_energy_J_m2={"surroundings/NaH2PO4": s_pv, "surroundings/NZSP": s_sv, "NaH2PO4/NZSP": s_sp},
        interface_mobility_m4_Js={"surroundings/NaH2PO4": MOBILITY, "NaH2PO4/NZSP": MOBILITY},
        diffusivity_m2_s={"NaH2PO4": 1e-30},
    )
    # the substrate is painted last, on top: a flat surface with the particle's upper half on it
    micro = Microstructure(grains=(Grain("NaH2PO4"), Grain("NZSP", fixed=True)), shapes=(Disc((box / 2, y0), 8.0), HalfSpace(y0)))
    ds = run(p, micro)
    eta = ds.eta.sel(grain=1).isel(time=-1).values
    return arc_angle(eta, p.dx_nm, y0, exclude=width_nm), theta_deg


def lens_on_boundary(energies: tuple[float, float, float], width_nm: float, duration_s: float = 16.0):
    """An NVP lens on a flat NH4VO3 (below) | NaH2PO4 (above) boundary.

    ``energies`` = (sigma_12, sigma_13, sigma_23). Returns measured and Young dihedral
    angles (inside NH4VO3, NaH2PO4, NVP), degrees.
    """
    s12, s13, s23 = energies
    box = 48.0
    p = _isothermal(
        width_nm,
        box,
        duration_s=duration_s,
        output_interval_s=duration_s,
        constant_measure_phase="NVP",
        interface_energy_J_m2={"NH4VO3/NaH2PO4": s12, "NH4VO3/NVP": s13, "NaH2PO4/NVP": s23},
        interface_mobility_m4_Js={"NH4VO3/NaH2PO4": MOBILITY, "NH4VO3/NVP": MOBILITY, "NaH2PO4/NVP": MOBILITY},
        diffusivity_m2_s={"NVP": 1e-30},
    )
    micro = Microstructure(
        grains=(Grain("NH4VO3"), Grain("NaH2PO4"), Grain("NVP")),
        shapes=(HalfSpace(1e3), HalfSpace(box / 2, below=False), Disc((box / 2, box / 2), 10.0)),
    )
    ds = run(p, micro)
    eta = ds.eta.isel(time=-1).values
    line = _boundary_height(eta[1], eta[2], p.dx_nm)
    upper = arc_angle(eta[3], p.dx_nm, line, above=True, exclude=width_nm)
    lower = arc_angle(eta[3], p.dx_nm, line, above=False, exclude=width_nm)
    measured = (180.0 - lower, 180.0 - upper, upper + lower)
    young = tuple(
        np.degrees(np.arccos((a**2 - b**2 - c**2) / (2 * b * c))) for a, b, c in ((s23, s12, s13), (s13, s12, s23), (s12, s13, s23))
    )
    return np.array(measured), np.array(young)


def _boundary_height(eta_below: np.ndarray, eta_above: np.ndarray, dx: float) -> float:
    """Height of the flat eta_below = eta_above crossing, from the four columns at each side wall."""
    diff = eta_below - eta_above
    heights = []
    for column in (*range(4), *range(diff.shape[1] - 4, diff.shape[1])):
        d = diff[:, column]
        i = int(np.flatnonzero(np.diff(np.sign(d)) != 0)[0])
        heights.append((i + 0.5 + d[i] / (d[i] - d[i + 1])) * dx)
    return float(np.mean(heights))


DROPS = {  # (particle/surroundings, NZSP/surroundings, NZSP/particle) J/m^2 for Young 60, 90, 120 degrees
    60: (0.4, 0.6, 0.4),
    90: (0.4, 0.5, 0.5),
    120: (0.4, 0.4, 0.6),
}
WIDTHS_NM = (2.0, 4.0 / 3.0)  # a thinner interface at fixed geometry (4 cells per width)


@functools.lru_cache(maxsize=None)
def _drop(theta: int, width_nm: float, cells_per_width: int = 4) -> tuple[float, float]:
    return drop_on_substrate(DROPS[theta], width_nm, cells_per_width=cells_per_width)


@functools.lru_cache(maxsize=None)
def _lens(width_nm: float):
    return lens_on_boundary((0.3, 0.4, 0.5), width_nm, duration_s=40.0)


@pytest.mark.slow
@pytest.mark.parametrize("theta", sorted(DROPS))
def test_drop_on_substrate_meets_it_at_the_young_angle(theta):
    """Within 5 degrees at l = 2 and 1.33 nm (measured 62.7/63.2, 89.4/89.6, 116.9/118.5)."""
    for width in WIDTHS_NM:
        measured, young = _drop(theta, width)
        assert abs(measured - young) < 5.0, (width, measured, young)


@pytest.mark.slow
@pytest.mark.parametrize(
    "theta",
    [
        pytest.param(
            60,
            marks=pytest.mark.xfail(
                strict=True,
                reason="2.7 -> 3.2 degrees at 4 cells per width: the grid, not the interface width, sets this error "
                "(at l = 2 nm 8 cells per width give 60.09 deg: the test below; README, Limitations)",
            ),
        ),
        90,
        120,
    ],
)
def test_drop_contact_angle_error_falls_with_the_interface_width(theta):
    """The sharp-interface limit: the error at l = 1.33 nm is below the one at 2 nm (measured 0.6 -> 0.35,
    3.1 -> 1.5 degrees); 0.2 degrees of slack for the circle fit."""
    errors = [abs(np.subtract(*_drop(theta, width))) for width in WIDTHS_NM]
    assert errors[1] < errors[0] + 0.2, errors


@pytest.mark.slow
def test_drop_contact_angle_error_falls_with_cells_per_width():
    """The 60 degree drop, whose error grows when l is refined at 4 cells per width (above): at l = 2 nm
    with 8 cells per width the error falls below 1 degree (measured 62.66 -> 60.09 degrees, 2.66 -> 0.09;
    the bound leaves 10x the measured error for the circle fit)."""
    coarse, fine = (abs(np.subtract(*_drop(60, WIDTHS_NM[0], cells))) for cells in (4, 8))
    print(f"60 deg drop at l = 2 nm: error {coarse:.2f} deg at 4 cells per width, {fine:.2f} at 8")
    assert fine < 1.0 and fine < coarse, (coarse, fine)


@pytest.mark.slow
def test_lens_on_a_boundary_has_the_young_dihedral_angles():
    """sigma = 0.3 (flat boundary) / 0.4 / 0.5 J/m^2: Young 90.0, 126.9, 143.1 degrees; within 5 at
    l = 2 nm (measured after 40 s: 87.5, 126.8, 145.7)."""
    measured, young = _lens(WIDTHS_NM[0])
    assert np.abs(measured - young).max() < 5.0, (measured, young)


@pytest.mark.slow
# was a strict xfail (drifting, 6.1 deg off at 80 s) with two unconverged sweeps per step; it passes
# since the sweeps converge (2026-11-30): the drift was iteration error, not the thin interface
def test_lens_dihedral_angles_hold_with_a_thinner_interface():
    measured, young = _lens(WIDTHS_NM[1])
    assert np.abs(measured - young).max() < 5.0, (measured, young)

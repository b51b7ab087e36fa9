"""Scenario wetting: a particle on NZSP relaxes to the Young angle by diffusion alone.

Reference: Young's law cos(theta) = (sigma_NZSP/surr - sigma_NZSP/particle) / sigma_particle/surr,
the equilibrium of the sharp-interface energy at fixed particle area; nothing in the
run holds the area but the conservation of its units.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.wetting import WettingParameters, run


def _fast(**changes) -> WettingParameters:
    """Kinetics sped up (700 degC, bulk and surface D 2e-16 m^2/s): only the equilibrium is checked."""
    base = dict(
        start_temperature_C=700.0,
        hold_temperature_C=700.0,
        diffusivity_m2_s={"NaH2PO4": 2e-16},
        surface_diffusivity_m2_s={"NaH2PO4": 2e-16},
    )
    base.update(changes)
    return WettingParameters(**base)


def test_an_angle_no_energies_can_give_is_refused_in_one_line(capsys):
    code = main(["run", "wetting", "--set", "interface_energy_J_m2.surroundings/NZSP=0.3", "--set", "contact_angle_deg=30", "--show-params"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "contact_angle_deg = 30" in err and "allowed: angles above" in err


def test_the_particle_energy_is_derived_from_the_angle():
    p = WettingParameters(contact_angle_deg=75.0)
    assert p.young_angle_deg == pytest.approx(75.0, abs=1e-9)


def test_a_short_run_writes_the_angle_and_conserves_the_particle(tmp_nc):
    p = _fast(duration_s=1.0, output_interval_s=0.5)
    ds = run(p, tmp_nc)
    assert ds.contact_angle.attrs["units"] == "degree" and float(ds.young_angle) == pytest.approx(60.0)
    # the NaH2PO4 film on NZSP (tests/scenarios/test_films.py) lowers sigma_NZSP/surr: a larger angle
    assert ds.young_angle_with_films.attrs["units"] == "degree" and float(ds.young_angle_with_films) > 61.0
    assert abs(ds.contact_angle.values[0] - 90.0) < 3.0  # the initial half disc
    amount = ds.amount.sel(species="P-bearing unit").values
    assert np.abs(amount / amount[0] - 1).max() < 1e-10
    # the surroundings' share: chi_s mu h_s, chi_s = chi / empty_phase_stiffness
    assert np.abs(ds.amount_in_surroundings.values).max() < 1e-4 * amount[0]


@functools.lru_cache(maxsize=None)
def _angle(theta: float, grid: int, width_nm: float) -> tuple[float, float]:
    p = _fast(contact_angle_deg=theta, grid=grid, interface_width_nm=width_nm, duration_s=30.0, output_interval_s=5.0)
    ds = run(p)
    return float(ds.contact_angle.values[-1]), float(ds.young_angle)


@pytest.mark.slow
@pytest.mark.parametrize("theta", [60.0, 90.0, 120.0])
def test_the_particle_relaxes_to_the_young_angle(theta):
    """Within 5 degrees at the default resolution (l = 2 nm, 4 cells per width). The 60 degree set's
    3.5 degrees are in part a ghost NaH2PO4 film on NZSP (tests/scenarios/test_films.py)."""
    measured, young = _angle(theta, 80, 2.0)
    print(f"Young {young:.1f} deg: measured {measured:.2f} deg at l = 2 nm")
    assert abs(measured - young) < 5.0, (measured, young)


@pytest.mark.slow
@pytest.mark.parametrize(
    "theta",
    [
        60.0,
        pytest.param(
            120.0,
            marks=pytest.mark.xfail(
                strict=True,
                reason="measured 1.73 deg at l = 2 nm, 2.09 at 1.33 nm (both within 5 deg of Young): not converging "
                "with l, and not a relaxation left: run on to 90 s both angles stay at 118.268 and 117.908 deg from 30 s on; "
                "at l = 2 nm with 6 and 8 cells per width 1.81 and 0.93 deg (the 60 deg angle: 3.53 at 4 cells, 3.51 at 8, "
                "stationary from 20 to 90 s): README, Limitations",
            ),
        ),
    ],
)
def test_the_angle_error_falls_with_the_interface_width(theta):
    """l = 2 -> 1.33 nm at 4 cells per width: the error does not grow (0.3 degrees of slack for the fit)."""
    coarse = abs(np.subtract(*_angle(theta, 80, 2.0)))
    fine = abs(np.subtract(*_angle(theta, 120, 4.0 / 3.0)))
    print(f"Young {theta:.0f} deg: error {coarse:.2f} deg at l = 2 nm, {fine:.2f} deg at l = 1.33 nm")
    assert fine < coarse + 0.3, (coarse, fine)

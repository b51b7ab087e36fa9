"""Ghost films of a third phase in a flat interface (scenarios/films.py).

References: the sharp-interface energy of a film, sigma_ik + sigma_jk, which exceeds sigma_ij whenever
the three pair energies allow partial wetting, so that no film should lower the interface; and the
interface energy of a flat two-phase profile, sigma_ij, which the discrete profile at 4 cells per
width meets to 0.9 % (README, Accuracy: "interface energy").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phasefield import ModelParameters, ParameterError
from scenarios.films import film_check
from scenarios.wetting import WettingParameters, young_angle_with_films_deg


def _with_energies(s_pv: float, s_sv: float, s_sp: float, **changes) -> ModelParameters:
    """Default parameters with the NaH2PO4 / NZSP / surroundings pair energies [J/m^2] replaced."""
    p = ModelParameters(**changes)
    energies = dict(p.interface_energy_J_m2, **{"surroundings/NaH2PO4": s_pv, "surroundings/NZSP": s_sv, "NaH2PO4/NZSP": s_sp})
    return dataclasses.replace(p, interface_energy_J_m2=energies)


def test_a_third_phase_of_costly_pairs_does_not_lower_the_interface():
    """Random pair energies with sigma_pv + sigma_sp >= 1.6 sigma_sv: what the seeded layer leaves (it may stay as
    a metastable film, eta ~ 0.25) costs more than the bare interface, so it cannot spread from a contact line."""
    rng = np.random.default_rng(20261203)
    s_sv = rng.uniform(0.3, 0.6)
    s_pv = rng.uniform(0.8, 1.2) * s_sv
    s_sp = 1.6 * s_sv - s_pv + rng.uniform(0.0, 0.3)
    check = film_check(_with_energies(s_pv, s_sv, s_sp), "NZSP", "surroundings", "NaH2PO4")
    assert check.relative_change > 0.0, check
    # 1.5 %: the discrete profile's 0.9 % (README, Accuracy) with room for the fixed substrate's profile
    assert check.bare_energy_J_m2 == pytest.approx(s_sv, rel=0.015)


@pytest.mark.parametrize("angle", [60.0, 120.0])
def test_the_same_check_with_the_surroundings_as_the_third_phase(angle):
    """The NZSP/particle interface of the wetting scenario: at 60 degrees (sigma 0.575 J/m^2 against 0.45 +
    0.8) no gap opens; at 120 (1.025) a surroundings film lowers it (ratio 1.22). Either way the bare
    interface, painted without a gap, carries its pair energy."""
    p = WettingParameters(contact_angle_deg=angle)
    check = film_check(p, "NZSP", "NaH2PO4", "surroundings")
    assert check.bare_energy_J_m2 == pytest.approx(p.interface_energy("NaH2PO4", "NZSP"), rel=0.015)
    if angle == 60.0:
        assert check.amplitude < 1e-6 and abs(check.relative_change) < 1e-6, check
    else:
        assert check.amplitude > 0.2 and check.relative_change < -0.01, check


@pytest.mark.xfail(
    strict=True,
    reason="a ghost film: the wetting scenario's 60 deg set (sigma 0.45 / 0.8 / 0.575 J/m^2, sigma_pv + sigma_sp = "
    "1.28 sigma_sv) leaves a NaH2PO4 film of eta 0.29-0.31 on the NZSP surface that lowers its energy by 1.83 / 1.38 / "
    "1.35 % at 4 / 8 / 12 cells per width (the same at any l: the discrete problem scales with l), although the sharp "
    "film would cost 28 % more; measured 2026-12-03 (README, Limitations)",
)
def test_no_film_lowers_an_interface_whose_sharp_film_costs_more():
    check = film_check(WettingParameters(), "NZSP", "surroundings", "NaH2PO4")
    assert check.relative_change > -1e-3, check


def test_bad_phases_are_refused_in_one_line():
    p = WettingParameters()
    with pytest.raises(ParameterError, match=r"third = 'NaCl' is not allowed; allowed: one of"):
        film_check(p, "NZSP", "surroundings", "NaCl")
    with pytest.raises(ParameterError, match="three different phases"):
        film_check(p, "NZSP", "NZSP", "NaH2PO4")
    with pytest.raises(ParameterError, match="lower = 'surroundings' is not allowed"):
        film_check(p, "surroundings", "NZSP", "NaH2PO4")
    with pytest.raises(ParameterError, match="the substrate NZSP as lower only"):
        film_check(p, "NaH2PO4", "NZSP", "surroundings")
    with pytest.raises(ParameterError, match="at most one phase with a bulk energy"):
        film_check(p, "NH4VO3", "NVP", "amorphous")


def test_without_films_the_wetting_angle_with_films_is_the_young_angle():
    """120 degrees (sigma_NZSP/particle 1.025 J/m^2, sigma_pv + sigma_sp = 1.84 sigma_sv): no NaH2PO4 film on
    NZSP is lower, so both angles agree."""
    p = WettingParameters(contact_angle_deg=120.0)
    assert young_angle_with_films_deg(p) == pytest.approx(p.young_angle_deg, abs=1e-9)

"""The NH4VO3/NVP interface's numbers the epitaxy scenario takes from the atomistic module."""

from __future__ import annotations

import math

import pytest

import atomistic
from phasefield import ParameterError
from scenarios.epitaxy import EpitaxyParameters


def _by_hand(m: int, n: int) -> float:
    """delta = (m d_sub - n d_epi) / (m d_sub) of (1 2 -1) NH4VO3 / (2 -1 0) NVP, from atomistic.d_spacing."""
    d_sub, d_epi = atomistic.d_spacing("NH4VO3", (1, 2, -1)), atomistic.d_spacing("NVP", (2, -1, 0))
    return (m * d_sub - n * d_epi) / (m * d_sub)


@pytest.mark.parametrize("max_multiple, m, n", [(3, 3, 2), (5, 4, 3), (2, 2, 1)])
def test_misfit_strain_is_the_coincidence_misfit_of_the_papers_planes(max_multiple, m, n):
    """The m:n of smallest |delta| with m, n <= the bound, found by hand among the coprime pairs
    (3: the paper's 3:2, +8.16 %; 5: 4:3, -3.32 %; 2: 2:1, +31 %, the paper's "about 30 %")."""
    p = EpitaxyParameters(misfit_max_multiple=max_multiple)
    coprime = [(a, b) for a in range(1, max_multiple + 1) for b in range(1, max_multiple + 1) if math.gcd(a, b) == 1]
    assert min(coprime, key=lambda ab: abs(_by_hand(*ab))) == (m, n)
    assert p.misfit_strain == pytest.approx(_by_hand(m, n), rel=1e-12)
    assert p.misfit_coincidence == f"{m}:{n}"


def test_no_misfit_by_default_and_the_derived_fields_round_trip():
    p = EpitaxyParameters()
    assert p.misfit_strain == 0.0 and p.misfit_coincidence == "" and p.v_site_overlap == 1.0 and p.misfit_energy_J_m2() == 0.0
    q = EpitaxyParameters(misfit_max_multiple=3)
    assert EpitaxyParameters.from_dict(q.to_dict()) == q


def test_an_nh4vo3_cif_sets_the_v_site_overlap_and_so_the_mobility(hypothetical_cifs):
    """With the (hypothetical) NH4VO3 CIF the overlap is atomistic's fraction for that file, and the
    NH4VO3/NVP mobility is the plain one times it; other pairs keep theirs."""
    path = str(hypothetical_cifs["NH4VO3"])
    p = EpitaxyParameters(nh4vo3_cif=path)
    expected = atomistic.v_site_overlap(cifs={"NH4VO3": path}).fraction
    assert p.v_site_overlap == expected and 0.0 < expected < 1.0
    plain = EpitaxyParameters()
    T = 983.15
    assert p.interface_mobility("NH4VO3", "NVP", T) == pytest.approx(expected * plain.interface_mobility("NH4VO3", "NVP", T), rel=1e-14)
    assert p.interface_mobility("NaH2PO4", "NVP", T) == plain.interface_mobility("NaH2PO4", "NVP", T)


def test_a_cif_of_another_phase_is_refused_naming_the_parameter(hypothetical_cifs):
    with pytest.raises(ParameterError, match=r"^nh4vo3_cif = .*NaH2PO4_hypothetical.cif"):
        EpitaxyParameters(nh4vo3_cif=str(hypothetical_cifs["NaH2PO4"]))

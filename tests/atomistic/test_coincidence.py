"""m:n coincidences, 2D coincidence cells (Zur & McGill) and the strain split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import atomistic
from atomistic import coincidence_cells, coincidences, split_misfit


def _paper_pair():
    return atomistic.d_spacing("NH4VO3", (1, 2, -1)), atomistic.d_spacing("NVP", (2, -1, 0))


def test_search_finds_three_to_two_for_the_papers_pair():
    d_sub, d_epi = _paper_pair()
    best = coincidences(d_sub, d_epi, max_multiple=3)[0]
    assert (best.m, best.n) == (3, 2)
    assert best.delta == pytest.approx((3 * d_sub - 2 * d_epi) / (3 * d_sub), rel=1e-12)
    assert 100 * best.delta == pytest.approx(8.16, abs=0.005)  # crystals.md; paper ~8.1 %
    # with longer periods allowed, 4:3 has the smaller |delta| (-3.3 %) and 3:2 comes second
    found = coincidences(d_sub, d_epi, max_multiple=5)
    assert [(c.m, c.n) for c in found[:2]] == [(4, 3), (3, 2)]


@settings(max_examples=50, deadline=None)
@given(d_sub=st.floats(1.0, 10.0), d_epi=st.floats(1.0, 10.0), k=st.integers(1, 6))
def test_coincidences_are_coprime_and_sorted_by_misfit(d_sub, d_epi, k):
    found = coincidences(d_sub, d_epi, max_multiple=k)
    assert all(np.gcd(c.m, c.n) == 1 and c.m <= k and c.n <= k for c in found)
    misfits = [abs(c.delta) for c in found]
    assert misfits == sorted(misfits)
    assert len(found) == sum(np.gcd(m, n) == 1 for m in range(1, k + 1) for n in range(1, k + 1))


def test_square_lattices_of_three_and_two_angstrom_meet_in_a_six_angstrom_cell():
    square = lambda a: np.array([[a, 0.0], [0.0, a]])  # noqa: E731
    best = coincidence_cells(square(3.0), square(2.0), max_area=40.0)[0]
    assert best.sub_matrix == ((2, 0), (0, 2)) and best.epi_matrix == ((3, 0), (0, 3))
    assert best.area == pytest.approx(36.0) and best.max_misfit == pytest.approx(0.0, abs=1e-12)


def test_rotation_free_search_finds_a_rotated_copy_the_fixed_search_does_not():
    # a unit square lattice and the same lattice rotated by atan(3/4): Sigma-5 coincidence
    theta = np.arctan2(3.0, 4.0)
    rotated = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    free = coincidence_cells(np.eye(2), rotated, max_area=6.0, fixed_orientation=False)
    assert free[0].area == pytest.approx(1.0)
    assert abs(free[0].rotation_deg) % 90 == pytest.approx(np.degrees(theta), abs=1e-6)
    fixed = coincidence_cells(np.eye(2), rotated, max_area=6.0, length_tol=1e-6, angle_tol_deg=1e-6)
    assert fixed[0].area == pytest.approx(5.0)  # the coincidence site lattice, Sigma = 5


def test_hexagonal_nvp_on_nzsp_basal_plane_is_one_to_one():
    a_sub = atomistic.phase_record("NZSP").cellpar[0]
    a_epi = atomistic.phase_record("NVP").cellpar[0]
    hexagonal = lambda a: np.array([[a, 0.0], [-a / 2, a * np.sqrt(3) / 2]])  # noqa: E731
    best = coincidence_cells(hexagonal(a_sub), hexagonal(a_epi))[0]
    assert best.sub_matrix == best.epi_matrix == ((1, 0), (0, 1))
    assert best.length_misfits[0] == pytest.approx((a_sub - a_epi) / a_sub, rel=1e-12)


def test_equal_stiffness_gives_equal_and_opposite_strains():
    split = split_misfit(10.0, 11.0)
    assert split.strain_sub == pytest.approx(-split.strain_epi, rel=1e-12)
    assert split.strain_sub > 0 > split.strain_epi


@settings(max_examples=30, deadline=None)
@given(
    length_sub=st.floats(3.0, 20.0), ratio=st.floats(0.8, 1.25),
    y_sub=st.floats(10.0, 300.0), y_epi=st.floats(10.0, 300.0),
)
def test_stiffness_split_minimises_the_elastic_energy_per_period(length_sub, ratio, y_sub, y_epi):
    length_epi = ratio * length_sub
    split = split_misfit(length_sub, length_epi, stiffness=(y_sub, y_epi))

    def energy(common):  # Y eps^2 L per period, the module's stated energy
        return y_sub * length_sub * (common / length_sub - 1) ** 2 + y_epi * length_epi * (common / length_epi - 1) ** 2

    # independent check: a numerical minimum of the same energy
    lo, hi = sorted((length_sub, length_epi))
    numeric = minimize_scalar(energy, bounds=(lo, hi + 1e-9), method="bounded", options={"xatol": 1e-10}).x
    assert split.common_length == pytest.approx(numeric, abs=1e-6 * length_sub)


def test_given_share_overrides_stiffness_and_is_validated():
    assert split_misfit(10.0, 11.0, share=0.0).strain_sub == 0.0
    assert split_misfit(10.0, 11.0, share=1.0).strain_epi == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="share = 1.5"):
        split_misfit(10.0, 11.0, share=1.5)
    with pytest.raises(ValueError, match="Coincidence.m = 0"):
        atomistic.Coincidence(0, 1, 1.0, 1.0)

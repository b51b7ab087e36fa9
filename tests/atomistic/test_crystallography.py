"""d-spacings, zone law, angles and orientation relationships against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from ase.cell import Cell
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import atomistic
from atomistic import OrientationRelationship, d_spacing, orientation_matrix

hkl_st = st.tuples(*[st.integers(-6, 6)] * 3).filter(any)


def _orthorhombic(h, k, l, a, b, c):
    return (h * h / a**2 + k * k / b**2 + l * l / c**2) ** -0.5


def _monoclinic_b(h, k, l, a, b, c, beta_deg):
    beta = np.radians(beta_deg)
    inv = (h * h / a**2 + k * k * np.sin(beta) ** 2 / b**2 + l * l / c**2 - 2 * h * l * np.cos(beta) / (a * c))
    return (inv / np.sin(beta) ** 2) ** -0.5


def _hexagonal(h, k, l, a, c):
    return (4.0 / 3.0 * (h * h + h * k + k * k) / a**2 + l * l / c**2) ** -0.5


# 1e-10 relative: both sides are exact formulas evaluated in double precision
@settings(max_examples=60, deadline=None)
@given(hkl=hkl_st)
def test_orthorhombic_d_spacing_matches_closed_form(hkl):
    a, b, c = atomistic.phase_record("NH4VO3").cellpar[:3]
    assert d_spacing("NH4VO3", hkl) == pytest.approx(_orthorhombic(*hkl, a, b, c), rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(hkl=hkl_st)
def test_monoclinic_d_spacing_matches_closed_form(hkl):
    a, b, c, _, beta, _ = atomistic.phase_record("NaH2PO4").cellpar
    assert d_spacing("NaH2PO4", hkl) == pytest.approx(_monoclinic_b(*hkl, a, b, c, beta), rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(hkl=hkl_st)
def test_hexagonal_d_spacing_matches_closed_form_in_three_and_four_indices(hkl):
    a, _, c = atomistic.phase_record("NVP").cellpar[:3]
    h, k, l = hkl
    expected = _hexagonal(h, k, l, a, c)
    assert d_spacing("NVP", hkl) == pytest.approx(expected, rel=1e-10)
    assert d_spacing("NVP", (h, k, -(h + k), l)) == pytest.approx(expected, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(hkl=hkl_st, lengths=st.tuples(*[st.floats(3.0, 15.0)] * 3), angles=st.tuples(*[st.floats(70.0, 110.0)] * 3))
def test_d_spacing_is_one_over_the_reciprocal_vector_of_any_cell(hkl, lengths, angles):
    lattice = Cell.fromcellpar([*lengths, *angles])
    assume(lattice.volume >= 1.0)  # the angles can make a degenerate cell
    reciprocal = np.linalg.inv(np.asarray(lattice)).T  # independent of ase's reciprocal()
    assert d_spacing(lattice, hkl) == pytest.approx(1 / np.linalg.norm(np.array(hkl) @ reciprocal), rel=1e-10)


def test_four_index_notation_is_validated():
    with pytest.raises(ValueError, match=r"i = -\(h \+ k\)"):
        d_spacing("NVP", (1, 0, 0, 4))
    with pytest.raises(ValueError, match="hexagonal cell"):
        d_spacing("NH4VO3", (1, 0, -1, 0))
    assert atomistic.direction_indices((2, -1, -1, 0)).tolist() == [3, 0, 0]


def test_zone_law_holds_for_both_of_the_papers_relationships():
    # crystals.md: [0 1 2] in (1 2 -1) NH4VO3, [1 2 -1] in (2 -1 0) NVP,
    # [-3 2 1] in (-1 -2 1) NaH2PO4 and [2 1 0] in (0 0 9) NVP
    for rel in (atomistic.NH4VO3_NVP, atomistic.NAH2PO4_NVP):
        assert atomistic.zone_law(rel.plane_a, rel.direction_a) == 0
        assert atomistic.zone_law(rel.plane_b, rel.direction_b) == 0
        assert atomistic.plane_direction_angle("NVP", rel.plane_b, rel.direction_b) == pytest.approx(90.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(h1=hkl_st, h2=hkl_st)
def test_zone_axis_lies_in_both_planes(h1, h2):
    assume(np.cross(h1, h2).any())  # parallel planes have no zone axis
    axis = atomistic.zone_axis(h1, h2)
    assert atomistic.in_zone(h1, axis) and atomistic.in_zone(h2, axis)
    # and it is perpendicular to both normals in a real (oblique) cell
    for h in (h1, h2):
        assert atomistic.plane_direction_angle("NaH2PO4", h, axis) == pytest.approx(90.0, abs=1e-8)


def test_angles_between_planes_and_directions_in_a_hexagonal_cell():
    # (100) and (010) normals of a hexagonal lattice are 60 deg apart, [100] and [010] 120 deg
    assert atomistic.plane_angle("NVP", (1, 0, 0), (0, 1, 0)) == pytest.approx(60.0, abs=1e-9)
    assert atomistic.direction_angle("NVP", (1, 0, 0), (0, 1, 0)) == pytest.approx(120.0, abs=1e-9)
    # orthorhombic: angle between (110) and (100) normals is atan(a/b)
    a, b = atomistic.phase_record("NH4VO3").cellpar[:2]
    expected = np.degrees(np.arctan(a / b))
    assert atomistic.plane_angle("NH4VO3", (1, 1, 0), (1, 0, 0)) == pytest.approx(expected, abs=1e-9)


def test_orientation_matrix_is_a_rotation_that_aligns_both_pairs():
    rel = atomistic.NH4VO3_NVP
    rot = orientation_matrix("NH4VO3", "NVP", rel)
    assert np.allclose(rot @ rot.T, np.eye(3), atol=1e-12) and np.linalg.det(rot) == pytest.approx(1.0)
    for vec_a, vec_b in (
        (atomistic.direction_vector("NH4VO3", rel.direction_a), atomistic.direction_vector("NVP", rel.direction_b)),
        (atomistic.plane_normal("NH4VO3", rel.plane_a), atomistic.plane_normal("NVP", rel.plane_b)),
    ):
        cos = (rot @ vec_b) @ vec_a / (np.linalg.norm(vec_a) * np.linalg.norm(vec_b))
        assert cos == pytest.approx(1.0, abs=1e-12)


def test_orientation_relationship_refuses_a_direction_outside_its_plane():
    rel = OrientationRelationship((1, 0, 0), (1, 0, 0), (1, 0, 0), (0, 0, 1))
    with pytest.raises(ValueError, match=r"crystal a: direction \[1, 0, 0\] does not lie in plane \(1, 0, 0\)"):
        orientation_matrix("NVP", "NZSP", rel)


def test_orientation_relationship_refuses_angles_that_do_not_match():
    # [001] is 90 deg from the (100) normal of NH4VO3 but 0 deg from the (001) normal of NVP
    rel = OrientationRelationship((0, 0, 1), (0, 0, 1), (1, 0, 0), (0, 0, 1))
    with pytest.raises(ValueError, match="90.00 deg in crystal a but 0.00 deg in crystal b"):
        orientation_matrix("NH4VO3", "NVP", rel, require_in_plane=False)


def test_orientation_relationship_validates_its_fields():
    with pytest.raises(ValueError, match="all indices are zero"):
        OrientationRelationship((0, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))
    with pytest.raises(ValueError, match="3 or 4"):
        OrientationRelationship((1, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))
    assert "[0 1 2]_a // [1 2 -1]_b" in str(atomistic.NH4VO3_NVP)

"""V-site overlap on constructed crystals whose overlap is known by hand."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

import atomistic
from atomistic import MissingAtomsError, OrientationRelationship, site_overlap

SAME = OrientationRelationship((1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))


def _v_crystal(cellpar, sites):
    """A constructed test crystal: V atoms at the given fractional sites (not a real phase)."""
    from ase.cell import Cell

    return Atoms(["V"] * len(sites), scaled_positions=sites, cell=Cell.fromcellpar(cellpar), pbc=True)


def test_identical_crystals_overlap_completely():
    result = site_overlap("NVP", "NVP", SAME)
    assert result.fraction == 1.0 and result.n_matched == result.n_sites == 12 * 64
    assert (result.sites["distance"] < 1e-9).all()


def test_a_lattice_against_its_double_overlaps_one_site_in_eight():
    small = _v_crystal([3, 3, 3, 90, 90, 90], [(0, 0, 0)])
    double = _v_crystal([6, 6, 6, 90, 90, 90], [(0, 0, 0)])
    result = site_overlap(small, double, SAME, cells=(4, 4, 4))
    assert result.fraction == 1 / 8  # every second site along x, y and z
    # seen down [100]: every second column along y and z
    assert site_overlap(small, double, SAME, cells=(4, 4, 4), projected=True).fraction == 1 / 4


def test_bcc_against_a_face_centred_copy_overlaps_half():
    bcc = _v_crystal([3, 3, 3, 90, 90, 90], [(0, 0, 0), (0.5, 0.5, 0.5)])
    other = _v_crystal([3, 3, 3, 90, 90, 90], [(0, 0, 0), (0.5, 0.5, 0.0)])
    result = site_overlap(bcc, other, SAME, r_tol=0.5)
    assert result.fraction == 0.5  # corners match, body centres are a/2 = 1.5 A from any site
    unmatched = result.sites[~result.sites["matched"]]
    assert np.allclose(unmatched["distance"], 1.5)


def test_three_to_two_stretched_copy_overlaps_one_site_in_three():
    # b stretched by 3/2 along x: sites coincide every 3 sites of a (the paper's 3:2 idea)
    a = _v_crystal([3, 3, 3, 90, 90, 90], [(0, 0, 0)])
    b = _v_crystal([4.5, 3, 3, 90, 90, 90], [(0, 0, 0)])
    assert site_overlap(a, b, SAME, cells=(6, 1, 1)).fraction == pytest.approx(1 / 3)


def test_per_site_table_is_consistent_with_the_fraction():
    result = site_overlap("NVP", "NZSP", SAME, species_b="Zr", r_tol=0.6)
    table = result.sites
    assert list(table.columns) == ["x", "y", "z", "distance", "matched"]
    assert len(table) == result.n_sites and table["matched"].sum() == result.n_matched
    assert (table.loc[table["matched"], "distance"] <= 0.6).all()
    assert result.fraction == pytest.approx(result.n_matched / result.n_sites)
    assert 0 < result.random_fraction < result.fraction


def test_random_expectation_is_the_poisson_value():
    result = site_overlap("NVP", "NVP", SAME, r_tol=0.5)
    density = 12 / atomistic.bulk("NVP").cell.volume
    assert result.random_fraction == pytest.approx(1 - np.exp(-density * 4 / 3 * np.pi * 0.5**3))


def test_nh4vo3_overlap_needs_a_cif_and_says_so():
    with pytest.raises(MissingAtomsError, match=r"NH4VO3.*--cif NH4VO3="):
        atomistic.v_site_overlap()


def test_nah2po4_uses_lattice_points_as_the_paper_does():
    result = site_overlap("NaH2PO4", "NVP", atomistic.NAH2PO4_NVP, species_a="lattice")
    assert result.n_sites == 64  # P21/c: one lattice point per cell, 4 x 4 x 4 cells
    assert "NaH2PO4 lattice points" in result.description and "(model)" in result.description

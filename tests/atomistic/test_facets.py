"""Facet traces along a zone axis and the Donnay-Harker energy estimate."""

from __future__ import annotations

import numpy as np
import pytest
from ase.cell import Cell

import atomistic
from atomistic import facet_traces


def test_cubic_zone_001_gives_the_square_wulff_geometry():
    lattice = Cell.fromcellpar([4.0, 4.0, 4.0, 90, 90, 90])  # P1 cell: no absences
    traces = {t.hkl: t for t in facet_traces(lattice, (0, 0, 1), max_index=1)}
    assert traces[(1, 0, 0)].angle_deg == pytest.approx(0.0, abs=1e-9)
    assert traces[(1, 1, 0)].angle_deg == pytest.approx(45.0, abs=1e-9)
    assert traces[(0, 1, 0)].angle_deg == pytest.approx(90.0, abs=1e-9)
    # gamma ~ 1/d: d(110) = a / sqrt(2)
    assert traces[(1, 1, 0)].relative_energy == pytest.approx(np.sqrt(2.0), rel=1e-12)
    assert traces[(1, 0, 0)].relative_energy == 1.0


@pytest.mark.parametrize("phase, zone", [("NH4VO3", (0, 1, 2)), ("NVP", (1, 2, -1)), ("NaH2PO4", (-3, 2, 1))])
def test_traces_come_in_opposite_pairs_and_obey_the_zone_law(phase, zone):
    traces = facet_traces(phase, zone)
    by_hkl = {t.hkl: t for t in traces}
    for t in traces:
        assert atomistic.zone_law(t.hkl, zone) == 0
        opposite = by_hkl[tuple(-x for x in t.hkl)]
        assert (opposite.angle_deg - t.angle_deg) % 360 == pytest.approx(180.0, abs=1e-6)
        assert opposite.relative_energy == t.relative_energy
    assert min(t.relative_energy for t in traces) == 1.0


def test_angles_follow_the_stated_reference_direction():
    # NH4VO3 down [0 1 2]: x is the projection of a = [1 0 0] (first cell vector not parallel)
    traces = {t.hkl: t for t in facet_traces("NH4VO3", (0, 1, 2))}
    assert traces[(1, 0, 0)].angle_deg == pytest.approx(0.0, abs=1e-9)
    expected = atomistic.plane_angle("NH4VO3", (1, 0, 0), (1, 2, -1))
    assert traces[(1, 2, -1)].angle_deg == pytest.approx(expected, abs=1e-9)
    shifted = {t.hkl: t for t in facet_traces("NH4VO3", (0, 1, 2), reference=(0, 2, -1))}
    assert shifted[(1, 0, 0)].angle_deg == pytest.approx(270.0, abs=1e-9)


def test_donnay_harker_spacing_uses_the_first_allowed_order():
    # R-3c: 000l needs l = 6n, so (001) layers are c/6 apart; Pbcm: 0k0 needs k = 2n
    c = atomistic.phase_record("NVP").cellpar[2]
    assert atomistic.effective_d_spacing("NVP", (0, 0, 1)) == pytest.approx(c / 6, rel=1e-12)
    b = atomistic.phase_record("NH4VO3").cellpar[1]
    assert atomistic.effective_d_spacing("NH4VO3", (0, 1, 0)) == pytest.approx(b / 2, rel=1e-12)


def test_nh4vo3_100_is_the_lowest_energy_facet_at_the_papers_zone_axes():
    # paper (Fig. 3): flat (100) at [011] and [012]; (1 -2 1) rough, of larger energy
    for zone in ((0, 1, 1), (0, 1, 2)):
        lowest = {t.hkl for t in facet_traces("NH4VO3", zone) if t.relative_energy == 1.0}
        assert lowest == {(1, 0, 0), (-1, 0, 0)}
    rough = next(t for t in facet_traces("NH4VO3", (0, 1, 2)) if t.hkl == (1, -2, 1))
    assert rough.relative_energy > 1.5

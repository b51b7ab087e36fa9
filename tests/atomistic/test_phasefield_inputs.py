"""Plain numbers for the phase-field model."""

from __future__ import annotations

import dataclasses

import ase.io
import numpy as np
import pytest

import atomistic
from atomistic.phasefield_inputs import epitaxy_misfit, facet_traces, v_site_overlap


def test_facet_traces_are_plain_numbers_that_close_a_wulff_polygon():
    traces = facet_traces("NVP", (1, 2, -1), max_index=2)
    for t in traces:
        assert isinstance(t.angle_deg, float) and isinstance(t.relative_energy, float)
        assert all(isinstance(x, int) for x in t.hkl)
    angles = np.sort([t.angle_deg for t in traces])
    gaps = np.diff(np.append(angles, angles[0] + 360.0))
    assert gaps.max() < 180.0  # normals all round: the polygon is closed
    with pytest.raises(dataclasses.FrozenInstanceError):
        traces[0].angle_deg = 1.0


def test_epitaxy_misfit_returns_the_best_coincidence():
    assert (epitaxy_misfit(max_multiple=3).m, epitaxy_misfit(max_multiple=3).n) == (3, 2)
    best = epitaxy_misfit()
    assert (best.m, best.n) == (4, 3) and best.delta == pytest.approx(-0.0332, abs=5e-5)
    assert isinstance(best.delta, float)


def test_v_site_overlap_needs_the_nh4vo3_cif_and_works_with_one(tmp_path):
    with pytest.raises(atomistic.MissingAtomsError, match="NH4VO3"):
        v_site_overlap()
    path = tmp_path / "standin.cif"  # a stand-in with V sites, only to exercise the path
    ase.io.write(path, atomistic.bulk("NVP"), format="cif")
    result = v_site_overlap(cifs={"NH4VO3": path})
    assert 0.0 < result.fraction <= 1.0 and len(result.sites) == result.n_sites

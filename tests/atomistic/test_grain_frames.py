"""The frame each crystal has in a 2D run (atomistic.grain_frames), against the facet angles
the runs use (scenarios.facets, built by another path: facet traces and an angle offset)."""

from __future__ import annotations

import numpy as np
import pytest

import atomistic
from atomistic import VIEW_ZONES, crystal_to_lab, grain_frame
from scenarios.facets import epitaxial_facets


@pytest.mark.parametrize("phase", sorted(VIEW_ZONES))
def test_each_frame_is_a_rotation_with_the_zone_axis_on_z(phase):
    frame = grain_frame(phase)
    assert np.allclose(frame @ frame.T, np.eye(3), atol=1e-12) and np.linalg.det(frame) == pytest.approx(1.0)
    zone = atomistic.direction_vector(phase, VIEW_ZONES[phase])
    assert frame @ zone / np.linalg.norm(zone) == pytest.approx([0.0, 0.0, 1.0], abs=1e-12)


@pytest.mark.parametrize("phase", ["NH4VO3", "NVP"])
def test_facet_normals_lie_at_the_angles_the_runs_use(phase):
    angles, _ = epitaxial_facets()[phase]
    traces = atomistic.facet_traces(phase, VIEW_ZONES[phase])
    for trace, angle in zip(traces, angles):
        n = grain_frame(phase) @ atomistic.plane_normal(phase, trace.hkl)
        assert abs(n[2]) < 1e-12 * np.linalg.norm(n)
        assert (np.degrees(np.arctan2(n[1], n[0])) - angle + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=1e-9)


def test_nvp_sits_epitaxially_on_nh4vo3_at_equal_orientation():
    """(1 2 -1) NH4VO3 // (2 -1 0) NVP and [0 1 2] // [1 2 -1] (paper Fig. 4), at any common angle."""
    theta = 23.7
    a = crystal_to_lab("NH4VO3", theta) @ atomistic.plane_normal("NH4VO3", (1, 2, -1))
    b = crystal_to_lab("NVP", theta) @ atomistic.plane_normal("NVP", (2, -1, 0))
    assert a / np.linalg.norm(a) == pytest.approx(b / np.linalg.norm(b), abs=1e-9)


def test_orientation_turns_the_crystal_counter_clockwise_about_z():
    v = atomistic.direction_vector("NVP", (1, 0, 1))
    at0, at = grain_frame("NVP") @ v, crystal_to_lab("NVP", -71.0) @ v
    turn = np.degrees(np.arctan2(at[1], at[0]) - np.arctan2(at0[1], at0[0]))
    assert (turn + 180.0) % 360.0 - 180.0 == pytest.approx(-71.0) and at[2] == pytest.approx(at0[2])


def test_a_cif_crystal_keeps_its_zone_axis_on_z(hypothetical_cifs):
    crystal = atomistic.bulk("NaH2PO4", cif=hypothetical_cifs["NaH2PO4"])
    zone = atomistic.direction_vector(crystal, VIEW_ZONES["NaH2PO4"])
    z = grain_frame("NaH2PO4", crystal) @ zone
    assert z / np.linalg.norm(z) == pytest.approx([0.0, 0.0, 1.0], abs=1e-12)


def test_a_phase_without_a_view_is_refused():
    with pytest.raises(ValueError, match="phase 'amorphous' has no view in a 2D run; allowed: NH4VO3, NVP, NaH2PO4, NZSP"):
        grain_frame("amorphous")

"""Facet sets of the phase-field grains, from the atomistic module (plain numbers).

The viewing zone axes are those of the paper's HRTEM images: NH4VO3 along [0 1 2]
and NVP along [1 2 -1] (Fig. 3-4). Facet normal angles and relative energies
come from :func:`atomistic.facet_traces` (lattice-only estimate: energy ~ 1/d of
the low-index planes that contain the zone axis). Each crystal's angles are
measured in its own viewing frame; the orientation relationship
(1 2 -1) NH4VO3 // (2 -1 0) NVP fixes the rotation between the two frames, so
NVP's angles are returned in the NH4VO3 frame and an NVP grain that inherits
its parent's orientation shows the epitaxial facets.
"""

from __future__ import annotations

import functools

import atomistic

NH4VO3_ZONE = (0, 1, 2)
NVP_ZONE = (1, 2, -1)


def _angle(traces, hkl) -> float:
    for t in traces:
        if tuple(t.hkl) == tuple(hkl):
            return float(t.angle_deg)
    raise ValueError(f"plane {hkl} is not among the facet traces {[t.hkl for t in traces]}")


@functools.lru_cache(maxsize=None)
def nvp_frame_offset_deg() -> float:
    """Angle that takes NVP's viewing frame (along [1 2 -1]) into NH4VO3's (along [0 1 2]):
    the (1 2 -1) NH4VO3 normal's angle minus the (2 -1 0) NVP normal's, each in its own frame."""
    a = atomistic.facet_traces("NH4VO3", NH4VO3_ZONE)
    n = atomistic.facet_traces("NVP", NVP_ZONE)
    return _angle(a, (1, 2, -1)) - _angle(n, (2, -1, 0))


@functools.lru_cache(maxsize=None)
def epitaxial_facets() -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """{"NH4VO3": (angles_deg, energies), "NVP": (angles_deg, energies)} in the NH4VO3 frame."""
    a = atomistic.facet_traces("NH4VO3", NH4VO3_ZONE)
    n = atomistic.facet_traces("NVP", NVP_ZONE)
    offset = nvp_frame_offset_deg()
    return {
        "NH4VO3": (tuple(t.angle_deg for t in a), tuple(t.relative_energy for t in a)),
        "NVP": (tuple((t.angle_deg + offset) % 360.0 for t in n), tuple(t.relative_energy for t in n)),
    }

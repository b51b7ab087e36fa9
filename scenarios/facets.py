"""Facet sets of the phase-field grains, from the atomistic module (plain numbers).

The viewing zone axes are those of the paper's HRTEM images: NH4VO3 along [0 1 2]
and NVP along [1 2 -1] (Fig. 3-4). Facet normal angles and relative energies
come from :func:`atomistic.facet_traces` (lattice-only estimate: energy ~ 1/d of
the low-index planes that contain the zone axis). Each crystal's angles are
measured in its own viewing frame; the orientation relationship
(1 2 -1) NH4VO3 // (2 -1 0) NVP fixes the rotation between the two frames, so
NVP's angles are returned in the NH4VO3 frame and an NVP grain that inherits
its parent's orientation shows the epitaxial facets.

3D (:func:`epitaxial_facets_3d`): every low-index plane, not only those of the zone,
as a unit normal in the sample frame, which is NH4VO3's viewing frame down [0 1 2]
(:func:`atomistic.viewing_frame`: x, y the 2D run's plane, z towards the viewer), so
the planes of the zone have the 2D angles. NVP's normals reach that frame through
the orientation relationship of the paper (:data:`atomistic.NH4VO3_NVP`,
:func:`atomistic.orientation_matrix`). Energies: the same lattice estimate as the
2D traces (Bravais-Friedel-Donnay-Harker, gamma_hkl ~ 1 / d_eff with the
Donnay-Harker effective spacing, :func:`atomistic.effective_d_spacing`; see
:mod:`atomistic.facets`), over all planes with |h|, |k|, |l| <= 2. Only the planes
that are faces of the Wulff polyhedron of these energies are kept (the others
never touch the equilibrium shape and would only cost generator points).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

import atomistic
from phasefield.analysis.wulff import facets_on_shape
from phasefield.model.anisotropy import FacetSet

NH4VO3_ZONE = (0, 1, 2)
NVP_ZONE = (1, 2, -1)
MAX_INDEX = 2
"""Largest |h|, |k|, |l| of the planes considered (as :func:`atomistic.facet_traces`' default)."""


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


@dataclass(frozen=True)
class FacetPlane:
    """One face of a crystal's Wulff polyhedron in the sample frame.

    Attributes
    ----------
    hkl
        Miller indices of the plane in the crystal's own cell (outward normal), coprime.
    normal
        Unit outward normal in the sample frame (x, y, z of the run's box).
    relative_energy
        gamma_hkl / gamma_min over the planes considered (Donnay-Harker estimate).
    """

    hkl: tuple[int, int, int]
    normal: tuple[float, float, float]
    relative_energy: float


def sample_frame() -> np.ndarray:
    """Rows x, y, z of the sample frame in NH4VO3's Cartesian frame: its viewing frame down [0 1 2]."""
    return atomistic.viewing_frame("NH4VO3", NH4VO3_ZONE)


def crystal_to_sample() -> dict[str, np.ndarray]:
    """Rotation of each crystal's Cartesian vectors into the sample frame (NVP through the relationship)."""
    frame = sample_frame()
    return {"NH4VO3": frame, "NVP": frame @ atomistic.orientation_matrix("NH4VO3", "NVP", atomistic.NH4VO3_NVP)}


def _wulff_faces(phase: str, rotation: np.ndarray) -> tuple[FacetPlane, ...]:
    """The low-index planes of ``phase`` that are faces of its Wulff polyhedron, in the sample frame."""
    planes = [hkl for hkl in map(tuple, atomistic.index_box(MAX_INDEX).tolist()) if any(hkl) and atomistic.reduced_indices(hkl) == hkl]
    spacing = np.array([atomistic.effective_d_spacing(phase, hkl) for hkl in planes])
    normals = np.array([rotation @ atomistic.plane_normal(phase, hkl) for hkl in planes])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    energies = spacing.max() / spacing
    faces = facets_on_shape(FacetSet(tuple(map(tuple, normals)), tuple(energies)))
    return tuple(FacetPlane(tuple(int(i) for i in planes[k]), tuple(float(c) for c in normals[k]), float(energies[k])) for k in faces)


@functools.lru_cache(maxsize=None)
def epitaxial_facet_planes() -> dict[str, tuple[FacetPlane, ...]]:
    """{"NH4VO3": faces, "NVP": faces}: the Wulff faces of both crystals in the sample frame."""
    return {phase: _wulff_faces(phase, rotation) for phase, rotation in crystal_to_sample().items()}


def epitaxial_facets_3d() -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """{"NH4VO3": (normals, energies), "NVP": (normals, energies)}: normals flattened (x1, y1, z1, x2, ...)."""
    return {
        phase: (tuple(c for f in faces for c in f.normal), tuple(f.relative_energy for f in faces))
        for phase, faces in epitaxial_facet_planes().items()
    }

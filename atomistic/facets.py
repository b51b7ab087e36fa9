"""Facet traces along a zone axis, with a lattice-only estimate of relative surface energy.

Looking down a zone axis [uvw], the facets seen edge-on are the planes (hkl) that contain it
(zone law h u + k v + l w = 0). Their outward normals lie in the viewing plane; each is given
by its angle there and a relative surface energy.

Energy estimate (Bravais-Friedel-Donnay-Harker): a plane's surface energy is taken inversely
proportional to its effective interplanar spacing, gamma_hkl ~ 1 / d_eff, where d_eff =
d(n h, n k, n l) for the smallest n >= 1 whose reflection the space group allows (a glide or
centring halves or thirds the true layer period). For a primitive lattice 1/d is proportional
to 1/planar density of lattice points, so this is the "widely spaced, densely packed planes are
cheap" rule, from the lattice and space group alone. It is a ranking, not a computed energy.

Angles: the viewing plane has z along the zone axis (towards the viewer) and x along the
projection of a reference direction, by default the first of the cell vectors a, b, c that is
not parallel to the zone axis; y = z x x. Angles are counter-clockwise from x, in [0, 360).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .crystallography import (
    Indices,
    direction_indices,
    direction_vector,
    index_box,
    plane_normal,
    reduced_indices,
)
from .crystals import Crystal, cell
from .symmetry import allowed_reflections, symmetry_operations

__all__ = ["FacetTrace", "effective_d_spacing", "facet_traces", "viewing_frame"]

#: Largest multiple n tried for the Donnay-Harker effective spacing (000l of R-3c needs 6).
_MAX_ORDER = 12


@dataclass(frozen=True)
class FacetTrace:
    """A facet normal seen down a zone axis.

    Attributes
    ----------
    hkl : tuple of int
        Miller indices of the facet (outward normal), reduced to coprime integers.
    angle_deg : float
        Normal angle in the viewing plane, degrees counter-clockwise from its x axis.
    relative_energy : float
        gamma_hkl / gamma_min, 1.0 for the lowest-energy facet of the list.
    d_spacing : float
        Effective interplanar spacing d_eff, Å (the estimate's input).
    """

    hkl: tuple[int, ...]
    angle_deg: float
    relative_energy: float
    d_spacing: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.angle_deg < 360.0:
            raise ValueError(f"FacetTrace.angle_deg = {self.angle_deg}; allowed: [0, 360)")
        if self.relative_energy < 1.0 - 1e-12:
            raise ValueError(
                f"FacetTrace.relative_energy = {self.relative_energy}; allowed: >= 1 (1 = lowest)"
            )
        if self.d_spacing <= 0:
            raise ValueError(f"FacetTrace.d_spacing = {self.d_spacing}; allowed: > 0 Å")


def effective_d_spacing(crystal: Crystal, hkl: Indices) -> float:
    """Donnay-Harker spacing d(n hkl) for the smallest allowed order n, Å.

    Examples
    --------
    >>> from atomistic.crystallography import d_spacing
    >>> round(effective_d_spacing("NVP", (0, 0, 1)) * 6 / d_spacing("NVP", (0, 0, 1)), 6)
    1.0
    """
    rotations, translations = symmetry_operations(crystal)
    h = np.asarray(hkl, dtype=int)
    orders = np.arange(1, _MAX_ORDER + 1)
    ok = allowed_reflections(orders[:, None] * h[None, :], rotations, translations)
    if not ok.any():
        raise ValueError(f"no allowed order of {tuple(hkl)} up to n = {_MAX_ORDER}")
    n = int(orders[ok][0])
    return float(1.0 / (n * np.linalg.norm(plane_normal(crystal, tuple(h)))))


def viewing_frame(
    crystal: Crystal, zone_axis: Indices, reference: Indices | None = None
) -> np.ndarray:
    """Rows x, y, z of the viewing frame down a zone axis (see the module docstring)."""
    z = direction_vector(crystal, zone_axis)
    z = z / np.linalg.norm(z)
    if reference is None:
        candidates = list(np.asarray(cell(crystal)))
    else:
        candidates = [direction_vector(crystal, reference)]
    for ref in candidates:
        x = ref - (ref @ z) * z
        if np.linalg.norm(x) > 1e-6 * np.linalg.norm(ref):
            x = x / np.linalg.norm(x)
            return np.array([x, np.cross(z, x), z])
    raise ValueError(f"reference direction {reference} is parallel to the zone axis {tuple(zone_axis)}")


def facet_traces(
    crystal: Crystal,
    zone_axis: Indices,
    max_index: int = 2,
    reference: Indices | None = None,
) -> list[FacetTrace]:
    """Facets seen edge-on down a zone axis, with normal angles and relative energies.

    Parameters
    ----------
    crystal : phase name, ase.Atoms or ase.cell.Cell
    zone_axis : tuple of int
        Viewing direction [uvw] (or [UVTW] for a hexagonal cell).
    max_index : int
        Largest |h|, |k|, |l| enumerated.
    reference : tuple of int, optional
        Lattice direction whose projection is the viewing-plane x axis (default: the first of
        a, b, c not parallel to the zone axis).

    Returns
    -------
    list of FacetTrace
        Every plane of the zone with coprime indices up to ``max_index``, both +(hkl) and
        -(hkl) (so a closed Wulff polygon can be drawn), sorted by angle. Plain numbers only.

    Examples
    --------
    >>> traces = facet_traces("NH4VO3", (0, 0, 1), max_index=1)
    >>> [(t.hkl, round(t.angle_deg, 1)) for t in traces][:3]
    [((1, 0, 0), 0.0), ((1, 1, 0), 22.7), ((0, 1, 0), 90.0)]
    """
    if max_index < 1:
        raise ValueError(f"max_index = {max_index}; allowed: >= 1")
    uvw = direction_indices(zone_axis)
    frame = viewing_frame(crystal, zone_axis, reference)
    found = []
    for hkl in map(tuple, index_box(max_index).tolist()):
        if not any(hkl) or reduced_indices(hkl) != hkl:
            continue
        if int(np.dot(hkl, uvw)) != 0:
            continue
        n = frame @ plane_normal(crystal, hkl)
        angle = float(np.degrees(np.arctan2(n[1], n[0])) % 360.0)
        found.append((hkl, angle, effective_d_spacing(crystal, hkl)))
    if not found:
        raise ValueError(f"no plane with indices up to {max_index} contains {tuple(zone_axis)}")
    d_max = max(d for _, _, d in found)
    traces = [
        FacetTrace(hkl=tuple(int(x) for x in hkl), angle_deg=round(angle, 10) % 360.0,
                   relative_energy=d_max / d, d_spacing=d)
        for hkl, angle, d in found
    ]
    return sorted(traces, key=lambda t: t.angle_deg)

"""How each phase's crystal lies in the plane of the 2D phase-field runs.

A 2D run is the paper's HRTEM view: the beam (the run's z, out of the plane) runs along a zone
axis of every crystal, and a grain's ``orientation`` (degrees, counter-clockwise, crystal to
lab) turns its crystal about z. This module fixes the crystal frame that orientation 0 means:
its rows x, y, z in the crystal's Cartesian coordinates, z along the zone axis (towards the
viewer) and x along the projection of the first cell vector not parallel to it
(:func:`atomistic.facets.viewing_frame`, the frame of the facet angles the runs use).

Zone axes (:data:`VIEW_ZONES`):

* NH4VO3 [0 1 2] and NVP [1 2 -1]: the paper's Fig. 4 view (:data:`atomistic.paper.NH4VO3_NVP`).
  NVP's frame is NH4VO3's turned by the orientation relationship (1 2 -1) NH4VO3 //
  (2 -1 0) NVP, so an NVP grain that inherits its parent's orientation sits epitaxially on it,
  as the facets of ``scenarios.facets.epitaxial_facets`` do.
* NaH2PO4 [-3 2 1]: the paper's Fig. 5g view (:data:`atomistic.paper.NAH2PO4_NVP`).
* NZSP [0 0 1] (the hexagonal c axis): a convention; the paper gives no zone axis for the
  substrate.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from .crystallography import orientation_matrix
from .crystals import cell
from .facets import viewing_frame
from .paper import NAH2PO4_NVP, NH4VO3_NVP

__all__ = ["VIEW_ZONES", "crystal_to_lab", "grain_frame"]

#: The zone axis each crystal phase is seen along in a 2D run (see the module docstring).
VIEW_ZONES: dict[str, tuple[int, ...]] = {
    "NH4VO3": NH4VO3_NVP.direction_a,
    "NVP": NH4VO3_NVP.direction_b,
    "NaH2PO4": NAH2PO4_NVP.direction_a,
    "NZSP": (0, 0, 1),
}


def grain_frame(phase: str, crystal: Atoms | None = None) -> np.ndarray:
    """Rows x, y, z of the run's crystal frame of ``phase``, in the crystal's Cartesian axes.

    Parameters
    ----------
    phase : str
        A phase of :data:`VIEW_ZONES`.
    crystal : ase.Atoms, optional
        The crystal whose Cartesian axes are meant (e.g. ``bulk(phase, cif=...)``, whose cell
        may differ slightly from the bundled one); default the bundled lattice.

    Returns
    -------
    numpy.ndarray
        Proper rotation (3, 3): ``grain_frame(p, c) @ v`` is the crystal vector ``v`` in the
        frame; its third row is along the zone axis.

    Examples
    --------
    >>> from atomistic.crystallography import direction_vector
    >>> z = grain_frame("NVP") @ direction_vector("NVP", (1, 2, -1))
    >>> bool(np.allclose(z / np.linalg.norm(z), [0.0, 0.0, 1.0]))
    True
    """
    if phase not in VIEW_ZONES:
        raise ValueError(f"phase {phase!r} has no view in a 2D run; allowed: {', '.join(VIEW_ZONES)}")
    lattice = cell(phase) if crystal is None else crystal.cell
    if phase == "NVP":  # NH4VO3's frame turned by the epitaxial relationship
        parent = cell("NH4VO3")
        return viewing_frame(parent, VIEW_ZONES["NH4VO3"]) @ orientation_matrix(parent, lattice, NH4VO3_NVP)
    return viewing_frame(lattice, VIEW_ZONES[phase])


def crystal_to_lab(phase: str, orientation_deg: float, crystal: Atoms | None = None) -> np.ndarray:
    """Rotation from the crystal's Cartesian axes to the run's lab axes (x, y in the plane, z
    out of it) of a grain of ``phase`` with in-plane ``orientation_deg`` (counter-clockwise).

    Examples
    --------
    >>> r = crystal_to_lab("NH4VO3", 90.0)
    >>> np.round(r @ [4.92, 0.0, 0.0], 9).tolist()  # a, along x at 0 degrees, turned onto y
    [0.0, 4.92, 0.0]
    """
    t = np.radians(orientation_deg)
    about_z = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    return about_z @ grain_frame(phase, crystal)

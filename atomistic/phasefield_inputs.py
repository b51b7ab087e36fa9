"""Plain numbers the phase-field model takes from the crystallography (no ASE objects).

- :func:`facet_traces`: a grain's facet normals (angle in the viewing plane) and relative
  surface energies along a zone axis, for an anisotropy function or a Wulff polygon.
- :func:`epitaxy_misfit`: the best m:n coincidence of the NH4VO3/NVP spacings and its misfit.
- :func:`v_site_overlap`: the V-site overlap across the NH4VO3/NVP interface under the
  paper's relationship, or a :class:`~atomistic.crystals.MissingAtomsError` that names the
  CIF it needs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .coincidence import Coincidence, coincidences
from .crystallography import Indices, OrientationRelationship, d_spacing
from .crystals import bulk
from .facets import FacetTrace, facet_traces
from .overlap import OverlapResult, site_overlap
from .paper import NH4VO3_NVP

__all__ = ["FacetTrace", "epitaxy_misfit", "facet_traces", "v_site_overlap"]


def epitaxy_misfit(
    sub: str = "NH4VO3",
    epi: str = "NVP",
    sub_plane: Indices = (1, 2, -1),
    epi_plane: Indices = (2, -1, 0),
    max_multiple: int = 5,
) -> Coincidence:
    """The m:n coincidence of smallest |delta| between two plane spacings.

    delta = (m d_sub - n d_epi) / (m d_sub), the paper's definition. Note that the answer
    depends on ``max_multiple``: for the paper's planes, m, n <= 3 gives the paper's 3:2
    (delta = +8.2 %), while m, n <= 5 gives 4:3 (delta = -3.3 %, a longer period); the
    report lists both.

    Examples
    --------
    >>> c = epitaxy_misfit(max_multiple=3)
    >>> c.m, c.n, round(c.delta, 4)
    (3, 2, 0.0816)
    >>> c = epitaxy_misfit()
    >>> c.m, c.n, round(c.delta, 4)
    (4, 3, -0.0332)
    """
    d_sub, d_epi = d_spacing(sub, sub_plane), d_spacing(epi, epi_plane)
    return coincidences(d_sub, d_epi, max_multiple=max_multiple)[0]


def v_site_overlap(
    sub: str = "NH4VO3",
    epi: str = "NVP",
    relationship: OrientationRelationship = NH4VO3_NVP,
    *,
    cifs: Mapping[str, str | os.PathLike[str]] | None = None,
    r_tol: float = 0.5,
    projected: bool = False,
) -> OverlapResult:
    """V-site overlap of two phases under an orientation relationship (default: the paper's).

    Parameters
    ----------
    sub, epi : str
        Phase names (crystal a and b of the relationship).
    relationship : OrientationRelationship
    cifs : mapping, optional
        Phase name -> CIF path; a phase listed here is read from its CIF (NH4VO3 has no
        bundled atoms, so the default call needs ``cifs={"NH4VO3": path}``).
    r_tol : float
        Match distance, Å.
    projected : bool
        Compare atom columns down the relationship's direction (HRTEM view).

    Returns
    -------
    OverlapResult
        ``.fraction`` and the per-site table ``.sites``.

    Raises
    ------
    MissingAtomsError
        A phase has no atoms and no CIF was given; the message names the CIF to pass.
    """
    cifs = dict(cifs or {})
    a = bulk(sub, cif=cifs.get(sub))
    b = bulk(epi, cif=cifs.get(epi))
    return site_overlap(a, b, relationship, r_tol=r_tol, projected=projected)

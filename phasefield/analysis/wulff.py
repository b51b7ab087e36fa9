r"""Wulff construction: the equilibrium shape of a crystal with interface energy gamma(n).

The Wulff shape is the inner envelope of the half-spaces :math:`\mathbf x\cdot\mathbf n \le
\gamma(\mathbf n)`.  For a facet set this is the polygon (2D) or polyhedron (3D)
:math:`\bigcap_k\{\mathbf x\cdot\mathbf m_k\le\gamma_k\}` (facets whose plane misses the shape
drop out); for any other gamma it is approximated by intersecting densely sampled half-spaces
(:func:`wulff_from_gamma`).  Lengths are in the units of gamma (the relative energies, lowest
facet = 1, put that facet at distance 1 from the centre).  Independent of any solver.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import ConvexHull, HalfspaceIntersection

from ..model.anisotropy import FacetSet, sample_directions
from ..model.orientation import Rotation, rotation_matrix

__all__ = [
    "enclosed_measure",
    "facet_areas",
    "facets_on_shape",
    "scale_to_measure",
    "wulff_from_gamma",
    "wulff_polygon",
    "wulff_polyhedron",
]

_FloatArray = NDArray[np.float64]


def wulff_polygon(facets: FacetSet, orientation_deg: float = 0.0) -> _FloatArray:
    """Exact 2D Wulff polygon of a facet set, counter-clockwise.

    Parameters
    ----------
    facets : FacetSet
        A 2D facet set.
    orientation_deg : float
        Grain orientation, degrees counter-clockwise (crystal to lab frame).

    Returns
    -------
    ndarray, shape (M, 2)
        Vertices in the lab frame (units of the relative energies), counter-clockwise,
        centred on the Wulff point (the origin).

    Examples
    --------
    >>> square = FacetSet.from_angles([0, 90, 180, 270], [1, 1, 1, 1])
    >>> float(enclosed_measure(wulff_polygon(square)))
    4.0
    """
    if facets.dim != 2:
        raise ValueError(f"facets: a {facets.dim}D set given; wulff_polygon needs 2D")
    vertices = facets.polytope[0] @ rotation_matrix(orientation_deg, 2).T
    hull = ConvexHull(vertices)  # 2D hulls list their vertices counter-clockwise
    return vertices[hull.vertices]


def wulff_polyhedron(facets: FacetSet, rotation: Rotation = None) -> ConvexHull:
    """Exact 3D Wulff polyhedron of a facet set.

    Parameters
    ----------
    facets : FacetSet
        A 3D facet set.
    rotation : array_like (3, 3) or None
        Grain orientation (crystal to lab frame).

    Returns
    -------
    scipy.spatial.ConvexHull
        ``.points`` are the vertices (lab frame), ``.volume`` and ``.area`` the volume and
        surface area (units of the relative energies, cubed and squared).
    """
    if facets.dim != 3:
        raise ValueError(f"facets: a {facets.dim}D set given; wulff_polyhedron needs 3D")
    return ConvexHull(facets.polytope[0] @ rotation_matrix(rotation, 3).T)


def facet_areas(facets: FacetSet) -> _FloatArray:
    """Length (2D) or area (3D) of each facet on the exact Wulff shape; 0 if it drops out.

    Parameters
    ----------
    facets : FacetSet

    Returns
    -------
    ndarray, shape (K,)
        In the order of ``facets.normals``; units of the relative energies (squared in 3D).
    """
    vertices, facet_vertices = facets.polytope
    areas = np.zeros(len(facet_vertices))
    for k, idx in enumerate(facet_vertices):
        if len(idx) == 0:
            continue
        points = vertices[idx]
        if facets.dim == 2:
            areas[k] = np.linalg.norm(points[1] - points[0])
        else:
            centred = points - points.mean(axis=0)
            basis = np.linalg.svd(centred)[2][:2]  # in-plane orthonormal axes
            areas[k] = ConvexHull(centred @ basis.T).volume
    return areas


def facets_on_shape(facets: FacetSet) -> tuple[int, ...]:
    """Indices of the facets that appear on the Wulff shape (positive length or area).

    Examples
    --------
    >>> octagon = FacetSet.from_angles(range(0, 360, 45), [1, 2] * 4)
    >>> facets_on_shape(octagon)
    (0, 2, 4, 6)
    """
    return tuple(int(k) for k in np.flatnonzero(facet_areas(facets) > 0))


def wulff_from_gamma(
    gamma_function: Callable[[_FloatArray], ArrayLike], dim: int, n_samples: int = 3600
) -> _FloatArray:
    """Wulff shape of an arbitrary positive gamma by dense sampling of half-spaces.

    Parameters
    ----------
    gamma_function : callable
        Maps unit normals, shape (dim, N), to energies, shape (N,), all > 0.
    dim : int
        2 or 3.
    n_samples : int
        Number of normals: equally spaced angles (2D) or a Fibonacci sphere (3D).  The
        envelope overshoots a smooth boundary by about R (1 - cos(pi/n_samples)) in 2D.

    Returns
    -------
    ndarray, shape (M, dim)
        Vertices of the intersection of the half-spaces x . n <= gamma(n); in 2D ordered
        counter-clockwise.  Units of gamma.
    """
    normals = sample_directions(dim, n_samples)
    values = np.asarray(gamma_function(normals), dtype=float).reshape(-1)
    if values.shape != (n_samples,) or not np.all(values > 0):
        raise ValueError("gamma_function: must return n_samples positive, finite values")
    halfspaces = np.hstack([normals.T, -values[:, None]])
    points = HalfspaceIntersection(halfspaces, np.zeros(dim)).intersections
    hull = ConvexHull(points)
    return points[hull.vertices]


def enclosed_measure(vertices: ArrayLike) -> float:
    """Area (2D) or volume (3D) of the convex hull of the vertices (units^dim)."""
    return float(ConvexHull(np.asarray(vertices, dtype=float)).volume)


def scale_to_measure(vertices: ArrayLike, target: float) -> _FloatArray:
    """Scale a convex shape about the origin to a given area (2D) or volume (3D).

    Parameters
    ----------
    vertices : array_like, shape (M, d)
        Vertices of a convex shape containing the origin (e.g. a Wulff shape).
    target : float
        Wanted area (2D) or volume (3D), > 0.

    Returns
    -------
    ndarray, shape (M, d)

    Examples
    --------
    >>> square = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    >>> scale_to_measure(square, 16.0)[0]
    array([2., 2.])
    """
    if not (np.isfinite(target) and target > 0):
        raise ValueError(f"target: {target!r} not allowed; need a finite measure > 0")
    v = np.asarray(vertices, dtype=float)
    return v * (target / enclosed_measure(v)) ** (1.0 / v.shape[1])

"""Shape of a 2D particle field compared with a Wulff polygon.

Fields are 2D arrays ``eta_2d[row, col]`` on a uniform grid of spacing ``dx`` with dimension
order (y, x), as FiPy's ``Grid2D`` values reshaped to ``(ny, nx)``: the value ``eta_2d[i, j]``
sits at the cell centre ``x = (j + 1/2) dx``, ``y = (i + 1/2) dx``.  The particle is where
eta is high (1 inside, 0 outside); its boundary is the ``level`` (default 0.5) contour.
Angles are degrees, counter-clockwise from +x, in [0, 360); outward normals point from high to
low eta.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eig
from scipy.ndimage import map_coordinates
from scipy.spatial import cKDTree
from skimage.measure import find_contours

__all__ = [
    "ShapeComparison",
    "arc_angle",
    "boundary_normals",
    "compare_with_wulff",
    "contour",
    "facet_sharpness",
    "fit_circle",
    "hausdorff_distance",
    "junction_angles",
]

_FloatArray = NDArray[np.float64]


def contour(eta_2d: ArrayLike, dx: float, level: float = 0.5) -> list[_FloatArray]:
    """Closed iso-contours of a 2D field in physical coordinates.

    Parameters
    ----------
    eta_2d : array_like, shape (ny, nx)
        Field on cell centres, dimension order (y, x).
    dx : float
        Grid spacing (length).
    level : float
        Iso-value.

    Returns
    -------
    list of ndarray, shape (M, 2)
        Each closed contour as (x, y) points (length units), without repeating the first
        point, counter-clockwise around the region above ``level`` (a hole is clockwise);
        longest first.  Contours cut by the domain edge are left out.

    Examples
    --------
    >>> y, x = np.mgrid[0:20, 0:20] + 0.5
    >>> disc = (np.hypot(x - 10, y - 10) < 5).astype(float)
    >>> len(contour(disc, dx=1.0))
    1
    """
    field = np.asarray(eta_2d, dtype=float)
    if field.ndim != 2:
        raise ValueError(f"eta_2d: shape {field.shape} not allowed; need a 2D (y, x) array")
    if not dx > 0:
        raise ValueError(f"dx: {dx!r} not allowed; need a grid spacing > 0")
    curves = []
    for rc in find_contours(field, level, positive_orientation="high"):
        if len(rc) < 4 or not np.allclose(rc[0], rc[-1]):
            continue
        # (row, col) -> (x, y) is a reflection: skimage's CCW-around-high becomes CW; reverse.
        xy = (rc[-2::-1, ::-1] + 0.5) * dx
        curves.append(xy)
    return sorted(curves, key=lambda c: -_perimeter(c))


def _perimeter(curve: _FloatArray) -> float:
    return float(np.linalg.norm(np.roll(curve, -1, axis=0) - curve, axis=1).sum())


def _area_centroid(curve: _FloatArray) -> tuple[float, _FloatArray]:
    """Signed area (> 0 for counter-clockwise) and area centroid of a closed polygon."""
    x, y = curve.T
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = 0.5 * cross.sum()
    centroid = np.array([((x + xn) * cross).sum(), ((y + yn) * cross).sum()]) / (6 * area)
    return float(area), centroid


def boundary_normals(
    eta_2d: ArrayLike, dx: float, level: float = 0.5
) -> tuple[_FloatArray, _FloatArray]:
    """Outward normal angles and length elements along the ``level`` contour.

    The normal at each contour point is -grad(eta)/|grad(eta)| from centred differences,
    bilinearly interpolated to the point (smoother than the short marching-squares segments);
    its weight is half the length of the two adjacent contour segments.

    Parameters
    ----------
    eta_2d : array_like, shape (ny, nx)
    dx : float
        Grid spacing (length).
    level : float

    Returns
    -------
    angles_deg : ndarray, shape (M,)
        Outward normal angles, degrees in [0, 360).
    weights : ndarray, shape (M,)
        Boundary length elements (length units); their sum is the perimeter.
    """
    field = np.asarray(eta_2d, dtype=float)
    grad_y, grad_x = np.gradient(field, dx)
    angles, weights = [], []
    for curve in contour(field, dx, level):
        rc = curve[:, ::-1].T / dx - 0.5
        gx = map_coordinates(grad_x, rc, order=1, mode="nearest")
        gy = map_coordinates(grad_y, rc, order=1, mode="nearest")
        angles.append(np.degrees(np.arctan2(-gy, -gx)) % 360.0)
        seg = np.linalg.norm(np.roll(curve, -1, axis=0) - curve, axis=1)
        weights.append(0.5 * (seg + np.roll(seg, 1)))
    if not angles:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(angles), np.concatenate(weights)


def _angle_difference(a: ArrayLike, b: ArrayLike) -> _FloatArray:
    """a - b wrapped to [-180, 180) degrees."""
    return (np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 180.0) % 360.0 - 180.0


def facet_sharpness(
    eta_2d: ArrayLike,
    dx: float,
    facet_angles_deg: ArrayLike,
    tol_deg: float = 5.0,
    level: float = 0.5,
) -> float:
    """Share of boundary length whose outward normal lies within tol of a facet normal.

    The trimming measure of the paper's Fig. 1i-l: 1 for a perfect polygon with those facets,
    about ``len(facet_angles_deg) * 2 * tol_deg / 360`` for a disc.

    Parameters
    ----------
    eta_2d : array_like, shape (ny, nx)
    dx : float
        Grid spacing (length).
    facet_angles_deg : array_like
        Lab-frame facet normal angles, degrees.
    tol_deg : float
        Angular tolerance, degrees, in (0, 180).
    level : float

    Returns
    -------
    float
        Dimensionless share in [0, 1]; NaN if there is no closed boundary.
    """
    if not 0 < tol_deg < 180:
        raise ValueError(f"tol_deg: {tol_deg!r} not allowed; need 0 < tol_deg < 180")
    angles, weights = boundary_normals(eta_2d, dx, level)
    if weights.sum() == 0:
        return float("nan")
    facets = np.atleast_1d(np.asarray(facet_angles_deg, dtype=float))
    near = np.abs(_angle_difference(angles[:, None], facets[None, :])).min(axis=1) <= tol_deg
    return float(weights[near].sum() / weights.sum())


def _segment_distances(points: _FloatArray, curve: _FloatArray) -> tuple[_FloatArray, ...]:
    """Distance of points (N, 2) to each edge of a closed polygon (P, 2) and the edge parameter.

    Returns distances (N, P) and the projection parameters t in [0, 1] (N, P).
    """
    start = curve
    edge = np.roll(curve, -1, axis=0) - curve
    rel = points[:, None, :] - start[None, :, :]
    t = np.clip((rel * edge).sum(-1) / (edge**2).sum(-1), 0.0, 1.0)
    dist = np.linalg.norm(rel - t[..., None] * edge, axis=-1)
    return dist, t


def _densify(curve: _FloatArray, spacing: float) -> _FloatArray:
    """Points along a closed polygon at most ``spacing`` apart (vertices included)."""
    out = []
    for a, b in zip(curve, np.roll(curve, -1, axis=0)):
        n = max(int(np.ceil(np.linalg.norm(b - a) / spacing)), 1)
        out.append(a + np.arange(n)[:, None] / n * (b - a))
    return np.vstack(out)


def hausdorff_distance(curve_a: ArrayLike, curve_b: ArrayLike, spacing: float | None = None) -> float:
    """Hausdorff distance between two closed polygonal curves.

    Both curves are sampled every ``spacing`` along their edges (vertices included) and the
    sample sets compared with a k-d tree; the result is within ``spacing / 2`` of the exact
    distance between the curves.

    Parameters
    ----------
    curve_a, curve_b : array_like, shape (M, 2)
        Closed curves (the last point joins the first).
    spacing : float, optional
        Sampling step (length); default 1/2000 of the larger perimeter.

    Returns
    -------
    float
        Length units.
    """
    a = np.asarray(curve_a, dtype=float)
    b = np.asarray(curve_b, dtype=float)
    step = spacing if spacing is not None else max(_perimeter(a), _perimeter(b)) / 2000
    dense_a, dense_b = _densify(a, step), _densify(b, step)
    return float(
        max(
            cKDTree(dense_b).query(dense_a)[0].max(),
            cKDTree(dense_a).query(dense_b)[0].max(),
        )
    )


@dataclass(frozen=True, eq=False)
class ShapeComparison:
    """A particle's boundary against the equal-area, co-centred Wulff polygon.

    Attributes
    ----------
    contour : ndarray, shape (M, 2)
        The particle's 0.5 contour, (x, y), length units, counter-clockwise.
    polygon : ndarray, shape (P, 2)
        The Wulff polygon scaled to the particle's area and moved to its centroid.
    area : float
        Area enclosed by the contour (length^2).
    centroid : ndarray, shape (2,)
        Area centroid of the contour (length).
    hausdorff : float
        Hausdorff distance between contour and polygon (length).
    hausdorff_cells : float
        The same in grid spacings.
    edge_normal_deg : ndarray, shape (P,)
        Outward normal angle of each polygon edge (edge i joins vertices i and i + 1), degrees.
    measured_normal_deg : ndarray, shape (P,)
        Normal angle of the straight line fitted to the contour points of the middle part of
        each edge, degrees; NaN where fewer than 3 points.
    normal_error_deg : ndarray, shape (P,)
        measured - edge normal, degrees in [-180, 180).
    edge_length : ndarray, shape (P,)
        Length of each polygon edge (length units).
    corner_deg : ndarray, shape (P,)
        Interior angle of the polygon at each vertex, degrees.
    vertex_distance : ndarray, shape (P,)
        Distance from each polygon vertex to the contour (length): how far a rounded
        corner falls short of the vertex.
    """

    contour: _FloatArray
    polygon: _FloatArray
    area: float
    centroid: _FloatArray
    hausdorff: float
    hausdorff_cells: float
    edge_normal_deg: _FloatArray
    measured_normal_deg: _FloatArray
    normal_error_deg: _FloatArray
    edge_length: _FloatArray
    corner_deg: _FloatArray
    vertex_distance: _FloatArray

    def hausdorff_away_from_vertices(self, radii: ArrayLike) -> float:
        """Hausdorff distance (length) with the points of both curves within ``radii[i]`` of
        polygon vertex i left out (radius 0: nothing left out there)."""
        r = np.broadcast_to(np.asarray(radii, dtype=float), (len(self.polygon),))
        step = self.hausdorff / self.hausdorff_cells / 20 if self.hausdorff_cells > 0 else _perimeter(self.polygon) / 2000
        dense_c, dense_p = _densify(self.contour, step), _densify(self.polygon, step)

        def away(points: _FloatArray) -> _FloatArray:
            d = np.linalg.norm(points[:, None, :] - self.polygon[None, :, :], axis=-1)
            return points[np.all(d >= r[None, :], axis=1)]

        c, q = away(dense_c), away(dense_p)
        return float(max(cKDTree(dense_p).query(c)[0].max(initial=0.0), cKDTree(dense_c).query(q)[0].max(initial=0.0)))

    @property
    def max_normal_error_deg(self) -> float:
        """Largest |normal error| over the fitted edges (degrees); NaN if none was fitted."""
        errors = np.abs(self.normal_error_deg)
        return float(np.nanmax(errors)) if np.any(np.isfinite(errors)) else float("nan")


def compare_with_wulff(
    eta_2d: ArrayLike,
    dx: float,
    polygon: ArrayLike,
    edge_fraction: float = 0.6,
    level: float = 0.5,
    min_edge_length: float = 0.0,
) -> ShapeComparison:
    """Compare a particle's boundary with a Wulff polygon of the same area and centroid.

    Parameters
    ----------
    eta_2d : array_like, shape (ny, nx)
        Particle field (high inside), dimension order (y, x).
    dx : float
        Grid spacing (length).
    polygon : array_like, shape (P, 2)
        Wulff polygon in the lab frame, counter-clockwise, any size and position
        (e.g. :func:`phasefield.analysis.wulff.wulff_polygon`).
    edge_fraction : float
        Middle fraction of each polygon edge whose contour points enter the line fit, in (0, 1];
        excludes the rounded corners.
    level : float
        Iso-value of the boundary.
    min_edge_length : float
        Edges of the scaled polygon shorter than this (length) get no fitted normal (NaN): a
        diffuse boundary rounds each corner over about an interface width, so an edge shorter
        than a few widths has no straight middle part to fit.

    Returns
    -------
    ShapeComparison
        The largest closed contour is taken as the particle.
    """
    if not 0 < edge_fraction <= 1:
        raise ValueError(f"edge_fraction: {edge_fraction!r} not allowed; need 0 < f <= 1")
    curves = contour(eta_2d, dx, level)
    if not curves:
        raise ValueError(f"eta_2d: no closed {level} contour inside the domain")
    curve = max(curves, key=lambda c: _area_centroid(c)[0])
    area, centroid = _area_centroid(curve)
    poly = np.asarray(polygon, dtype=float)
    poly_area, poly_centroid = _area_centroid(poly)
    if poly_area <= 0:
        raise ValueError("polygon: must be counter-clockwise with positive area")
    poly = (poly - poly_centroid) * np.sqrt(area / poly_area) + centroid
    hausdorff = hausdorff_distance(curve, poly, spacing=dx / 20)

    edge = np.roll(poly, -1, axis=0) - poly
    normals = np.stack([edge[:, 1], -edge[:, 0]], axis=1)
    edge_angles = np.degrees(np.arctan2(normals[:, 1], normals[:, 0])) % 360.0
    dist, t = _segment_distances(curve, poly)
    nearest = dist.argmin(axis=1)
    t_near = t[np.arange(len(curve)), nearest]
    measured = np.full(len(poly), np.nan)
    lengths = np.linalg.norm(edge, axis=1)
    for i in range(len(poly)):
        pts = curve[(nearest == i) & (np.abs(t_near - 0.5) <= edge_fraction / 2)]
        if len(pts) < 3 or lengths[i] < min_edge_length:
            continue
        direction = np.linalg.svd(pts - pts.mean(axis=0))[2][0]
        normal = np.array([direction[1], -direction[0]])
        if normal @ normals[i] < 0:
            normal = -normal
        measured[i] = np.degrees(np.arctan2(normal[1], normal[0])) % 360.0
    return ShapeComparison(
        contour=curve,
        polygon=poly,
        area=area,
        centroid=centroid,
        hausdorff=hausdorff,
        hausdorff_cells=hausdorff / dx,
        edge_normal_deg=edge_angles,
        measured_normal_deg=measured,
        normal_error_deg=_angle_difference(measured, edge_angles),
        edge_length=lengths,
        corner_deg=_corner_angles_deg(poly),
        vertex_distance=cKDTree(_densify(curve, dx / 20)).query(poly)[0],
    )


def _corner_angles_deg(polygon: _FloatArray) -> _FloatArray:
    """Interior angles of a convex polygon at its vertices, degrees."""
    back = np.roll(polygon, 1, axis=0) - polygon
    ahead = np.roll(polygon, -1, axis=0) - polygon
    cos = (back * ahead).sum(axis=1) / (np.linalg.norm(back, axis=1) * np.linalg.norm(ahead, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def fit_circle(points: ArrayLike) -> tuple[_FloatArray, float]:
    """Least-squares circle through 2D points (Pratt's algebraic fit, :func:`_algebraic_circle`).

    Parameters
    ----------
    points : array_like, shape (M, 2)
        (x, y) points, M >= 3, not all on one line.

    Returns
    -------
    centre : ndarray, shape (2,)
    radius : float

    Examples
    --------
    >>> t = np.linspace(0.3, 2.0, 25)
    >>> centre, radius = fit_circle(np.stack([1 + 2 * np.cos(t), -1 + 2 * np.sin(t)], axis=1))
    >>> centre.round(12).tolist(), round(radius, 12)
    ([1.0, -1.0], 2.0)
    """
    xy = np.asarray(points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) < 3:
        raise ValueError(f"points: shape {xy.shape} not allowed; need (M >= 3, 2)")
    A, B, C, D = _algebraic_circle(xy)
    radius = float(np.sqrt(B**2 + C**2 - 4 * A * D) / (2 * abs(A))) if A != 0 else np.inf
    spread = float(np.ptp(xy, axis=0).max())
    if not radius < 1e9 * spread:
        raise ValueError(f"points: the {len(xy)} points lie on a line (fitted radius {radius:.3g} for a spread of {spread:.3g}); need an arc")
    return np.array([-B, -C]) / (2 * A), radius


def arc_angle(eta_2d: ArrayLike, dx: float, line_y: float, *, above: bool = True, exclude: float = 0.0, level: float = 0.5) -> float:
    """Angle between the line y = ``line_y`` and the circular arc bounding a region on one side of it.

    The ``level`` contour of the region (eta high) is cut by the line; the part on the
    chosen side is fitted by a circle (:func:`fit_circle`), leaving out the points within
    ``exclude`` of the arc's two ends, where the diffuse junction distorts the contour,
    and within ``exclude / 2`` of the line (a drop's base along a substrate).
    The angle is measured inside the region at the line: a contact angle for a drop
    on a substrate, or one side of a lens's dihedral angle on a flat boundary.

    Parameters
    ----------
    eta_2d : array_like, shape (ny, nx)
        The region's order parameter (or phase fraction), dimension order (y, x).
    dx : float
        Grid spacing (length).
    line_y : float
        Height of the line (length, same origin as the cell centres (i + 1/2) dx).
    above : bool
        The arc above the line (True) or below it.
    exclude : float
        Distance (length) from the arc's ends within which contour points are ignored.
    level : float
        Contour level.

    Returns
    -------
    float
        Degrees in [0, 180]: 90 for a half disc, below 90 for a flat cap.

    Examples
    --------
    >>> y, x = (np.mgrid[0:80, 0:80] + 0.5) * 0.5
    >>> disc = 0.5 * (1 - np.tanh(2 * (np.hypot(x - 20, y - 10) - 15)))  # centre 10 below y = 20
    >>> cap = np.minimum(disc, 0.5 * (1 + np.tanh(2 * (y - 20))))  # the part above y = 20
    >>> round(arc_angle(cap, 0.5, 20.0, exclude=1.0), 1), round(float(np.degrees(np.arccos(10 / 15))), 1)
    (48.2, 48.2)
    """
    curves = contour(eta_2d, dx, level) or [np.zeros((0, 2))]
    points = np.concatenate(curves)
    side = points[:, 1] > line_y if above else points[:, 1] < line_y
    arc = points[side]
    if len(arc) < 3:
        raise ValueError(f"line_y: no arc of the region {'above' if above else 'below'} y = {line_y}")
    ends = np.array([arc[np.argmin(arc[:, 0])], arc[np.argmax(arc[:, 0])]])
    near_end = np.min(np.linalg.norm(arc[:, None, :] - ends[None, :, :], axis=2), axis=1) <= exclude
    near_line = np.abs(arc[:, 1] - line_y) <= 0.5 * exclude  # a region's flat base along the line
    keep = ~near_end & ~near_line
    centre, radius = fit_circle(arc[keep])
    offset = (line_y - centre[1]) if above else (centre[1] - line_y)
    return float(np.degrees(np.arccos(np.clip(offset / radius, -1.0, 1.0))))


def _sample(field: _FloatArray, points: _FloatArray, dx: float) -> _FloatArray:
    """Bilinear values of a (y, x) cell-centred field at (x, y) points."""
    return map_coordinates(field, points[:, ::-1].T / dx - 0.5, order=1, mode="nearest")


def _open_contours(field: _FloatArray, dx: float, level: float) -> _FloatArray:
    """All ``level`` crossings of a (y, x) field as (x, y) points, open curves included."""
    curves = find_contours(field, level)
    return (np.concatenate(curves)[:, ::-1] + 0.5) * dx if curves else np.zeros((0, 2))


def _algebraic_circle(points: _FloatArray) -> _FloatArray:
    """Pratt's fit A(x^2 + y^2) + Bx + Cy + D = 0 with B^2 + C^2 - 4AD = 1 (a line is A = 0).

    Coordinates are taken relative to the points' mean and scaled by their spread
    (returned coefficients are for the original coordinates). Unlike Kasa's fit
    (least squares of x^2 + y^2 = 2 a x + 2 b y + k) it stays well posed for a straight
    boundary and is not biased toward small circles on short arcs.
    """
    mean = points.mean(axis=0)
    scale = float(np.sqrt(((points - mean) ** 2).sum(axis=1).mean()))
    x, y = ((points - mean) / scale).T
    Z = np.stack([x**2 + y**2, x, y, np.ones_like(x)], axis=1)
    N = np.array([[0.0, 0, 0, -2], [0, 1, 0, 0], [0, 0, 1, 0], [-2, 0, 0, 0]])
    values, vectors = eig(Z.T @ Z, N)
    values = np.real(values)
    ok = np.isfinite(values) & (values > -1e-9 * np.abs(values[np.isfinite(values)]).max())
    A, B, C, D = np.real(vectors[:, np.flatnonzero(ok)[np.argmin(values[ok])]])
    # back to the original coordinates: u = (p - mean) / scale
    mx, my = mean
    A2, B2, C2 = A / scale**2, B / scale, C / scale
    return np.array([A2, B2 - 2 * A2 * mx, C2 - 2 * A2 * my, A2 * (mx**2 + my**2) - B2 * mx - C2 * my + D])


def _tangent(coefficients: _FloatArray, junction: _FloatArray, arc: _FloatArray) -> _FloatArray:
    """Unit tangent at ``junction`` of the fitted circle or line, pointing along ``arc``."""
    A, B, C, _ = coefficients
    normal = np.array([2 * A * junction[0] + B, 2 * A * junction[1] + C])
    t = np.array([-normal[1], normal[0]]) / np.linalg.norm(normal)
    return t if t @ (arc.mean(axis=0) - junction) > 0 else -t


def _circle_intersections(c1: _FloatArray, r1: float, c2: _FloatArray, r2: float) -> _FloatArray:
    d = float(np.linalg.norm(c2 - c1))
    a = (r1**2 - r2**2 + d**2) / (2 * d)
    h = np.sqrt(max(r1**2 - a**2, 0.0))
    u = (c2 - c1) / d
    base = c1 + a * u
    return np.array([base + h * np.array([-u[1], u[0]]), base - h * np.array([-u[1], u[0]])])


def junction_angles(
    eta_a: ArrayLike, eta_b: ArrayLike, dx: float, *, exclude: float, upper: bool = True
) -> tuple[float, float, float]:
    r"""Dihedral angles at a triple junction of two regions a, b and the rest (the surroundings).

    For equilibrium shapes, whose three interfaces are circular arcs (two particles
    joined at a boundary, a double bubble): each interface's 0.5 contour (a/rest:
    :math:`\eta_a = 1/2` where :math:`\eta_b < 1/4`; b/rest alike; a/b: :math:`\eta_a =
    \eta_b` where :math:`\eta_a + \eta_b > 3/4`) is fitted by a circle
    (Pratt's algebraic fit, which also takes a straight boundary), leaving out the points within ``exclude`` of either junction,
    where the diffuse junction distorts the contours. The junction is where the two
    outer circles meet (the one nearer the diffuse junction, the cell where
    :math:`\min(\eta_a, \eta_b, 1 - \eta_a - \eta_b)` is largest); the angles are the
    sectors between the three circles' tangents there.

    Parameters
    ----------
    eta_a, eta_b : array_like, shape (ny, nx)
        Order parameters (or phase fractions) of the two regions, dimension order (y, x).
    dx : float
        Grid spacing (length).
    exclude : float
        Distance (length) from the junctions within which contour points are ignored.
    upper : bool
        The junction with the larger y (True) or the smaller one.

    Returns
    -------
    tuple of float
        Degrees inside a, inside b and inside the rest; they sum to 360.

    Examples
    --------
    Two discs of radius 10 whose centres are 12 apart, split by their common chord:
    inside each disc 90 + asin(6/10) degrees.

    >>> y, x = (np.mgrid[0:100, 0:140] + 0.5) * 0.4
    >>> left, right = np.hypot(x - 22, y - 20) - 10, np.hypot(x - 34, y - 20) - 10
    >>> a = 0.5 * (1 - np.tanh(2 * np.maximum(left, x - 28)))
    >>> b = 0.5 * (1 - np.tanh(2 * np.maximum(right, 28 - x)))
    >>> [round(v, 1) for v in junction_angles(a, b, 0.4, exclude=2.0)], round(90 + float(np.degrees(np.arcsin(0.6))), 1)
    ([126.9, 126.9, 106.3], 126.9)
    """
    a, b = np.asarray(eta_a, dtype=float), np.asarray(eta_b, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"eta_a, eta_b: shapes {a.shape}, {b.shape} not allowed; need two equal 2D (y, x) arrays")
    rest = 1.0 - a - b
    triple = np.minimum(np.minimum(a, b), rest)
    rows = np.arange(a.shape[0])[:, None]
    row_mid = (rows * (a + b)).sum() / (a + b).sum()
    junctions = []
    for half in (rows >= row_mid, rows < row_mid):
        i, j = np.unravel_index(np.argmax(np.where(half, triple, -np.inf)), a.shape)
        junctions.append((np.array([j, i]) + 0.5) * dx)

    def arc(points: _FloatArray) -> _FloatArray:
        far = np.min([np.linalg.norm(points - jn, axis=1) for jn in junctions], axis=0) > exclude
        if far.sum() < 3:
            raise ValueError(f"exclude: {exclude!r} leaves fewer than 3 contour points of an interface; allowed: a smaller distance")
        return points[far]

    pa = _open_contours(a, dx, 0.5)
    pb = _open_contours(b, dx, 0.5)
    pab = _open_contours(a - b, dx, 0.0)
    arcs = (
        arc(pa[_sample(b, pa, dx) < 0.25]),
        arc(pb[_sample(a, pb, dx) < 0.25]),
        arc(pab[_sample(a + b, pab, dx) > 0.75]),
    )
    (ca, ra), (cb, rb) = fit_circle(arcs[0]), fit_circle(arcs[1])  # whole arcs: where the outer circles meet
    rough = junctions[0] if upper == (junctions[0][1] >= junctions[1][1]) else junctions[1]
    crossings = _circle_intersections(ca, ra, cb, rb)
    junction = crossings[np.argmin(np.linalg.norm(crossings - rough, axis=1))]
    ta, tb, tab = (_tangent(_algebraic_circle(p), junction, _near_half(p, junction)) for p in arcs)
    phi = np.degrees(np.arctan2([ta[1], tb[1], tab[1]], [ta[0], tb[0], tab[0]]))

    def sector(i: int, j: int, k: int) -> float:
        span = (phi[j] - phi[i]) % 360.0
        return float(360.0 - span if (phi[k] - phi[i]) % 360.0 < span else span)

    return sector(0, 2, 1), sector(1, 2, 0), sector(0, 1, 2)


def _near_half(points: _FloatArray, junction: _FloatArray) -> _FloatArray:
    """The arc points closer to ``junction`` than the median: the direction the arc leaves it in."""
    d = np.linalg.norm(points - junction, axis=1)
    return points[d <= np.median(d)]

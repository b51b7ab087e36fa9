"""Tests of contour extraction, boundary normals, facet sharpness and the Wulff comparison.

Synthetic fields: eta = (1 - tanh(d / (2 w)))/2 of a signed distance d (negative inside), so the
0.5 contour is the d = 0 curve up to linear-interpolation error, which is O((dx/w)^3) near the
tanh inflection: well below 0.05 dx for w = 1.5 dx.
"""

import numpy as np
import pytest

from phasefield.model.anisotropy import FacetSet
from phasefield.analysis.shape import (
    fit_circle,
    boundary_normals,
    compare_with_wulff,
    contour,
    facet_sharpness,
    hausdorff_distance,
    junction_angles,
)
from phasefield.analysis.wulff import enclosed_measure, wulff_polygon

DX = 0.5
WIDTH = 1.5 * DX


def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = (np.mgrid[0:n, 0:n] + 0.5) * DX  # cell centres, order (y, x)
    return x, y


def _profile(distance: np.ndarray) -> np.ndarray:
    return 0.5 * (1 - np.tanh(distance / (2 * WIDTH)))


def _disc(n=160, radius=25.0, centre=(41.0, 38.5)):
    x, y = _grid(n)
    return _profile(np.hypot(x - centre[0], y - centre[1]) - radius)


def _rounded_square(n=180, half=30.0, corner=8.0, centre=(45.0, 45.0)):
    """Exact signed distance to a square of half-side `half` with corner radius `corner`."""
    x, y = _grid(n)
    qx = np.abs(x - centre[0]) - (half - corner)
    qy = np.abs(y - centre[1]) - (half - corner)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return _profile(outside + inside - corner)


def _polygon_field(polygon: np.ndarray, n=180, centre=(45.0, 45.0)):
    """Field whose 0.5 contour is the convex polygon (CCW) moved to `centre`."""
    x, y = _grid(n)
    edge = np.roll(polygon, -1, axis=0) - polygon
    normal = np.stack([edge[:, 1], -edge[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    offset = (polygon * normal).sum(axis=1)
    points = np.stack([x - centre[0], y - centre[1]], axis=-1)
    distance = (points[..., None, :] * normal).sum(-1) - offset  # (ny, nx, P)
    return _profile(distance.max(axis=-1))


def test_contour_of_a_disc_is_counter_clockwise_at_the_radius_in_physical_units():
    curves = contour(_disc(), DX)
    assert len(curves) == 1
    c = curves[0]
    np.testing.assert_allclose(np.hypot(c[:, 0] - 41.0, c[:, 1] - 38.5), 25.0, atol=0.05 * DX)
    x, y = c.T
    assert 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) > 0


def test_boundary_normals_of_a_disc_point_radially_outward():
    # Normals from centred differences: the profile here is only 1.5 cells wide, and the
    # differences' O((dx/w)^2) error turns the normal by up to ~0.5 deg; tolerance 0.75 deg.
    angles, weights = boundary_normals(_disc(), DX)
    c = contour(_disc(), DX)[0]
    polar = np.degrees(np.arctan2(c[:, 1] - 38.5, c[:, 0] - 41.0)) % 360
    difference = (angles - polar + 180) % 360 - 180
    assert np.abs(difference).max() < 0.75
    assert weights.sum() == pytest.approx(2 * np.pi * 25.0, rel=2e-3)  # perimeter


def test_disc_sharpness_is_the_angular_share_of_the_facet_windows():
    # Uniform normals on a disc: share = K * 2 tol / 360; tolerance 0.01 covers the
    # discretization of the contour into ~300 length elements.
    for facets, tol in (([0, 90, 180, 270], 5.0), ([10 + 60 * k for k in range(6)], 3.0)):
        expected = len(facets) * 2 * tol / 360
        assert facet_sharpness(_disc(), DX, facets, tol) == pytest.approx(expected, abs=0.01)


def test_rounded_square_sharpness_is_one_minus_the_corner_arcs():
    # Flat sides 4 (2 half - 2 r) plus 8 arcs of r * tol within tol of a facet normal, over
    # the perimeter 4 (2 half - 2 r) + 2 pi r.  Tolerance 0.01: the normals blend over about
    # one interface width where the sides meet the arcs.
    half, corner, tol = 30.0, 8.0, 5.0
    flat = 4 * (2 * half - 2 * corner)
    expected = (flat + 8 * corner * np.radians(tol)) / (flat + 2 * np.pi * corner)
    share = facet_sharpness(_rounded_square(half=half, corner=corner), DX, [0, 90, 180, 270], tol)
    assert share == pytest.approx(expected, abs=0.01)


def test_sharp_hexagon_is_almost_fully_faceted():
    # Sharp corners: only ~ an interface width per corner has blended normals.
    hexagon = wulff_polygon(FacetSet.from_angles(range(0, 360, 60), [1.0] * 6)) * 30.0
    share = facet_sharpness(_polygon_field(hexagon), DX, range(0, 360, 60), 5.0)
    assert share > 0.9


@pytest.mark.parametrize(
    ("angles", "energies", "orientation"),
    [(range(0, 360, 60), [1.0] * 6, 0.0), ([0, 90, 180, 270], [1.0, 1.3, 1.0, 1.3], 17.0)],
    ids=["hexagon", "rectangle-17deg"],
)
def test_field_of_the_wulff_polygon_matches_it(angles, energies, orientation):
    # The polygon is given at unit size around the origin; compare_with_wulff must rescale
    # and move it.  Contour error ~0.05 dx plus corner cutting by the marching squares
    # (< 0.5 dx); fitted normals from ~40 points per edge are within 0.2 deg.
    unit = wulff_polygon(FacetSet.from_angles(list(angles), energies), orientation)
    result = compare_with_wulff(_polygon_field(unit * 28.0), DX, unit)
    assert result.hausdorff_cells < 0.5
    assert result.hausdorff == pytest.approx(result.hausdorff_cells * DX)
    unit_area = enclosed_measure(unit)
    assert result.area == pytest.approx(unit_area * 28.0**2, rel=5e-3)
    np.testing.assert_allclose(result.centroid, [45.0, 45.0], atol=0.05)
    assert result.max_normal_error_deg < 0.2
    expected_normals = (np.asarray(list(angles)) + orientation) % 360
    assert np.sort(result.edge_normal_deg) == pytest.approx(np.sort(expected_normals), abs=1e-9)


def test_disc_against_square_gives_the_corner_overhang():
    # Equal-area square: half-diagonal sqrt(pi/2) R, so the Hausdorff distance is
    # (sqrt(pi/2) - 1) R = 0.2533 R; the arcs under each edge are symmetric, so the fitted
    # chords are parallel to the edges.
    square = wulff_polygon(FacetSet.from_angles([0, 90, 180, 270], [1.0] * 4), 0.0)
    result = compare_with_wulff(_disc(), DX, square)
    assert result.hausdorff == pytest.approx((np.sqrt(np.pi / 2) - 1) * 25.0, abs=0.05)
    assert result.max_normal_error_deg < 0.5
    # the overhang sits at the vertices; away from them the largest gap is the disc bulging
    # past the middle of each edge by R - half side = (1 - sqrt(pi)/2) R
    np.testing.assert_allclose(result.corner_deg, 90.0)
    np.testing.assert_allclose(result.vertex_distance, (np.sqrt(np.pi / 2) - 1) * 25.0, atol=0.05)
    assert result.hausdorff_away_from_vertices(0.0) == pytest.approx(result.hausdorff, abs=0.01)
    assert result.hausdorff_away_from_vertices(0.5 * 25.0) == pytest.approx((1 - np.sqrt(np.pi) / 2) * 25.0, abs=0.05)


def test_rotated_facets_are_measured_with_their_angle():
    # A square turned by 17 deg compared with an unturned square: every fitted normal is
    # off by +17 deg.
    turned = wulff_polygon(FacetSet.from_angles([0, 90, 180, 270], [1.0] * 4), 17.0) * 28.0
    upright = wulff_polygon(FacetSet.from_angles([0, 90, 180, 270], [1.0] * 4), 0.0)
    result = compare_with_wulff(_polygon_field(turned), DX, upright)
    np.testing.assert_allclose(result.normal_error_deg, 17.0, atol=0.2)


def test_edges_shorter_than_the_limit_get_no_fitted_normal():
    # Six facets with a 50 deg corner and one edge 7 % of the longest: only that edge is
    # below the limit (here 5 length units), the rest are fitted as usual.
    facets = FacetSet.from_angles([0, 130, 170, 200, 250, 300], [1.0, 1.1, 1.2, 1.0, 1.15, 1.05])
    unit = wulff_polygon(facets, 0.0)
    result = compare_with_wulff(_polygon_field(unit * 12.0), DX, unit, min_edge_length=5.0)
    short = result.edge_length < 5.0
    assert short.sum() == 1
    assert np.all(np.isnan(result.normal_error_deg[short]))
    assert np.all(np.isfinite(result.normal_error_deg[~short]))
    assert result.max_normal_error_deg < 0.5
    np.testing.assert_allclose(result.edge_length.sum(), np.linalg.norm(np.roll(result.polygon, -1, axis=0) - result.polygon, axis=1).sum())


def test_hausdorff_distance_of_offset_squares():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert hausdorff_distance(square, square + [0.3, 0.0], spacing=1e-3) == pytest.approx(0.3, abs=1e-3)
    inner = (square - 0.5) * 0.5 + 0.5
    assert hausdorff_distance(square, inner, spacing=1e-3) == pytest.approx(np.sqrt(2) * 0.25, abs=1e-3)


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="eta_2d"):
        contour(np.zeros(5), DX)
    with pytest.raises(ValueError, match="dx"):
        contour(_disc(), 0.0)
    with pytest.raises(ValueError, match="eta_2d"):
        compare_with_wulff(np.zeros((10, 10)), DX, np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]))
    with pytest.raises(ValueError, match="tol_deg"):
        facet_sharpness(_disc(), DX, [0.0], tol_deg=0.0)


def test_junction_angles_of_an_asymmetric_double_bubble():
    """Three circles through the junctions (x0, y0 +- h), h = 6: A about (x0 - 4, y0), B about
    (x0 + 3, y0), the a/b boundary about (x0 + 20, y0) (it bulges into A); region A is A outside
    that circle, B is B inside it. Hand-derived tangents at the upper junction: a circle about
    (x0 + s, y0) has tangent +-(h, s)/r there, so A leaves along (-6, 4)/sqrt(52), B along
    (6, 3)/sqrt(45), the boundary along (-6, -20)/sqrt(436). Within 0.2 degrees on a 0.25 grid with a
    unit-width tanh profile (measured 0.03 degrees; the exact arcs, not the method, set the reference)."""
    x0, y0, h = 20.0, 15.0, 6.0
    y, x = (np.mgrid[0:120, 0:160] + 0.5) * 0.25
    dA = np.hypot(x - (x0 - 4), y - y0) - np.hypot(4, h)
    dB = np.hypot(x - (x0 + 3), y - y0) - np.hypot(3, h)
    dC = np.hypot(x - (x0 + 20), y - y0) - np.hypot(20, h)
    a = 0.5 * (1 - np.tanh(2 * np.maximum(dA, -dC)))
    b = 0.5 * (1 - np.tanh(2 * np.maximum(dB, dC)))
    tA, tB, tC = np.array([-6, 4]) / np.sqrt(52), np.array([6, 3]) / np.sqrt(45), np.array([-6, -20]) / np.sqrt(436)
    expected = np.degrees(np.arccos([tA @ tC, tB @ tC, tA @ tB]))
    assert expected.sum() == pytest.approx(360.0, abs=1e-9)
    for upper in (True, False):  # mirror images
        measured = junction_angles(a, b, 0.25, exclude=1.5, upper=upper)
        assert np.abs(np.array(measured) - expected).max() < 0.2, (upper, measured, expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_circle_matches_the_geometric_fit_on_a_short_noisy_arc(seed):
    """A 40-degree arc with noise of 1 % of its radius: the algebraic fit lands within 1e-3 of
    the radius of scipy's orthogonal-distance (geometric) fit, an independent minimisation
    (Pratt's fit approximates it to second order in the noise), and a line is refused."""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(seed)
    centre, radius = rng.uniform(-5, 5, 2), rng.uniform(3, 20)
    t = rng.uniform(0, 2 * np.pi) + np.linspace(0, np.radians(40), 60)
    pts = centre + radius * np.stack([np.cos(t), np.sin(t)], axis=1) + rng.normal(0, 0.01 * radius, (60, 2))
    geometric = least_squares(lambda q: np.hypot(*(pts - q[:2]).T) - q[2], x0=[*pts.mean(axis=0), 1.0] + np.r_[0, 0, radius]).x
    got_centre, got_radius = fit_circle(pts)
    assert got_radius == pytest.approx(geometric[2], rel=1e-3)
    np.testing.assert_allclose(got_centre, geometric[:2], atol=1e-3 * radius)
    with pytest.raises(ValueError, match="lie on a line"):
        fit_circle(np.stack([np.arange(6.0), 0.5 * np.arange(6.0) - 1], axis=1))

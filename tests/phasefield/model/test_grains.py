"""Initial shapes: the signed distance of a convex Polygon and the grain it paints.

Independent references: scipy's convex hull (the polygon and its area), matplotlib's
point-in-polygon test and a brute-force point-to-segment distance (the signed distance),
and a hand integral of the painted profile (the area it adds).
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path
from scipy.spatial import ConvexHull

from phasefield import Grain, Microstructure, Polygon
from phasefield.model.grains import build_fields


@pytest.fixture(scope="module")
def random_polygon():
    """A convex 7-gon (hull of 9 random points, counter-clockwise as scipy gives 2D hulls) around (15, 15) nm."""
    points = np.random.default_rng(3).uniform(-6.0, 6.0, size=(9, 2))
    hull = ConvexHull(points)
    vertices = points[hull.vertices] + 15.0
    return Polygon(tuple(map(tuple, vertices))), vertices, hull.volume


def _segment_distances(points: np.ndarray, vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each point to each edge (edges, points) and the position along it in [0, 1]."""
    distances, positions = [], []
    for a, b in zip(vertices, np.roll(vertices, -1, axis=0)):
        t = np.clip(((points - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
        distances.append(np.linalg.norm(points - (a + t[:, None] * (b - a)), axis=1))
        positions.append(t)
    return np.array(distances), np.array(positions)


def test_polygon_distance_is_the_signed_distance_inside_and_along_edges_and_a_lower_bound_at_corners(random_polygon):
    """Inside: minus the distance to the boundary; outside, where the nearest boundary point lies
    inside an edge: the distance; outside a corner: at most the distance (the max over
    half-planes, as the class documents). Rounding: 1e-12 nm."""
    polygon, vertices, _ = random_polygon
    points = np.random.default_rng(4).uniform(0.0, 30.0, size=(20000, 2))
    distances, positions = _segment_distances(points, vertices)
    inside = Path(vertices).contains_points(points)
    true = np.where(inside, -distances.min(axis=0), distances.min(axis=0))
    nearest = distances.argmin(axis=0)
    along_edge = ~inside & (0.0 < positions[nearest, np.arange(len(points))]) & (positions[nearest, np.arange(len(points))] < 1.0)
    corner = ~inside & ~along_edge
    d = polygon.distance(points.T)
    assert inside.sum() > 500 and along_edge.sum() > 500 and corner.sum() > 500  # every region sampled
    np.testing.assert_allclose(d[inside], true[inside], atol=1e-12)
    np.testing.assert_allclose(d[along_edge], true[along_edge], atol=1e-12)
    assert (d[corner] <= true[corner] + 1e-12).all()
    assert (d[corner] < true[corner] - 0.1).any()  # a lower bound, not the distance, there


def test_a_painted_polygon_holds_its_area_plus_the_corner_term_of_its_profile(random_polygon):
    """The grain's integral of eta = (1 - tanh(2 d / l)) / 2 is the polygon's area (scipy) plus
    K pi^2 l^2 / 48: the level set d = c of the half-plane distance is the mitred offset polygon of
    area A + P c + K c^2 (K = sum over corners of cot(interior angle / 2)), and -d eta/dc is a
    logistic density of scale l/4, mean 0 and variance pi^2 l^2 / 48. Tolerance 1e-3: the inset
    polygons lose their short edges a few nm in, where the formula stops holding (measured 7e-5 at
    dx = 0.25 nm, the same at 0.125); exact distances (round corners, pi c^2 outside) would give
    0.7 % less, no corner term 6 % less."""
    polygon, vertices, area = random_polygon
    width, dx = 2.0, 0.25
    x = (np.arange(int(30.0 / dx)) + 0.5) * dx
    X, Y = np.meshgrid(x, x)
    eta, _ = build_fields(Microstructure(grains=(Grain("NVP"),), shapes=(polygon,)), np.stack([X.ravel(), Y.ravel()]), width)
    edges = np.roll(vertices, -1, axis=0) - vertices
    incoming, outgoing = -np.roll(edges, 1, axis=0), edges
    interior = np.arccos((incoming * outgoing).sum(axis=1) / np.linalg.norm(incoming, axis=1) / np.linalg.norm(outgoing, axis=1))
    corner_term = (1.0 / np.tan(interior / 2)).sum() * np.pi**2 * width**2 / 48
    assert eta[1].sum() * dx**2 == pytest.approx(area + corner_term, rel=1e-3)

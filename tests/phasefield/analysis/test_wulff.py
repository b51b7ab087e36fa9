"""Tests of the Wulff construction, exact (facet sets) and sampled (any gamma)."""

import itertools

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from phasefield.model.anisotropy import FacetSet, gamma
from phasefield.model.orientation import rotation_matrix
from phasefield.analysis.shape import hausdorff_distance
from phasefield.analysis.wulff import (
    enclosed_measure,
    facet_areas,
    facets_on_shape,
    scale_to_measure,
    wulff_from_gamma,
    wulff_polygon,
    wulff_polyhedron,
)

# Exact constructions are compared at 1e-12 (pure floating-point geometry).


def _signed_area(v: np.ndarray) -> float:
    x, y = v.T
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _same_vertex_set(a: np.ndarray, b: np.ndarray, atol: float = 1e-12) -> bool:
    dist = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    return len(a) == len(b) and bool(np.all(dist.min(axis=1) < atol) and np.all(dist.min(axis=0) < atol))


def _dual_hull_polygon(angles_deg, energies, orientation_deg):
    """Independent 2D Wulff polygon: polar duality.

    A facet is on the Wulff shape iff m_k/gamma_k is a vertex of the convex hull of all
    m_k/gamma_k; consecutive hull vertices a, b give the Wulff vertex x with x.m_a = gamma_a,
    x.m_b = gamma_b.
    """
    theta = np.radians(np.asarray(angles_deg, float) + orientation_deg)
    e = np.asarray(energies, float) / min(energies)
    m = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    hull = ConvexHull(m / e[:, None])
    order = hull.vertices  # counter-clockwise
    vertices = []
    for a, b in zip(order, np.roll(order, -1)):
        vertices.append(np.linalg.solve(np.array([m[a], m[b]]), np.array([e[a], e[b]])))
    return np.array(vertices), sorted(int(k) for k in order)


def test_square_facets_give_a_square_at_the_facet_distance():
    square = FacetSet.from_angles([0, 90, 180, 270], [3.0] * 4)  # normalized to 1
    vertices = wulff_polygon(square, orientation_deg=30.0)
    expected = (rotation_matrix(30.0, 2) @ np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]]).T).T
    assert _same_vertex_set(vertices, expected)
    assert enclosed_measure(vertices) == pytest.approx(4.0, rel=1e-12)
    assert _signed_area(vertices) > 0  # counter-clockwise


def test_regular_hexagon_has_circumradius_two_over_root_three():
    hexagon = FacetSet.from_angles(range(0, 360, 60), [1.0] * 6)
    vertices = wulff_polygon(hexagon)
    np.testing.assert_allclose(np.linalg.norm(vertices, axis=1), 2 / np.sqrt(3), rtol=1e-12)
    np.testing.assert_allclose(np.degrees(np.arctan2(vertices[:, 1], vertices[:, 0])) % 60, 30.0, atol=1e-9)
    assert enclosed_measure(vertices) == pytest.approx(2 * np.sqrt(3), rel=1e-12)
    np.testing.assert_allclose(facet_areas(hexagon), 2 / np.sqrt(3), rtol=1e-12)


def test_uneven_rotated_rectangle_matches_hand_construction_and_dual_hull():
    # Energies 1, 1.3, 1, 1.3 at 0/90/180/270 deg: a 2 x 2.6 rectangle, turned by 17 deg.
    angles, energies = [0, 90, 180, 270], [1.0, 1.3, 1.0, 1.3]
    vertices = wulff_polygon(FacetSet.from_angles(angles, energies), orientation_deg=17.0)
    by_hand = (rotation_matrix(17.0, 2) @ np.array([[1, 1.3], [-1, 1.3], [-1, -1.3], [1, -1.3]]).T).T
    assert _same_vertex_set(vertices, by_hand)
    dual, _ = _dual_hull_polygon(angles, energies, 17.0)
    assert _same_vertex_set(vertices, dual)


@pytest.mark.parametrize("seed", range(5))
def test_random_facet_set_matches_dual_hull_including_dropped_facets(seed):
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 360, 9))
    angles = np.concatenate([angles, [0.0, 120.0, 240.0]])  # keep the shape bounded
    energies = rng.uniform(1.0, 1.6, len(angles))
    facets = FacetSet.from_angles(angles, energies)
    orientation = float(rng.uniform(0, 360))
    dual, on_shape = _dual_hull_polygon(angles, energies, orientation)
    assert _same_vertex_set(wulff_polygon(facets, orientation), dual, atol=1e-10)
    assert list(facets_on_shape(facets)) == on_shape


def test_high_energy_facet_drops_out_and_lower_one_cuts_the_corner():
    # Diagonal facets at energy 2 miss the unit square (corner at distance sqrt 2).
    dropped = FacetSet.from_angles(range(0, 360, 45), [1.0, 2.0] * 4)
    assert facets_on_shape(dropped) == (0, 2, 4, 6)
    assert enclosed_measure(wulff_polygon(dropped)) == pytest.approx(4.0, rel=1e-12)
    # At energy 1.3 < sqrt 2 each corner is cut by a chord of length 2 (sqrt 2 - 1.3).
    cut = FacetSet.from_angles(range(0, 360, 45), [1.0, 1.3] * 4)
    np.testing.assert_allclose(facet_areas(cut)[1::2], 2 * (np.sqrt(2) - 1.3), rtol=1e-12)
    np.testing.assert_allclose(facet_areas(cut)[0::2], 2 - 2 * np.sqrt(2) * (np.sqrt(2) - 1.3), rtol=1e-12)


@pytest.mark.parametrize("name", ["hexagon", "rectangle"])
def test_sampled_wulff_shape_of_regularized_gamma_approaches_exact_polygon(name):
    # The regularized gamma's corners sit at 2^(-1/p) of the exact vertices (one active
    # vertex), so the Hausdorff distance should be R_max (1 - 2^(-1/p)) and fall like ln2/p.
    # Sampling 7200 half-planes adds < 1e-6 R; tolerance 1e-4 R_max.
    if name == "hexagon":
        angles, energies, orientation = [17 + 60 * k for k in range(6)], [1.0, 1.15] * 3, 0.0
    else:
        angles, energies, orientation = [0, 90, 180, 270], [1.0, 1.3, 1.0, 1.3], 17.0
    exact = wulff_polygon(FacetSet.from_angles(angles, energies), orientation)
    r_max = np.linalg.norm(exact, axis=1).max()
    distances = []
    for p in (20.0, 50.0, 200.0):
        facets = FacetSet.from_angles(angles, energies, sharpness=p)
        sampled = wulff_from_gamma(lambda n, f=facets: gamma(f, n, orientation), 2, 7200)
        distance = hausdorff_distance(sampled, exact, spacing=1e-4)
        assert distance == pytest.approx(r_max * (1 - 2 ** (-1 / p)), abs=1e-4 * r_max)
        assert enclosed_measure(sampled) < enclosed_measure(exact)
        distances.append(distance)
    assert distances[0] > distances[1] > distances[2]


def test_sampled_wulff_shape_of_isotropic_gamma_is_circle_and_sphere():
    circle = wulff_from_gamma(lambda n: gamma(None, n), 2, 3600)
    # Envelope of 3600 tangents: vertices at 1/cos(pi/3600) = 1 + 3.8e-7.
    np.testing.assert_allclose(np.linalg.norm(circle, axis=1), 1.0, atol=1e-6)
    sphere = wulff_from_gamma(lambda n: gamma(None, n), 3, 4000)
    # Fibonacci spacing ~ sqrt(4 pi / 4000) = 0.056 rad: vertices within ~1.5e-3 of 1.
    np.testing.assert_allclose(np.linalg.norm(sphere, axis=1), 1.0, atol=3e-3)
    assert enclosed_measure(sphere) == pytest.approx(4 * np.pi / 3, rel=3e-3)


def _cubic(e111):
    """{100} at energy 1 plus, unless e111 is None, {111} at energy e111."""
    n100 = [v for v in itertools.product([-1, 0, 1], repeat=3) if sum(map(abs, v)) == 1]
    n111 = list(itertools.product([-1, 1], repeat=3)) if e111 else []
    normals = tuple(tuple(map(float, v)) for v in n100 + n111)
    return FacetSet(normals, (1.0,) * 6 + (e111,) * len(n111))


@pytest.mark.parametrize("e111", [None, 1.1, 1.5, 1.8])
@pytest.mark.filterwarnings("ignore::DeprecationWarning:spglib.*")  # raised inside pymatgen
def test_polyhedron_matches_pymatgen_wulff_shape_for_cubic_100_111(e111):
    # pymatgen builds its shape independently (dual hull of Miller-index planes expanded by
    # the cubic point group).  e111 = 1.8 > sqrt 3 drops {111} out: a cube again.
    pymatgen_wulff = pytest.importorskip("pymatgen.analysis.wulff")
    from pymatgen.core import Lattice

    miller = [(1, 0, 0)] + ([(1, 1, 1)] if e111 else [])
    energies = [1.0] + ([e111] if e111 else [])
    reference = pymatgen_wulff.WulffShape(Lattice.cubic(1.0), miller, energies)
    facets = _cubic(e111)
    hull = wulff_polyhedron(facets, rotation=None)
    assert hull.volume == pytest.approx(reference.volume, rel=1e-9)
    assert hull.area == pytest.approx(reference.surface_area, rel=1e-9)
    areas = facet_areas(facets)
    assert areas.sum() == pytest.approx(reference.surface_area, rel=1e-9)
    assert areas[:6].sum() / areas.sum() == pytest.approx(reference.area_fraction_dict[(1, 0, 0)], rel=1e-9)


def test_polyhedron_rotates_with_the_grain():
    facets = _cubic(1.1)
    angle = np.radians(25.0)
    r = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
    rotated = wulff_polyhedron(facets, r)
    assert _same_vertex_set(rotated.points, wulff_polyhedron(facets).points @ r.T, atol=1e-12)
    assert rotated.volume == pytest.approx(wulff_polyhedron(facets).volume, rel=1e-12)


def test_scaling_to_a_given_area_and_volume():
    square = wulff_polygon(FacetSet.from_angles([0, 90, 180, 270], [1.0] * 4))
    assert enclosed_measure(scale_to_measure(square, 100.0)) == pytest.approx(100.0, rel=1e-12)
    cube = wulff_polyhedron(_cubic(1.1)).points
    assert enclosed_measure(scale_to_measure(cube, 1.0)) == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(ValueError, match="target"):
        scale_to_measure(square, -1.0)


def test_wrong_dimension_is_rejected():
    with pytest.raises(ValueError, match="facets"):
        wulff_polyhedron(FacetSet.from_angles([0, 120, 240], [1.0] * 3))
    with pytest.raises(ValueError, match="facets"):
        wulff_polygon(_cubic(1.1))

"""Tests of the regularized facet anisotropy gamma(n) and its FiPy diffusion tensor."""

import itertools

import numpy as np
import pytest

from phasefield.model.anisotropy import (
    FacetSet,
    gamma,
    gamma_gradient,
    gamma_gradient_and_axis_stiffness,
    max_flux_stiffness,
    stiffness,
)
from phasefield.model.orientation import rotation_matrix

HEXAGON_UNEVEN = FacetSet.from_angles([17 + 60 * k for k in range(6)], [1.0, 1.15] * 3)
RECTANGLE = FacetSet.from_angles([0, 90, 180, 270], [1.0, 1.3, 1.0, 1.3])
# 12 facets 30 deg apart with alternating energies: non-adjacent Wulff vertices project
# positively on each facet normal, so the exactness solve has something to correct.
DODECAGON = FacetSet.from_angles(range(0, 360, 30), [1.0, 1.02] * 6, sharpness=20)


def _cubic(e111: float, sharpness: float = 50.0) -> FacetSet:
    n100 = [v for v in itertools.product([-1, 0, 1], repeat=3) if sum(map(abs, v)) == 1]
    n111 = list(itertools.product([-1, 1], repeat=3))
    normals = tuple(tuple(map(float, v)) for v in n100 + n111)
    return FacetSet(normals, (1.0,) * 6 + (e111,) * 8, sharpness)


def _random_3d(seed: int, count: int = 16) -> FacetSet:
    rng = np.random.default_rng(seed)
    normals = rng.normal(size=(count, 3))
    energies = rng.uniform(1.0, 1.4, size=count)
    return FacetSet(tuple(map(tuple, normals)), tuple(energies), sharpness=60)


def _random_rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def _unit_circle(count: int) -> np.ndarray:
    theta = np.linspace(0, 2 * np.pi, count, endpoint=False)
    return np.stack([np.cos(theta), np.sin(theta)])


def _on_shape(facets: FacetSet) -> np.ndarray:
    return np.array([len(idx) > 0 for idx in facets.polytope[1]])


# --- facet values -----------------------------------------------------------------------------
# Tolerance 1e-12 relative: gamma(m_k) = gamma_k holds exactly by construction (linear solve),
# so only rounding remains.


@pytest.mark.parametrize("facets", [HEXAGON_UNEVEN, RECTANGLE, DODECAGON], ids=["hex", "rect", "12"])
@pytest.mark.parametrize("sharpness", [10.0, 50.0, 200.0])
def test_gamma_at_facet_normals_equals_facet_energies_2d(facets, sharpness):
    facets = FacetSet(facets.normals, facets.energies, sharpness)
    values = gamma(facets, facets.normal_array.T)
    np.testing.assert_allclose(values, facets.energy_array, rtol=1e-12)


@pytest.mark.parametrize(
    "facets",
    [_cubic(1.1), _cubic(1.5), _cubic(1.1, sharpness=200), _random_3d(0), _random_3d(1)],
    ids=["cubic-1.1", "cubic-1.5", "cubic-p200", "random0", "random1"],
)
def test_gamma_at_facet_normals_equals_facet_energies_3d(facets):
    # 3D facets have 3-8 vertices; the centroid generators make the facet value exact anyway.
    on = _on_shape(facets)
    values = gamma(facets, facets.normal_array[on].T)
    np.testing.assert_allclose(values, facets.energy_array[on], rtol=1e-12)


def test_short_edges_fall_back_to_least_squares_with_a_warning(caplog):
    # Seed 12 has nearly coplanar neighbouring vertices (ratio 0.998 to a facet plane): no
    # exact non-negative weights at p = 20.  The refit must stay within the documented 1.7 %
    # and say so; at p = 200 the same set is matched to 1e-12 without a warning.
    rng = np.random.default_rng(12)
    normals, energies = rng.normal(size=(16, 3)), rng.uniform(1.0, 1.4, size=16)
    with caplog.at_level("WARNING", logger="phasefield.model.anisotropy"):
        rough = FacetSet(tuple(map(tuple, normals)), tuple(energies), sharpness=20)
        values = gamma(rough, rough.normal_array[_on_shape(rough)].T)
    assert "not exactly" in caplog.text
    np.testing.assert_allclose(values, rough.energy_array[_on_shape(rough)], rtol=0.017)
    caplog.clear()
    with caplog.at_level("WARNING", logger="phasefield.model.anisotropy"):
        sharp = FacetSet(tuple(map(tuple, normals)), tuple(energies), sharpness=200)
        values = gamma(sharp, sharp.normal_array[_on_shape(sharp)].T)
    assert caplog.text == ""
    np.testing.assert_allclose(values, sharp.energy_array[_on_shape(sharp)], rtol=1e-12)


def test_facet_absent_from_wulff_shape_gets_the_convexified_corner_value():
    # Diagonal facets at energy 2 miss the unit square (corner distance sqrt 2): gamma there is
    # the regularized support function of the corner vertex alone, 2^(-1/p) sqrt(2).
    p = 50.0
    octagon = FacetSet.from_angles(range(0, 360, 45), [1.0, 2.0] * 4, sharpness=p)
    value = gamma(octagon, np.array([1.0, 1.0]) / np.sqrt(2))
    assert value == pytest.approx(2 ** (-1 / p) * np.sqrt(2), rel=1e-12)


def test_energies_are_normalized_to_lowest_facet_and_round_trip():
    facets = FacetSet.from_angles([0, 120, 240], [2.0, 3.0, 4.0], sharpness=30)
    assert facets.energies == pytest.approx((1.0, 1.5, 2.0), rel=1e-15)
    assert FacetSet(facets.normals, facets.energies, facets.sharpness) == facets
    assert hash(facets) == hash(FacetSet(facets.normals, facets.energies, facets.sharpness))


def test_isotropic_gamma_is_one():
    n = _unit_circle(7)
    np.testing.assert_allclose(gamma(None, n), 1.0, rtol=1e-15)
    np.testing.assert_allclose(gamma_gradient(None, 3 * n), n, rtol=1e-15)


# --- convexity / stiffness --------------------------------------------------------------------


@pytest.mark.parametrize("facets", [HEXAGON_UNEVEN, RECTANGLE, DODECAGON], ids=["hex", "rect", "12"])
def test_stiffness_is_non_negative_over_a_dense_sweep_2d(facets):
    # Convexity gives gamma + gamma'' >= 0; allow 1e-9 of the largest value for rounding.
    s = stiffness(facets, _unit_circle(20000), rotation=23.0)[0]
    assert s.min() >= -1e-9 * s.max()


def test_stiffness_matches_finite_difference_of_gamma_of_theta():
    # Independent check of the analytic Hessian: gamma + d^2gamma/dtheta^2 by centred
    # differences, h = 1e-4 rad; truncation error h^2 gamma''''/12 stays below 1e-5 relative.
    theta = np.linspace(0.01, 2 * np.pi, 37)
    h = 1e-4

    def g(t):
        return gamma(HEXAGON_UNEVEN, np.stack([np.cos(t), np.sin(t)]))

    fd = g(theta) + (g(theta + h) - 2 * g(theta) + g(theta - h)) / h**2
    analytic = stiffness(HEXAGON_UNEVEN, np.stack([np.cos(theta), np.sin(theta)]))[0]
    np.testing.assert_allclose(analytic, fd, rtol=1e-5, atol=1e-5 * np.abs(fd).max())


@pytest.mark.parametrize("facets", [_cubic(1.1), _cubic(1.5), _random_3d(2)], ids=["c1.1", "c1.5", "rnd"])
def test_stiffness_tensor_is_positive_semidefinite_3d(facets):
    directions = np.random.default_rng(3).normal(size=(3, 20000))
    s = stiffness(facets, directions)
    assert s.min() >= -1e-9 * s.max()


@pytest.mark.parametrize("sharpness", [20.0, 50.0])
def test_stiffness_at_a_facet_normal_is_p_minus_one_times_length_squared_over_four_gamma(sharpness):
    # By hand: at m_k only the edge's two vertices are active, with tangential coordinates
    # differing by the facet length L, so gamma + gamma'' = (p - 1) L^2 / (4 gamma_k).
    # Rectangle 2 x 2.6: the x facets (gamma 1) have L = 2.6, the y facets (gamma 1.3) L = 2.
    facets = FacetSet(RECTANGLE.normals, RECTANGLE.energies, sharpness)
    values = stiffness(facets, facets.normal_array.T)[0]
    expected = (sharpness - 1) * np.array([2.6, 2.0, 2.6, 2.0]) ** 2 / (4 * facets.energy_array)
    np.testing.assert_allclose(values, expected, rtol=1e-9)
    # The flux Lipschitz bound is the largest gamma * stiffness (gamma = 1 facets).
    assert max_flux_stiffness(facets) == pytest.approx(expected.max(), rel=1e-9)
    assert max_flux_stiffness(None) == 1.0


def test_midpoint_convexity_of_gamma_3d():
    # Independent of the Hessian code: Gamma((a + b)/2) <= (Gamma(a) + Gamma(b))/2.
    facets = _random_3d(4)
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3, 20000))
    lhs = gamma(facets, (a + b) / 2)
    rhs = (gamma(facets, a) + gamma(facets, b)) / 2
    assert np.all(lhs <= rhs * (1 + 1e-12))


def test_regularized_gamma_stays_below_the_support_function_and_converges_3d():
    # Gamma <= h_W (Wulff shape inside the exact polyhedron); the largest gap is the corner
    # pull-in w_min^(1/p), which tends to 0 as p grows.
    directions = np.random.default_rng(6).normal(size=(3, 50000))
    gaps = []
    for p in (20.0, 50.0, 200.0):
        facets = _cubic(1.5, sharpness=p)
        support = (facets.polytope[0] @ directions).max(axis=0)
        ratio = gamma(facets, directions) / support
        assert ratio.max() <= 1 + 1e-12
        weights = facets.generators[1]
        assert ratio.min() >= weights[weights > 0].min() ** (1 / p) - 1e-12
        gaps.append(1 - ratio.min())
    assert gaps[0] > gaps[1] > gaps[2]


# --- homogeneity, rotation, derivatives -------------------------------------------------------


@pytest.mark.parametrize(
    ("facets", "rotation"),
    [
        (HEXAGON_UNEVEN, 31.0),
        (FacetSet.from_angles([5, 80, 150, 230, 300], [1.0, 1.2, 1.1, 1.3, 1.05], sharpness=17.5), -12.0),
        (_random_3d(4), _random_rotation(5)),
        (_cubic(1.1, sharpness=33.3), None),
    ],
    ids=["hex-p20", "pentagon-p17.5", "3d-random-p60", "3d-cubic-p33.3"],
)
def test_gamma_is_the_weighted_power_mean_of_the_generator_projections(facets, rotation):
    """Gamma(p) = (sum_g x_g max(u_g . p, 0)^p)^(1/p) over the (rotated) generators, written out
    here with NumPy powers, against the compiled kernel (which divides by the largest projection
    and takes whole powers by repeated squaring); random vectors of random length, whole and
    fractional sharpness. Tolerance 1e-12 relative: both are rounding of the same sum (p terms of
    relative error 1e-16 each, p <= 60)."""
    rng = np.random.default_rng(8)
    p_vec = rng.normal(size=(facets.dim, 500)) * rng.uniform(0.1, 10.0, size=500)
    points, weights = facets.generators
    matrix = rotation_matrix(rotation, facets.dim)
    projections = np.maximum((points @ matrix.T) @ p_vec, 0.0)
    expected = (weights @ projections**facets.sharpness) ** (1.0 / facets.sharpness)
    np.testing.assert_allclose(gamma(facets, p_vec, rotation), expected, rtol=1e-12)
    assert gamma(facets, np.zeros(facets.dim), rotation) == 0.0
    np.testing.assert_array_equal(gamma_gradient(facets, np.zeros(facets.dim), rotation), 0.0)


def test_gamma_is_one_homogeneous_and_its_gradient_zero_homogeneous():
    p = np.random.default_rng(7).normal(size=(2, 100))
    for scale in (1e-3, 0.5, 7.0):
        np.testing.assert_allclose(
            gamma(HEXAGON_UNEVEN, scale * p), scale * gamma(HEXAGON_UNEVEN, p), rtol=1e-13
        )
        np.testing.assert_allclose(
            gamma_gradient(HEXAGON_UNEVEN, scale * p), gamma_gradient(HEXAGON_UNEVEN, p), rtol=1e-12
        )


def test_rotated_grain_at_rotated_normal_has_the_unrotated_energy_2d():
    n = _unit_circle(360)
    angle = 17.0
    rotated = rotation_matrix(angle, 2) @ n
    np.testing.assert_allclose(gamma(RECTANGLE, rotated, angle), gamma(RECTANGLE, n), rtol=1e-13)
    np.testing.assert_allclose(
        gamma_gradient(RECTANGLE, rotated, angle),
        rotation_matrix(angle, 2) @ gamma_gradient(RECTANGLE, n),
        atol=1e-13,
    )


def test_rotated_grain_at_rotated_normal_has_the_unrotated_energy_3d():
    facets = _cubic(1.1)
    r = _random_rotation(8)
    n = np.random.default_rng(9).normal(size=(3, 500))
    np.testing.assert_allclose(gamma(facets, r @ n, r), gamma(facets, n), rtol=1e-13)


@pytest.mark.parametrize("facets", [HEXAGON_UNEVEN, _random_3d(10)], ids=["2d", "3d"])
def test_gamma_gradient_matches_finite_differences(facets):
    # Centred differences with step 1e-6 |p|: error ~ h^2 |Gamma'''| << 1e-6 relative.
    d = facets.dim
    p = np.random.default_rng(11).normal(size=(d, 40))
    h = 1e-6 * np.linalg.norm(p, axis=0)
    fd = np.stack(
        [(gamma(facets, p + h * e[:, None]) - gamma(facets, p - h * e[:, None])) / (2 * h) for e in np.eye(d)]
    )
    np.testing.assert_allclose(gamma_gradient(facets, p, None), fd, rtol=1e-6, atol=1e-8)


# --- the FiPy tensor D ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facets", "rotation"),
    [(HEXAGON_UNEVEN, 31.0), (RECTANGLE, 17.0), (_random_3d(12), _random_rotation(13)), (_cubic(1.1), None)],
    ids=["hex", "rect", "3d-random", "3d-cubic"],
)
def test_axis_stiffness_is_the_second_derivative_of_half_gamma_squared_along_the_axis(facets, rotation):
    """e^T H e, H the Hessian of Psi = Gamma^2 / 2 at unit normals (the local stiffness the sweeps take
    implicitly, ``facet_local_stiffness``), against the central second difference of Psi(n + h e)
    computed from :func:`gamma` alone; random normals and unit axes, uneven and 3D facet sets.
    Tolerance 1e-5 of the largest value: the difference's truncation (h^2 / 12 times the fourth
    derivative, ~p^3 at sharpness p up to 60: h = 1e-4 gives ~1e-6 of ~p) and its rounding
    (1e-16 / h^2 = 1e-8). Along the normal itself H n = Gamma xi gives gamma^2 exactly."""
    rng = np.random.default_rng(21)
    n = rng.normal(size=(facets.dim, 60))
    n /= np.linalg.norm(n, axis=0)
    e = rng.normal(size=n.shape)
    e /= np.linalg.norm(e, axis=0)
    value, xi, h = gamma_gradient_and_axis_stiffness(facets, n, e, rotation)
    step = 1e-4
    psi = lambda v: 0.5 * gamma(facets, v, rotation) ** 2  # noqa: E731
    expected = (psi(n + step * e) - 2.0 * psi(n) + psi(n - step * e)) / step**2
    assert np.abs(h - expected).max() <= 1e-5 * np.abs(expected).max()
    np.testing.assert_array_equal(value, gamma(facets, n, rotation))
    np.testing.assert_array_equal(xi, gamma_gradient(facets, n, rotation))
    _, _, along_normal = gamma_gradient_and_axis_stiffness(facets, n, n, rotation)
    np.testing.assert_allclose(along_normal, value**2, rtol=1e-10)


# --- validation -------------------------------------------------------------------------------

SQUARE_NORMALS = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(normals=((1.0, 0.0), (0.0, 1.0)), energies=(1.0, 1.0)), "at least"),
        (dict(normals=((1.0, 0.0), (0.0, 1.0), (0.7, 0.7)), energies=(1.0, 1.0, 1.0)), "half-space"),
        (dict(normals=SQUARE_NORMALS, energies=(1.0, 0.0, 1.0, 1.0)), "energies"),
        (dict(normals=SQUARE_NORMALS, energies=(1.0, np.inf, 1.0, 1.0)), "energies"),
        (dict(normals=((1.0, 0.0), (2.0, 0.0), (-1.0, 1.0), (-1.0, -1.0)), energies=(1.0,) * 4), "duplicate"),
        (dict(normals=((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0)), energies=(1.0, 1.0)), "energies"),
        (dict(normals=SQUARE_NORMALS, energies=(1.0,) * 4, sharpness=1.0), "sharpness"),
        (dict(normals=((1.0, 0, 0), (-1.0, 0, 0), (0, 1.0, 0), (0, -1.0, 0)), energies=(1.0,) * 4), "subspace"),
        (dict(normals=((1.0, 0.0, 0.0, 0.0),) * 5, energies=(1.0,) * 5), "shape"),
    ],
)
def test_invalid_facet_sets_are_rejected_with_the_field_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FacetSet(**kwargs)


def test_invalid_rotations_are_rejected():
    with pytest.raises(ValueError, match="rotation"):
        rotation_matrix(np.eye(2), 2)
    with pytest.raises(ValueError, match="rotation"):
        rotation_matrix(np.diag([1.0, 1.0, -1.0]), 3)
    with pytest.raises(ValueError, match="rotation"):
        rotation_matrix(30.0, 3)
    with pytest.raises(ValueError, match="dimension"):
        gamma(HEXAGON_UNEVEN, np.ones((3, 2)))

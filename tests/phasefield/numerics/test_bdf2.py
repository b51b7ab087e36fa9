"""BDF2's weights, predictor and error share, checked on polynomial solutions where the truth is exact."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield.numerics.bdf2 import error_share, extrapolate, shifted_euler

RNG = np.random.default_rng(20261202)
# unequal steps: ratios 0.2-2 (the controller's range per step), random polynomial coefficients
CASES = [(RNG.uniform(0.05, 1.0), RNG.uniform(0.05, 1.0), RNG.uniform(0.05, 1.0), RNG.normal(size=4)) for _ in range(20)]


def _bdf2_of(y, dy, t0: float, h: float, h1: float) -> float:
    """One BDF2 step of y' = dy(t) from the exact y(t0 - h1), y(t0) to t0 + h."""
    c1, c0, a = shifted_euler(h / h1)
    return c1 * y(t0) - c0 * y(t0 - h1) + a * h * dy(t0 + h)


@pytest.mark.parametrize("h, h1, h2, coeff", CASES)
def test_bdf2_is_exact_for_a_quadratic_and_not_for_a_cubic(h, h1, h2, coeff):
    # second order: exact (to round-off) for every quadratic solution, whatever the step ratio
    quad = np.polynomial.Polynomial(coeff[:3])
    assert _bdf2_of(quad, quad.deriv(), 0.3, h, h1) == pytest.approx(quad(0.3 + h), rel=1e-12, abs=1e-12)
    cubic = np.polynomial.Polynomial(coeff)
    assert abs(_bdf2_of(cubic, cubic.deriv(), 0.3, h, h1) - cubic(0.3 + h)) > 1e-6 * abs(coeff[3]) * h**3


@pytest.mark.parametrize("h, h1, h2, coeff", CASES)
def test_the_error_share_of_corrector_minus_predictor_is_the_local_error_of_a_cubic(h, h1, h2, coeff):
    # for a cubic solution y''' is constant, so Milne's device is exact: share x (corrector - predictor)
    # equals the corrector's true error y_c - y(t + h), computed here directly
    y = np.polynomial.Polynomial(coeff)
    t0 = 0.3
    corrector = _bdf2_of(y, y.deriv(), t0, h, h1)
    times = [t0 - h1 - h2, t0 - h1, t0]
    predictor = extrapolate(times, [y(t) for t in times], t0 + h)
    true_error = corrector - y(t0 + h)
    assert error_share(h, h1, h2) * (corrector - predictor) == pytest.approx(true_error, rel=1e-8, abs=1e-13)


@pytest.mark.parametrize("h, h1, h2, coeff", CASES[:5])
def test_extrapolate_matches_numpy_polyfit(h, h1, h2, coeff):
    times = np.array([0.0, h2, h2 + h1])
    values = np.stack([np.polynomial.Polynomial(coeff[:3])(times), np.cos(times)])  # two fields at once
    expected = np.array([np.polyval(np.polyfit(times, v, 2), h2 + h1 + h) for v in values])
    np.testing.assert_allclose(extrapolate(times, list(values.T), h2 + h1 + h), expected, rtol=1e-9)
    line = np.polyval(np.polyfit(times[1:], values[1, 1:], 1), h2 + h1 + h)
    assert extrapolate(times[1:], values[1, 1:], h2 + h1 + h) == pytest.approx(line, rel=1e-9)


@pytest.mark.parametrize("ratio", [0.2, 0.7, 1.0, 1.9])
def test_the_shifted_start_keeps_a_conserved_total(ratio):
    c1, c0, _ = shifted_euler(ratio)
    assert c1 - c0 == pytest.approx(1.0, abs=1e-15)

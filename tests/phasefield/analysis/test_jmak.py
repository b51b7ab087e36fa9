"""JMAK references: the Avrami fit, the half time, and the bounded-box Kolmogorov fraction
against an independent Monte Carlo of Poisson nuclei."""

import numpy as np
import pytest

from phasefield.analysis.jmak import avrami_exponent, fraction_in_box, half_time


def test_avrami_fit_and_half_time_of_exact_curves():
    t = np.linspace(0.05, 4.0, 200)
    for n, k in ((2.0, 0.4), (3.0, 0.1)):
        X = 1 - np.exp(-k * t**n)
        assert avrami_exponent(t, X) == pytest.approx(n, abs=1e-9)
        assert half_time(t, X) == pytest.approx((np.log(2) / k) ** (1 / n), rel=1e-3)
    # a shifted origin: growth from a finite seed
    X = 1 - np.exp(-0.1 * (t + 0.3) ** 3)
    assert avrami_exponent(t, X, origin_s=-0.3) == pytest.approx(3.0, abs=1e-9)


def _monte_carlo(box, radius, n_per_nm2, rate, t, draws, rng, spacing=0.25):
    """Mean covered fraction of the box by discs of Poisson nuclei drawn uniformly in it
    (site saturation: N at t = 0; rate: birth times uniform in [0, t]), rasterized."""
    y, x = (np.mgrid[0 : int(box[1] / spacing), 0 : int(box[0] / spacing)] + 0.5) * spacing
    covered = []
    for _ in range(draws):
        k0 = rng.poisson(n_per_nm2 * box[0] * box[1])
        k1 = rng.poisson(rate * t * box[0] * box[1])
        ages = np.concatenate([np.full(k0, t), rng.uniform(0.0, t, k1)])
        cx, cy = rng.uniform(0, box[0], ages.size), rng.uniform(0, box[1], ages.size)
        mask = np.zeros_like(x, dtype=bool)
        for a, px, py in zip(ages, cx, cy):
            mask |= np.hypot(x - px, y - py) <= radius(a)
        covered.append(mask.mean())
    return np.mean(covered), np.std(covered) / np.sqrt(draws)


@pytest.mark.parametrize("case", ["site saturation", "constant rate"])
def test_fraction_in_a_box_matches_a_monte_carlo_of_poisson_nuclei(case):
    """20 x 12 nm box, r = 1 + 2 a nm: the walls matter (r is up to half the box). Within 4
    standard errors of 300 draws plus 0.005 for the rasterization of the Monte Carlo."""
    box, radius = (20.0, 12.0), lambda a: 1.0 + 2.0 * np.asarray(a)
    kw = {"nuclei_per_nm2": 0.01} if case == "site saturation" else {"rate_per_nm2_s": 0.01}
    t = 1.5
    X = fraction_in_box([t], radius, box, **kw)[0]
    mc, err = _monte_carlo(box, radius, kw.get("nuclei_per_nm2", 0.0), kw.get("rate_per_nm2_s", 0.0), t, 300, np.random.default_rng(3))
    unbounded = 1 - np.exp(-(kw.get("nuclei_per_nm2", 0.0) * np.pi * radius(t) ** 2 + kw.get("rate_per_nm2_s", 0.0) * np.pi * ((1 + 2 * t) ** 3 - 1) / 6))
    assert X == pytest.approx(mc, abs=4 * err + 0.005), (X, mc, err, unbounded)
    assert unbounded - X > 4 * err + 0.005  # the walls' effect is resolved by the check

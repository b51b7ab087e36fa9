"""Held grain measures: the multipliers of the rate and the projection, for touching grains."""

from __future__ import annotations

import numpy as np

from phasefield.model.constraints import grain_measure, hold_measures, measure_gradient, multipliers


def _two_touching_discs(n: int = 48, dx: float = 0.5) -> np.ndarray:
    """Surroundings, two discs sharing a flat boundary at x = 12 nm, and a fixed substrate below
    y = 4 nm, as tanh profiles of width 2 nm, normalised to sum 1: (4, n * n)."""
    y, x = (np.mgrid[0:n, 0:n] + 0.5) * dx
    left = np.maximum(np.hypot(x - 8.0, y - 12.0) - 6.0, x - 12.0)
    right = np.maximum(np.hypot(x - 16.0, y - 12.0) - 5.0, 12.0 - x)
    profile = lambda d: 0.5 * (1.0 - np.tanh(2.0 * d / 2.0))  # noqa: E731
    grains = np.array([np.ones_like(x), profile(left), profile(right), profile(y - 4.0)])
    grains[0] = np.clip(1.0 - grains[1:].sum(axis=0), 0.0, 1.0)
    return (grains / grains.sum(axis=0)).reshape(4, -1)


def test_multipliers_leave_every_held_measure_unchanged_for_overlapping_directions():
    """The defining condition, for random forces and mobilities: the rate of each held measure,
    sum V d_g . L (F + sum lambda d), vanishes (to rounding, 1e-12 of its terms). Per-grain
    multipliers, each solved as if alone, miss it where the directions overlap."""
    rng = np.random.default_rng(7)
    eta = _two_touching_discs()
    held = (1, 2)
    d = np.array([measure_gradient(eta, g) for g in held])
    assert np.abs((d[0] * d[1]).sum(axis=0)).max() > 0.1  # they overlap at the common boundary
    force = rng.normal(size=eta.shape)
    mobility = rng.uniform(0.5, 2.0, size=eta.shape[1])
    volume = np.full(eta.shape[1], 0.25)
    lam = multipliers(force, mobility, d, volume)

    def rates(lams: np.ndarray) -> np.ndarray:
        rate = mobility * (force + np.tensordot(lams, d, axes=1))
        return np.array([(volume * (dg * rate).sum(axis=0)).sum() for dg in d])

    scale = np.array([(volume * mobility * np.abs(dg * force).sum(axis=0)).sum() for dg in d])
    assert np.all(np.abs(rates(lam)) < 1e-12 * scale)
    alone = np.array([multipliers(force, mobility, d[[k]], volume)[0] for k in range(2)])
    assert np.abs(rates(alone)).max() > 1e-3 * scale.max()


def test_a_grain_with_no_interface_gets_no_multiplier():
    eta = _two_touching_discs()
    d = np.array([measure_gradient(eta, 1), np.zeros_like(eta)])
    force = np.random.default_rng(3).normal(size=eta.shape)
    lam = multipliers(force, np.ones(eta.shape[1]), d, np.ones(eta.shape[1]))
    assert np.isfinite(lam).all() and lam[1] == 0.0


def test_hold_measures_restores_two_touching_grains_at_once_and_leaves_fixed_grains():
    """Both discs shrunk (eta scaled by 0.9 in their interfaces) come back to their measures within
    the 1e-10 tolerance; the fixed substrate's order parameter is untouched bit for bit. Restoring
    one grain after the other, as for separate grains, leaves the first off by more than 1e-4."""
    eta = _two_touching_discs()
    targets = {g: grain_measure(eta, g, 0.25) for g in (1, 2)}
    shrunk = eta.copy()
    shrunk[1:3] *= 0.9
    shrunk[0] = 1.0 - shrunk[1:].sum(axis=0)
    movable = np.array([True, True, True, False])
    held = hold_measures(shrunk, targets, 0.25, movable=movable)
    for g, target in targets.items():
        assert abs(grain_measure(held, g, 0.25) - target) <= 1e-10 * target
    np.testing.assert_array_equal(held[3], shrunk[3])
    one_by_one = shrunk
    for g, target in targets.items():
        one_by_one = hold_measures(one_by_one, {g: target}, 0.25, movable=movable)
    assert abs(grain_measure(one_by_one, 1, 0.25) - targets[1]) > 1e-4 * targets[1]


def test_a_held_grain_that_has_vanished_does_not_stop_the_others():
    """A held grain with no cells left (no interface to move) is skipped; the other is restored."""
    eta = _two_touching_discs()
    targets = {1: grain_measure(eta, 1, 0.25), 2: 10.0}
    eta[0] += eta[2]
    eta[2] = 0.0
    shrunk = eta.copy()
    shrunk[1] *= 0.9
    shrunk[0] = 1.0 - shrunk[1:].sum(axis=0)
    held = hold_measures(shrunk, targets, 0.25)
    assert abs(grain_measure(held, 1, 0.25) - targets[1]) <= 1e-10 * targets[1]
    np.testing.assert_array_equal(held[2], 0.0)

"""Constant grain area (2D) or volume (3D): a discrete Lagrange multiplier.

The Wulff shape is the minimum of the interface energy at fixed area, so
relaxing a particle towards it needs the area held fixed. After every accepted
step all order parameters are moved along the gradient of the constraint,
eta_j += lambda d h_g / d eta_j with h_g = eta_g^2 / sum(eta^2) (non-zero only
inside the grain's interfaces), and lambda is found by Newton iteration on the
grain's measure sum(h_g) dV against the target fixed at the start of the run
(so errors do not accumulate). The multiplier itself acts inside each solve
(:func:`multiplier`, the volume-preserving Allen-Cahn multiplier of Rubinstein
& Sternberg, IMA J. Appl. Math. 48 (1992) 249, in discrete form): a projection
alone lets the interface flow shrink the particle and pushes it back along the
constraint gradient, which was measured to stall the relaxation of an uneven
facet set near a square; the projection only removes the small remaining drift.
A direction that is not the constraint's gradient (say eta (1 - eta)) moves
anisotropic boundaries by an amount that depends on their profile width,
gamma(n), and was measured to raise the energy.
"""

from __future__ import annotations

import numpy as np


def grain_measure(eta: np.ndarray, grain: int, cell_measure: float) -> float:
    """Area (2D) or volume (3D) of a grain: sum of eta_g^2 / sum_j eta_j^2 over cells."""
    e2 = eta**2
    return float((e2[grain] / np.maximum(e2.sum(axis=0), 1e-12)).sum() * cell_measure)


def hold_measure(
    eta: np.ndarray, grain: int, target: float, cell_measure: float, movable: np.ndarray | None = None, tolerance: float = 1e-10
) -> np.ndarray:
    """Return eta with ``grain``'s measure moved back to ``target``.

    Parameters
    ----------
    eta
        Order parameters, (grains, cells).
    grain
        Index of the constrained grain.
    target
        Its measure to restore (same units as ``cell_measure`` x cells).
    cell_measure
        Area or volume of one cell.
    movable
        Boolean per grain: the grains that may change (a fixed substrate may not); default all.
    tolerance
        Relative accuracy of the restored measure.
    """
    direction = measure_gradient(eta, grain)
    if movable is not None:
        direction[~np.asarray(movable, dtype=bool)] = 0.0

    def moved(lam: float) -> np.ndarray:
        return np.clip(eta + lam * direction, 0.0, 1.0)

    lam, step = 0.0, 1e-3
    current = grain_measure(eta, grain, cell_measure)
    for _ in range(20):
        error = target - current
        if abs(error) <= tolerance * target:
            break
        slope = (grain_measure(moved(lam + step), grain, cell_measure) - current) / step
        if slope <= 0.0:
            break
        lam += error / slope
        current = grain_measure(moved(lam), grain, cell_measure)
    return moved(lam)


def measure_gradient(eta: np.ndarray, grain: int) -> np.ndarray:
    """d h_g / d eta_j for every grain j, (grains, cells): the direction that changes only the measure."""
    e2 = eta**2
    S = np.maximum(e2.sum(axis=0), 1e-12)
    h = e2[grain] / S
    direction = -2.0 * eta * h / S
    direction[grain] = 2.0 * eta[grain] * (1.0 - h) / S
    return direction


def multiplier(force: np.ndarray, mobility: np.ndarray, direction: np.ndarray, volume: np.ndarray) -> float:
    """lambda that makes the Allen-Cahn rate L (force + lambda d) leave the measure unchanged.

    d(measure)/dt = sum V d . L (F + lambda d) = 0 gives
    lambda = - sum V L d.F / sum V L d.d (Rubinstein & Sternberg's multiplier, discrete).
    """
    weight = volume * mobility
    denominator = float((weight * (direction**2).sum(axis=0)).sum())
    return -float((weight * (direction * force).sum(axis=0)).sum()) / denominator if denominator > 0 else 0.0

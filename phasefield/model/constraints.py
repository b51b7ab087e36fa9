"""Constant grain area (2D) or volume (3D): a discrete Lagrange multiplier.

The Wulff shape is the minimum of the interface energy at fixed area, so
relaxing a particle towards it needs the area held fixed. After every accepted
step all order parameters are moved along the gradient of the constraint,
eta_j += lambda d h_g / d eta_j with h_g = eta_g^2 / sum(eta^2) (non-zero only
inside the grain's interfaces), and lambda is found by Newton iteration on the
grain's measure sum(h_g) dV against the target fixed at the start of the run
(so errors do not accumulate). The multiplier itself acts inside each solve
(:func:`multipliers`, the volume-preserving Allen-Cahn multiplier of Rubinstein
& Sternberg, IMA J. Appl. Math. 48 (1992) 249, in discrete form): a projection
alone lets the interface flow shrink the particle and pushes it back along the
constraint gradient, which was measured to stall the relaxation of an uneven
facet set near a square; the projection only removes the small remaining drift.
A direction that is not the constraint's gradient (say eta (1 - eta)) moves
anisotropic boundaries by an amount that depends on their profile width,
gamma(n), and was measured to raise the energy.

Several held grains that touch share their common interface, where their
constraint gradients overlap: their multipliers are solved together (a Gram
system, and a joint Newton iteration for the projection). Each solved alone, a
pair of touching held grains blew up within 4e-8 s (tests/scenarios/test_coalescence.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def grain_measure(eta: np.ndarray, grain: int, cell_measure: float) -> float:
    """Area (2D) or volume (3D) of a grain: sum of eta_g^2 / sum_j eta_j^2 over cells."""
    e2 = eta**2
    return float((e2[grain] / np.maximum(e2.sum(axis=0), 1e-12)).sum() * cell_measure)


def hold_measures(
    eta: np.ndarray, targets: Mapping[int, float], cell_measure: float, movable: np.ndarray | None = None, tolerance: float = 1e-10
) -> np.ndarray:
    """Return eta with every held grain's measure moved back to its target, all at once.

    Touching held grains share interfaces, where their constraint gradients overlap;
    restoring one grain after the other would undo part of the previous one, so the
    multipliers are found together by Newton iteration on the vector of measures.

    Parameters
    ----------
    eta
        Order parameters, (grains, cells).
    targets
        Measure to restore per held grain index (same units as ``cell_measure`` x cells).
    cell_measure
        Area or volume of one cell.
    movable
        Boolean per grain: the grains that may change (a fixed substrate may not); default all.
    tolerance
        Relative accuracy of each restored measure.
    """
    still = None if movable is None else ~np.asarray(movable, dtype=bool)
    grains, gradients = [], []
    for g in targets:
        d = measure_gradient(eta, g)
        if still is not None:
            d[still] = 0.0
        if np.any(d):  # a grain without an interface (vanished) cannot be moved
            grains.append(g)
            gradients.append(d)
    if not grains:
        return eta
    goal = np.array([targets[g] for g in grains])
    directions = np.array(gradients)

    def moved(lam: np.ndarray) -> np.ndarray:
        return np.clip(eta + np.tensordot(lam, directions, axes=1), 0.0, 1.0)

    def measures(field: np.ndarray) -> np.ndarray:
        return np.array([grain_measure(field, g, cell_measure) for g in grains])

    lam, step = np.zeros(len(grains)), 1e-3
    current = measures(eta)
    for _ in range(20):
        error = goal - current
        if np.all(np.abs(error) <= tolerance * goal):
            break
        jacobian = np.column_stack([(measures(moved(lam + step * e)) - current) / step for e in np.eye(len(grains))])
        if np.any(np.diag(jacobian) <= 0.0):
            break
        lam = lam + np.linalg.lstsq(jacobian, error, rcond=None)[0]
        current = measures(moved(lam))
    return moved(lam)


def measure_gradient(eta: np.ndarray, grain: int) -> np.ndarray:
    """d h_g / d eta_j for every grain j, (grains, cells): the direction that changes only the measure."""
    e2 = eta**2
    S = np.maximum(e2.sum(axis=0), 1e-12)
    h = e2[grain] / S
    direction = -2.0 * eta * h / S
    direction[grain] = 2.0 * eta[grain] * (1.0 - h) / S
    return direction


def multipliers(force: np.ndarray, mobility: np.ndarray, directions: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """lambda_g that make the Allen-Cahn rate L (force + sum_g lambda_g d_g) leave every held measure unchanged.

    d(measure_g)/dt = sum V d_g . L (F + sum_h lambda_h d_h) = 0 for every held grain g is the
    Gram system G lambda = -b with G_gh = sum V L d_g . d_h and b_g = sum V L d_g . F
    (Rubinstein & Sternberg's multiplier, discrete; for one grain lambda = -b / G). Touching
    grains' directions overlap at their common interface, so the multipliers are coupled.
    A grain with no interface (d = 0) gets lambda = 0 (least squares).

    Parameters
    ----------
    force
        F, (evolving grains, cells).
    mobility
        Allen-Cahn mobility L per cell (or per grain and cell).
    directions
        d_g per held grain, (held, evolving grains, cells).
    volume
        Cell volumes, (cells,).
    """
    weight = volume * mobility
    gram = np.array([[float((weight * (dg * dh).sum(axis=0)).sum()) for dh in directions] for dg in directions])
    b = np.array([float((weight * (dg * force).sum(axis=0)).sum()) for dg in directions])
    return np.linalg.lstsq(gram, -b, rcond=None)[0] if gram.size else np.zeros(0)

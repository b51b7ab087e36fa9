r"""Multi-order-parameter free energy (Moelans) with parabolic chemistry, in solver units.

One order parameter :math:`\eta_i` per grain; grain :math:`i` belongs to phase
:math:`p(i)`. The free-energy density is

.. math::

    f = m(\eta)\Big[\sum_i \big(\tfrac{\eta_i^4}{4} - \tfrac{\eta_i^2}{2}\big)
        + \gamma \sum_{i<j} \eta_i^2\eta_j^2 + \tfrac14\Big]
        + \frac{\kappa(\eta)}{2}\sum_i |\nabla\eta_i|^2
        + \frac{A}{2}\big(c - \hat c(\eta)\big)^2 + \sum_\alpha h_\alpha(\eta)\, g_\alpha(T)

with :math:`\gamma = 3/2` for every pair (Moelans, Blanpain & Wollants, PRB 78
(2008) 024113): the two-grain path :math:`\eta_j = 1-\eta_i` is then exact, the
profile is :math:`\tfrac12[1-\tanh(2x/l)]` and no third order parameter
appears in a two-phase interface (linear stability needs
:math:`2\gamma(\eta_i^2+\eta_j^2) > 1`, and :math:`\eta_i^2+\eta_j^2 \ge 1/2`
on that path). Pair energies :math:`\sigma_{ij}` at a common width :math:`l`
enter through :math:`\kappa_{ij} = \tfrac34\sigma_{ij} l` and
:math:`m_{ij} = 6\sigma_{ij}/l`, interpolated as
:math:`P(\eta) = \sum_{i<j} P_{ij}\eta_i^2\eta_j^2 / \sum_{i<j}\eta_i^2\eta_j^2`;
their derivatives with respect to :math:`\eta` are neglected (they vanish in
two-phase interfaces), as in Moelans 2008.

Phase fractions :math:`h_\alpha = \sum_{i\in\alpha}\eta_i^2/\sum_j\eta_j^2`
(Moelans, Acta Mater. 59 (2011) 1077) sum to one. With one curvature
:math:`A` for every phase the parabolic (KKS-equivalent) chemistry gives
:math:`\hat c = \sum_\alpha h_\alpha c_\alpha`, the diffusion potential
:math:`\mu = A(c-\hat c)` and grand potentials
:math:`\omega_\alpha = g_\alpha - \mu c_\alpha`, so that

.. math::

    \frac{\partial f_\mathrm{loc}}{\partial\eta_i} = s_i\,\eta_i,\qquad
    s_i = m\big(\eta_i^2 - 1 + 2\gamma\textstyle\sum_{j\ne i}\eta_j^2\big)
        + \frac{2}{\sum_j\eta_j^2}\big(\omega_{p(i)} - \bar\omega\big),\quad
    \bar\omega = \sum_\alpha h_\alpha\omega_\alpha .

Everything here is plain numpy on arrays shaped (grains, cells) and (cells,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAMMA = 1.5
_EPS = 1e-10


@dataclass(frozen=True)
class LocalCoefficients:
    """Pair and phase constants at one temperature, in solver units.

    Attributes
    ----------
    kappa, m, mobility
        (phases, phases) pair matrices of the gradient coefficient, the
        double-well height and the Allen-Cahn mobility.
    composition, chemical_energy, diffusivity
        (phases,) equilibrium c, g_alpha(T) and bulk D_alpha(T).
    boundary_diffusivity, surface_diffusivity
        Extra D along condensed/condensed and condensed/surroundings pairs.
    chemical_stiffness
        A.
    surroundings, substrate
        Phase indices of the surroundings and of the substrate.
    """

    kappa: np.ndarray
    m: np.ndarray
    mobility: np.ndarray
    composition: np.ndarray
    chemical_energy: np.ndarray
    diffusivity: np.ndarray
    boundary_diffusivity: float
    surface_diffusivity: float
    chemical_stiffness: float
    surroundings: int
    substrate: int


def phase_sums(eta: np.ndarray, grain_phase: np.ndarray, n_phases: int, power: int = 2) -> np.ndarray:
    """Sum of eta_i**power over the grains of each phase, shape (phases, cells)."""
    onehot = np.zeros((n_phases, eta.shape[0]))
    onehot[grain_phase, np.arange(eta.shape[0])] = 1.0
    return onehot @ eta**power


def phase_fractions(eta: np.ndarray, grain_phase: np.ndarray, n_phases: int) -> np.ndarray:
    """h_alpha = sum_{i in alpha} eta_i^2 / sum_j eta_j^2, shape (phases, cells).

    >>> h = phase_fractions(np.array([[1.0, 0.5], [0.0, 0.5]]), np.array([0, 1]), 2)
    >>> h.sum(axis=0)
    array([1., 1.])
    """
    Q = phase_sums(eta, grain_phase, n_phases)
    return Q / np.maximum(Q.sum(axis=0), _EPS)


def pair_interpolate(eta: np.ndarray, grain_phase: np.ndarray, pair: np.ndarray, fallback: float) -> np.ndarray:
    """P(eta) = sum_{i<j} P_{p(i)p(j)} eta_i^2 eta_j^2 / sum_{i<j} eta_i^2 eta_j^2.

    Uses sum_{i<j} P w_ij = (sum_ab P_ab Q_a Q_b - sum_a P_aa R_a) / 2 with
    Q_a = sum_{i in a} eta_i^2 and R_a = sum_{i in a} eta_i^4, so the cost is
    in phases, not grain pairs. Inside a single grain (no pair present) the
    value blends to ``fallback``.
    """
    n = pair.shape[0]
    Q = phase_sums(eta, grain_phase, n, 2)
    R = phase_sums(eta, grain_phase, n, 4)
    num = 0.5 * (np.einsum("ab,an,bn->n", pair, Q, Q) - np.einsum("aa,an->n", pair, R))
    den = 0.5 * (Q.sum(axis=0) ** 2 - R.sum(axis=0))
    eps = 1e-6
    return (num + fallback * eps) / (den + eps)


def boundary_indicator(eta: np.ndarray, grain_phase: np.ndarray, condensed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """16 sum eta_i^2 eta_j^2 over condensed/condensed and condensed/surroundings grain pairs.

    The factor 16 makes each indicator 1 at the centre of a two-grain boundary.
    ``condensed`` is a boolean per grain. Returns (internal, surface).
    """
    e2 = eta**2
    cond = e2[condensed].sum(axis=0)
    cond4 = (e2[condensed] ** 2).sum(axis=0)
    internal = 16.0 * 0.5 * (cond**2 - cond4)
    surface = 16.0 * cond * e2[~condensed].sum(axis=0)
    return internal, surface


def diffusion_potential(c: np.ndarray, h: np.ndarray, lc: LocalCoefficients) -> tuple[np.ndarray, np.ndarray]:
    """(mu, c_hat): mu = A (c - sum_alpha h_alpha c_alpha)."""
    c_hat = lc.composition @ h
    return lc.chemical_stiffness * (c - c_hat), c_hat


def driving_coefficient(eta: np.ndarray, c: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients) -> tuple[np.ndarray, np.ndarray]:
    """(s, slope): s_i with df_loc/d eta_i = s_i eta_i, and the slope d(s_i eta_i)/d eta_i.

    The slope keeps the double-well part exactly (s_i + 2 m eta_i^2) and
    neglects the eta-dependence of the chemical term; it is what the implicit
    (tangent) linearization of the source uses. Shapes (grains, cells).
    """
    n_phases = lc.composition.size
    e2 = eta**2
    S = np.maximum(e2.sum(axis=0), _EPS)
    h = phase_fractions(eta, grain_phase, n_phases)
    mu, _ = diffusion_potential(c, h, lc)
    omega = lc.chemical_energy[:, None] - mu[None, :] * lc.composition[:, None]
    omega_bar = (h * omega).sum(axis=0)
    m = pair_interpolate(eta, grain_phase, lc.m, fallback=float(lc.m.max()))
    s = m * (e2 - 1.0 + 2.0 * GAMMA * (S - e2))
    s += 2.0 / S * (omega[grain_phase] - omega_bar)
    return s, s + 2.0 * m * e2


def diffusivity_field(eta: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """D(eta) = sum_alpha h_alpha D_alpha + D_b (internal boundaries) + D_s (surfaces), per cell."""
    h = phase_fractions(eta, grain_phase, lc.composition.size)
    gp = np.asarray(grain_phase)
    condensed = (gp != lc.surroundings) & (gp != lc.substrate)
    internal, surface = boundary_indicator(eta, gp, condensed)
    return lc.diffusivity @ h + lc.boundary_diffusivity * internal + lc.surface_diffusivity * surface


def local_free_energy(eta: np.ndarray, c: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """Free-energy density without the gradient term, per cell (solver units)."""
    n_phases = lc.composition.size
    e2 = eta**2
    h = phase_fractions(eta, grain_phase, n_phases)
    mu, c_hat = diffusion_potential(c, h, lc)
    m = pair_interpolate(eta, grain_phase, lc.m, fallback=float(lc.m.max()))
    pairs = 0.5 * (e2.sum(axis=0) ** 2 - (e2**2).sum(axis=0))
    well = (e2**2 / 4.0 - e2 / 2.0).sum(axis=0) + GAMMA * pairs + 0.25
    return m * well + 0.5 * lc.chemical_stiffness * (c - c_hat) ** 2 + lc.chemical_energy @ h

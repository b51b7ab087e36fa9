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
:math:`P(\eta) = \sum_{i<j} P_{ij}\eta_i^4\eta_j^4 / \sum_{i<j}\eta_i^4\eta_j^4`
(exponent 4, not Moelans' 2: see :data:`_PAIR_POWER`). The pair matrices are grain x
grain: an NVP grain meets an NH4VO3 grain with :math:`\sigma_{ij} + \Delta\sigma_{ij}`, the
misfit energy if the two are in the epitaxial orientation relationship, the incoherent
interface's excess if not (:mod:`phasefield.model.misfit`; :class:`PairWeights` carries
the excess per grain pair);
their derivatives with respect to :math:`\eta` vanish in two-phase
interfaces but not at triple junctions and contact lines, where they decide
the dihedral angles (Young's law), so the equations keep them:

.. math::

    \frac{\partial f}{\partial\eta_k} \ni \frac{\partial m}{\partial\eta_k} W(\eta)
        + \frac{\partial\kappa}{\partial\eta_k}\,\tfrac12\sum_i\Gamma_i^2,\qquad
    \frac{\partial P}{\partial\eta_k} = q_k\eta_k,\quad
    q_k = \frac{4\eta_k^2\big(\sum_{j\ne k}P_{kj}\eta_j^4 - P\sum_{j\ne k}\eta_j^4\big)}{\sum_{i<j}\eta_i^4\eta_j^4}

(:func:`pair_slope`; :math:`W` the bracket of the double well,
:math:`\tfrac12\Gamma_i^2` the gradient-energy density of grain i).

Phase fractions :math:`h_\alpha = \sum_{i\in\alpha}\eta_i^2/\sum_j\eta_j^2`
(Moelans, Acta Mater. 59 (2011) 1077) sum to one. The chemistry is a
grand potential in the two conserved densities :math:`n_k` (k = V, P;
Plapp, PRE 84 (2011) 031601; Aagesen et al., PRE 98 (2018) 023309): each phase
has parabolic wells about its equilibrium densities :math:`\rho_k^\alpha`
with susceptibility :math:`\chi_\alpha` (1/curvature), so that at a common
chemical potential :math:`\mu_k` it holds :math:`n_k^\alpha = \rho_k^\alpha +
\chi_\alpha\mu_k` and its grand potential density is
:math:`\omega_\alpha = g_\alpha - \sum_k(\mu_k\rho_k^\alpha + \tfrac12\chi_\alpha\mu_k^2)`.
Mixing the phases at one :math:`\mu` (KKS) gives

.. math::

    n_k = \hat n_k + \bar\chi\mu_k,\quad \hat n_k = \sum_\alpha h_\alpha\rho_k^\alpha,\quad
    \bar\chi = \sum_\alpha h_\alpha\chi_\alpha,\qquad
    f_{chem} = \sum_\alpha h_\alpha g_\alpha + \sum_k \frac{(n_k - \hat n_k)^2}{2\bar\chi}

and :math:`\partial f_{chem}/\partial h_\alpha|_n = \omega_\alpha` (the Legendre
transform), so that

.. math::

    \frac{\partial f_\mathrm{loc}}{\partial\eta_i} = s_i\,\eta_i,\qquad
    s_i = m\big(\eta_i^2 - 1 + 2\gamma\textstyle\sum_{j\ne i}\eta_j^2\big)
        + \frac{2}{\sum_j\eta_j^2}\big(\omega_{p(i)} - \bar\omega\big),\quad
    \bar\omega = \sum_\alpha h_\alpha\omega_\alpha .

The surroundings and the substrate hold no precursor units: their
:math:`\rho = 0` and their :math:`\chi` is small (``empty_phase_stiffness``
times stiffer), so matter put there costs much more than in a condensed phase.

Everything here is plain numpy on arrays shaped (grains, cells) and (cells,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .misfit import relationship_pairs

GAMMA = 1.5
GAMMA_3 = 30.0
"""Three-grain term gamma_3 sum_{i<j<k} eta_i^2 eta_j^2 eta_k^2 of the well (Nestler, Garcke &
Stinner, PRE 71 (2005) 041609, against third-phase contributions). It vanishes on every
two-grain path (profiles and pair energies unchanged) but makes a third order parameter
cost (1/4 + gamma_3/16) m eta_k^2 at a boundary's centre instead of m eta_k^2 / 4: without
it, a phase whose pair energies with both sides are below the boundary's spreads along the
boundary as a film, because the interpolated kappa and m are lowered there (measured: a
NaH2PO4 drop on NZSP with sigma = 0.4, 0.5, 0.3 J/m^2 coated the whole NZSP surface at
gamma_3 = 0 and 10; at 30 the film stays below 5e-4). Other sets keep a film that lowers
the boundary whatever gamma_3 (README, Limitations, ghost films; ``scenarios/films.py``
measures it). The value also sets the junction core energy, which moves contact angles at
l/R = 1/4 by a few degrees (README, Accuracy)."""
_EPS = 1e-10


@dataclass(frozen=True)
class LocalCoefficients:
    """Pair and phase constants at one temperature, in solver units.

    Attributes
    ----------
    kappa, m, mobility
        (phases, phases) pair matrices of the gradient coefficient, the
        double-well height and the Allen-Cahn mobility.
    density
        (phases, species) equilibrium densities rho_k^alpha.
    susceptibility
        (phases,) chi_alpha = 1 / curvature of each phase's wells.
    chemical_energy
        (phases,) g_alpha(T).
    diffusivity
        (phases,) bulk D_alpha(T) of the precursor units.
    boundary_diffusivity
        D along condensed/condensed and condensed/substrate boundaries.
    surface_diffusivity
        (phases,) D along each condensed phase's surface (against the surroundings).
    transport_susceptibility
        chi of a condensed phase: the mobility of a path is M = D chi.
    surroundings, substrate
        Phase indices of the surroundings and of the substrate.
    excess_kappa, excess_m
        What 1 J/m^2 of pair-energy excess adds to kappa and m (solver units per J/m^2).
    relationship_excess, incoherent_excess
        The excess [J/m^2] of an NH4VO3/NVP grain pair in and out of the orientation relationship
        (:mod:`phasefield.model.misfit`).
    epitaxy
        Phase indices (parent, product) of the epitaxial pair (NH4VO3, NVP).
    misfit_tolerance_deg
        Largest departure from the relationship's orientation difference of a pair in it.
    """

    kappa: np.ndarray
    m: np.ndarray
    mobility: np.ndarray
    density: np.ndarray
    susceptibility: np.ndarray
    chemical_energy: np.ndarray
    diffusivity: np.ndarray
    boundary_diffusivity: float
    surface_diffusivity: np.ndarray
    transport_susceptibility: float
    surroundings: int
    substrate: int
    excess_kappa: float = 0.0
    excess_m: float = 0.0
    relationship_excess: float = 0.0
    incoherent_excess: float = 0.0
    epitaxy: tuple[int, int] = (-1, -1)
    misfit_tolerance_deg: float = 0.0

    @property
    def n_phases(self) -> int:
        return self.chemical_energy.size

    def pair_excess(self, grain_phase: np.ndarray, orientation_deg: np.ndarray | None) -> np.ndarray | None:
        """(grains, grains) excess [J/m^2] of each grain pair's energy: the relationship's for NVP/NH4VO3
        pairs in it, the incoherent one for the other NVP/NH4VO3 pairs, 0 for the rest; None if
        every entry is 0 or no orientations are given."""
        if orientation_deg is None or not (self.relationship_excess or self.incoherent_excess):
            return None
        parent, product = self.epitaxy
        gp = np.asarray(grain_phase)
        meet = (gp[:, None] == product) & (gp[None, :] == parent)
        meet = (meet | meet.T).astype(float)
        related = relationship_pairs(gp, orientation_deg, parent, product, self.misfit_tolerance_deg)
        excess = self.relationship_excess * related + self.incoherent_excess * (meet - related)
        return excess if excess.any() else None


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


_PAIR_POWER = 4
"""Weights eta_i^a eta_j^a of the pair interpolation. a = 4, not Moelans' 2: with the
complete variational derivative, a = 2 gives dP/d eta_k = q_k eta_k with q_k finite at
eta_k = 0, which enters the linear stability of a third order parameter in a two-grain
boundary (at its centre s_k = 4 m_k - 3.5 m_ij: a ghost phase grows unless
sigma_k > 0.875 sigma_ij, far from the sharp-interface wetting condition 2 sigma_k < sigma_ij).
With a = 4 the derivative is O(eta_k^3), Moelans' stability 2 gamma (eta_i^2 + eta_j^2) > 1
holds unchanged, and two-grain interfaces still carry exactly P_ij."""
_PAIR_EPS = 1e-8
"""Regularization of the weight sum: P blends to the fallback where every pair weight is
below ~1e-8 (eta ~ 1e-2 beside a bulk grain, < 1e-4 of an interface's energy). It must
be finite: with two minority grains both tiny, P switches pair identity with their ratio
and dE/d eta_k grows like 1/eta_k (measured: a single cell jumped to 4e5 and the step
collapsed with 1e-300); 1e-8 removes that and amplified no solver-level perturbation in
the reacting-pair test (1e-10 and 1e-12 did, 8-100x, through the steep blend)."""


@dataclass(frozen=True)
class PairWeights:
    """The weights w_ij = eta_i^4 eta_j^4 of one state, shared by every pair-interpolated coefficient.

    Sums over the other grains j != k use the grain matrix with a zero diagonal,
    so every term is non-negative and nothing cancels: tiny tails (x ~ 1e-40 beside
    x ~ 1) keep their relative precision, which ``total - x_k`` would lose below
    1e-16 (measured: that noise made P, and so tau and kappa, jitter in the tails
    and amplified solver-level perturbations 400x in one step).
    """

    x: np.ndarray  # eta_k^a, (grains, cells)
    eta: np.ndarray
    grain_phase: np.ndarray
    partners: np.ndarray  # sum_{j != k} x_j
    den: np.ndarray  # sum_{i<j} x_i x_j
    pair_excess: np.ndarray | None = None  # (grains, grains) excess of each pair's energy [J/m^2]

    @classmethod
    def of(cls, eta: np.ndarray, grain_phase: np.ndarray, pair_excess: np.ndarray | None = None) -> "PairWeights":
        """The weights of ``eta``; ``pair_excess`` (:meth:`LocalCoefficients.pair_excess`) is what each
        grain pair's energy exceeds its phases' pair energy by, times the per-J/m^2 ``excess`` of
        :meth:`interpolate` and :meth:`slope`."""
        x = eta**_PAIR_POWER
        off = 1.0 - np.eye(eta.shape[0])
        partners = off @ x
        return cls(x, eta, np.asarray(grain_phase), partners, 0.5 * (x * partners).sum(axis=0), pair_excess)

    def _others(self, pair: np.ndarray, excess: float) -> np.ndarray:
        """sum_{j != k} (P_{p(k)p(j)} + excess pair_excess_kj) x_j, (grains, cells): the grain x grain pair matrix."""
        M = pair[np.ix_(self.grain_phase, self.grain_phase)]
        if self.pair_excess is not None and excess:
            M = M + excess * self.pair_excess
        return (M * (1.0 - np.eye(self.x.shape[0]))) @ self.x

    def interpolate(self, pair: np.ndarray, fallback: float, excess: float = 0.0) -> np.ndarray:
        """P(eta), per cell; grain pair ij has P_ij + ``excess`` pair_excess_ij."""
        num = 0.5 * (self.x * self._others(pair, excess)).sum(axis=0)
        return (num + fallback * _PAIR_EPS) / (self.den + _PAIR_EPS)

    def excess_shares(self) -> np.ndarray:
        """x_k sum_j pair_excess_kj x_j / den per grain and cell: d P / d excess split among the grains
        (each pair counted once for each of its two grains), (grains, cells)."""
        if self.pair_excess is None:
            return np.zeros_like(self.x)
        return self.x * (self.pair_excess @ self.x) / (self.den + _PAIR_EPS)

    def slope(self, pair: np.ndarray, fallback: float, excess: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P, q, r) with dP/d eta_k = q_k eta_k and d(q_k eta_k)/d eta_k = r_k (exact)."""
        a = _PAIR_POWER
        others = self._others(pair, excess)
        P = (0.5 * (self.x * others).sum(axis=0) + fallback * _PAIR_EPS) / (self.den + _PAIR_EPS)
        q = a * self.eta ** (a - 2) * (others - P * self.partners) / (self.den + _PAIR_EPS)
        share = self.x * self.partners / (self.den + _PAIR_EPS)  # fraction of the pair weight that involves k
        return P, q, q * ((a - 1) - 2 * a * share)


def pair_interpolate(eta: np.ndarray, grain_phase: np.ndarray, pair: np.ndarray, fallback: float) -> np.ndarray:
    """P(eta) = sum_{i<j} P_{p(i)p(j)} w_ij / sum_{i<j} w_ij with w_ij = eta_i^4 eta_j^4.

    On a two-grain interface P = P_ij exactly wherever the pair weight exceeds
    ~1e-8; inside a single grain it blends to ``fallback`` (:data:`_PAIR_EPS`).
    See :class:`PairWeights` to interpolate several coefficients of one state.
    """
    return PairWeights.of(eta, grain_phase).interpolate(pair, fallback)


def pair_slope(eta: np.ndarray, grain_phase: np.ndarray, pair: np.ndarray, fallback: float) -> tuple[np.ndarray, np.ndarray]:
    """(P, q) with dP/d eta_k = q_k eta_k for :func:`pair_interpolate`, q shape (grains, cells).

    q_k = 4 eta_k^2 (sum_{j != k} P_kj eta_j^4 - P sum_{j != k} eta_j^4) / (den + eps),
    the exact derivative of the regularized quotient.

    >>> eta = np.array([[0.7, 0.2], [0.3, 0.5], [0.1, 0.6]])
    >>> pair = np.array([[1.0, 2.0], [2.0, 3.0]])
    >>> P, q = pair_slope(eta, np.array([0, 1, 1]), pair, 3.0)
    >>> step = 1e-6 * np.eye(3)[:, :, None]
    >>> numeric = [(pair_interpolate(eta + s, np.array([0, 1, 1]), pair, 3.0)
    ...             - pair_interpolate(eta - s, np.array([0, 1, 1]), pair, 3.0)) / 2e-6 for s in step]
    >>> bool(np.allclose(numeric, q * eta, rtol=1e-6, atol=1e-8))
    True
    """
    P, q, _ = PairWeights.of(eta, grain_phase).slope(pair, fallback)
    return P, q


def double_well(eta: np.ndarray) -> np.ndarray:
    """W = sum_i (eta_i^4/4 - eta_i^2/2) + gamma sum_{i<j} eta_i^2 eta_j^2 + gamma_3 sum_{i<j<k} eta_i^2 eta_j^2 eta_k^2 + 1/4.

    Per cell; 0 in every bulk grain, and the triple term 0 on every two-grain path.
    """
    e2 = eta**2
    p1, p2, p3 = e2.sum(axis=0), (e2**2).sum(axis=0), (e2**3).sum(axis=0)
    pairs = 0.5 * (p1**2 - p2)
    triples = (p1**3 - 3.0 * p1 * p2 + 2.0 * p3) / 6.0
    return (e2**2 / 4.0 - e2 / 2.0).sum(axis=0) + GAMMA * pairs + GAMMA_3 * triples + 0.25


def _triple_slope(e2: np.ndarray) -> np.ndarray:
    """d/d(eta_k^2) of sum_{i<j<k} eta_i^2 eta_j^2 eta_k^2: the pair sum over the other grains."""
    p1, p2 = e2.sum(axis=0), (e2**2).sum(axis=0)
    return 0.5 * (p1**2 - p2) - e2 * (p1 - e2)


def equilibrium_density(h: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """n_hat_k = sum_alpha h_alpha rho_k^alpha, shape (species, cells)."""
    return lc.density.T @ h


def mean_susceptibility(h: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """chi_bar = sum_alpha h_alpha chi_alpha, per cell."""
    return lc.susceptibility @ h


def chemical_potential(n: np.ndarray, h: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """mu_k = (n_k - n_hat_k) / chi_bar, shape (species, cells)."""
    return (n - equilibrium_density(h, lc)) / mean_susceptibility(h, lc)


def driving_coefficient(
    eta: np.ndarray,
    mu: np.ndarray,
    grain_phase: np.ndarray,
    lc: LocalCoefficients,
    gradient_density: np.ndarray | None = None,
    weights: PairWeights | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(s, slope): s_k with df/d eta_k (all but the divergence term) = s_k eta_k, and a slope.

    ``mu`` is the chemical potential (species, cells), held fixed (the
    grand-potential form: at fixed mu, d omega / d eta equals df/d eta at fixed n).
    s_k holds the double well m dW/d eta_k, the chemistry 2/S (omega_p(k) -
    omega_bar), and the interpolation derivatives q^m_k W + q^kappa_k G with
    G = ``gradient_density`` (per cell, (1/2) sum_i Gamma_i^2 without kappa;
    omit it only where no gradient energy exists); ``weights`` (default: those of
    ``eta`` without misfit pairs) carry the misfit pairs. The slope is what the
    implicit (tangent) linearization uses; the other terms act explicitly on the
    latest iterate. It keeps the double well's own derivative exactly
    (s_k + 2 m eta_k^2) and, for the chemistry, the response of mu to eta_k at
    fixed n (:func:`chemical_stiffness`): without it the interface and mu are
    coupled only from sweep to sweep, and the sweeps' contraction is lost once
    chi_bar^-1 (d n_hat / d eta)^2 dt L exceeds ~1. Shapes (grains, cells).
    """
    e2 = eta**2
    S = np.maximum(e2.sum(axis=0), _EPS)
    h = phase_fractions(eta, grain_phase, lc.n_phases)
    omega = grand_potentials(mu, lc)
    omega_bar = (h * omega).sum(axis=0)
    weights = weights if weights is not None else PairWeights.of(eta, grain_phase)
    m, q_m, r_m = weights.slope(lc.m, float(lc.m.max()), lc.excess_m)
    dwell = e2 - 1.0 + 2.0 * GAMMA * (S - e2) + 2.0 * GAMMA_3 * _triple_slope(e2)  # dW/d eta_k / eta_k
    W = double_well(eta)
    s = m * dwell + 2.0 / S * (omega[grain_phase] - omega_bar) + q_m * W
    slope = s + 2.0 * m * e2 + (r_m - q_m) * W + q_m * e2 * dwell + q_m * eta**2 * dwell
    slope = slope + chemical_stiffness(eta, h, S, grain_phase, lc)
    if gradient_density is not None:
        _, q_kappa, r_kappa = weights.slope(lc.kappa, float(lc.kappa.max()), lc.excess_kappa)
        s = s + q_kappa * gradient_density
        slope = slope + r_kappa * gradient_density
    return s, slope


def chemical_stiffness(eta: np.ndarray, h: np.ndarray, S: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """chi_bar^-1 sum_k (d n_hat_k / d eta_g)^2 per grain and cell: the curvature of f_chem in eta_g at fixed n
    through n_hat (d n_hat_k / d eta_g = 2 eta_g (rho_k^p(g) - n_hat_k) / S); the part that the chi_bar
    dependence adds is left out (it is small where mu is)."""
    n_hat = equilibrium_density(h, lc)
    dn = 2.0 * eta[:, None, :] * (lc.density[grain_phase][:, :, None] - n_hat[None]) / S
    return (dn**2).sum(axis=1) / mean_susceptibility(h, lc)


def grand_potentials(mu: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """omega_alpha = g_alpha - sum_k (mu_k rho_k^alpha + chi_alpha mu_k^2 / 2), (phases, cells)."""
    return lc.chemical_energy[:, None] - lc.density @ mu - 0.5 * lc.susceptibility[:, None] * (mu**2).sum(axis=0)[None, :]


def bulk_diffusivity(eta: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients) -> np.ndarray:
    """sum_alpha h_alpha D_alpha, per cell (the lattice path)."""
    return lc.diffusivity @ phase_fractions(eta, grain_phase, lc.n_phases)


def local_free_energy(eta: np.ndarray, n: np.ndarray, grain_phase: np.ndarray, lc: LocalCoefficients, weights: PairWeights | None = None) -> np.ndarray:
    """Free-energy density without the gradient term, per cell (solver units); ``weights`` carry the
    misfit pairs (default: none)."""
    h = phase_fractions(eta, grain_phase, lc.n_phases)
    excess = n - equilibrium_density(h, lc)
    weights = weights if weights is not None else PairWeights.of(eta, grain_phase)
    m = weights.interpolate(lc.m, float(lc.m.max()), lc.excess_m)
    chem = 0.5 * (excess**2).sum(axis=0) / mean_susceptibility(h, lc)
    return m * double_well(eta) + chem + lc.chemical_energy @ h

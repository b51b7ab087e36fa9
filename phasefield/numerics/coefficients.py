r"""From the state to the coefficients of the discrete equations (solver units).

Both backends (:mod:`phasefield.numerics.fipy_backend`, plain FiPy, and
:mod:`phasefield.numerics.fast_backend`, FiPy-built discretization refreshed in numpy) solve the
same linear systems per step, built from :class:`StepCoefficients`:

.. math::

    \frac{\tau}{\Delta t}(\eta_i - \eta_i^{old}) = \nabla\cdot(\kappa_f\nabla\eta_i)
        - \frac{\partial f_{loc}}{\partial\eta_i},\qquad \tau = 1/L(\eta)

    \frac{n_k - n_k^{old}}{\Delta t} = \nabla\cdot(M_f\nabla\mu_k),\qquad
    n_k = \hat n_k(\eta) + \bar\chi(\eta)\,\mu_k

(solved for :math:`\mu_k`; :math:`n_k` then follows from the fluxes, so each
species is conserved to round-off; :func:`transport_mobility` gives :math:`M_f`)

The source :math:`F_i = s_i\eta_i`, the complete derivative of the free
energy except the divergence term (:func:`phasefield.model.free_energy.driving_coefficient`
plus :class:`GradientEnergy`), is linearized about the latest iterate (FiPy's
tangent linearization, examples/phase/simple.py): :math:`F \approx F^{*} +
F'(\eta - \eta^{*})` with the slope kept implicit only where it stabilises,
:math:`s^{+} = \max(F', 0)`, and the rest explicit, :math:`e = (s^{+} - s)\eta^{*}`:

.. math::

    \frac{\tau}{\Delta t}(\eta_i - \eta_i^{old}) = \nabla\cdot(\kappa_f\nabla\eta_i)
        - s_i^{+}\eta_i + e_i .

This is FiPy's ``ImplicitSourceTerm`` sign rule made explicit here, so both
backends agree by construction; :math:`\eta_i = 0` stays 0 (nothing appears
without nucleation). :func:`free_energy` is the functional these equations
descend (its discrete gradient, up to FiPy's explicit tangential flux of
anisotropic terms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import free_energy as fe
from ..model.anisotropy import gamma_gradient_and_axis_stiffness
from ..model.orientation import grain_rotation
from ..model.parameters import ModelParameters
from ..model.phases import DENSITY, PHASES, REGISTRY, SUBSTRATE, SURROUNDINGS
from .geometry import FaceGeometry
from .units import SolverUnits


GRADIENT_FLOOR = 1e-6
"""|grad eta| (per cell) below which a face is bulk for the anisotropy: gamma^2 = 1 there (isotropic).
Far tails of the tanh profile only (the interface centre has ~0.25); the flux
error this makes is below 1e-5 of the interface flux, and it confines the cost
of gamma(n) to the interfaces (measured: a half to two thirds of the faces skipped)."""


def local_coefficients(p: ModelParameters, units: SolverUnits, temperature_K: float) -> fe.LocalCoefficients:
    """Pair and phase constants of the free energy and kinetics at T, in solver units."""
    l_m = p.interface_width_nm * 1e-9
    E0 = units.energy_J_m3
    sigma = np.array([[p.interface_energy(a, b) for b in PHASES] for a in PHASES])
    mu = np.array([[p.interface_mobility(a, b, temperature_K) for b in PHASES] for a in PHASES])
    L_ref = 1.0 / (units.time_s * E0)
    kappa = 0.75 * sigma * l_m / (E0 * units.length_m**2)
    m = 6.0 * sigma / (l_m * E0)
    mobility = 4.0 * mu / (3.0 * l_m) / L_ref
    g = np.array(REGISTRY.chemical_energies_J_m3(p, temperature_K)) / E0
    to_solver = units.time_s / units.length_m**2
    D = np.array([p.diffusivity(ph, temperature_K) for ph in PHASES]) * to_solver
    factor = p.diffusion_factor(temperature_K) * to_solver
    chi = E0 / p.chemical_stiffness_J_m3
    empty = (SURROUNDINGS, SUBSTRATE)
    related, incoherent = p.orientation_excesses_J_m2()
    return fe.LocalCoefficients(
        kappa=kappa,
        m=m,
        mobility=mobility,
        density=np.array([DENSITY[ph] for ph in PHASES]),
        susceptibility=np.array([chi / p.empty_phase_stiffness if ph in empty else chi for ph in PHASES]),
        chemical_energy=g,
        diffusivity=D,
        boundary_diffusivity=p.boundary_diffusivity_m2_s * factor,
        surface_diffusivity=np.array([p.surface_diffusivity_m2_s.get(ph, 0.0) for ph in PHASES]) * factor,
        transport_susceptibility=chi,
        surroundings=PHASES.index(SURROUNDINGS),
        substrate=PHASES.index(SUBSTRATE),
        excess_kappa=0.75 * l_m / (E0 * units.length_m**2),
        excess_m=6.0 / (l_m * E0),
        relationship_excess=related,
        incoherent_excess=incoherent,
        epitaxy=(REGISTRY.index(REGISTRY.nucleation.parent), REGISTRY.index(REGISTRY.nucleation.product)),
        misfit_tolerance_deg=p.misfit_tolerance_deg,
    )


def _tangential(geometry: FaceGeometry, normal: np.ndarray) -> np.ndarray:
    """1 - (n . e_f)^2 per face: the share of a face's two-point flux that runs along a surface of normal n.

    ``normal`` is any (dim, faces) vector along the surface normal (the face gradient of
    an indicator); where it is below :data:`GRADIENT_FLOOR` the factor is 1.
    """
    length = np.linalg.norm(normal, axis=0)
    cos = (normal * geometry.normals).sum(axis=0) / np.maximum(length, GRADIENT_FLOOR)
    return np.where(length >= GRADIENT_FLOOR, 1.0 - cos**2, 1.0)


def transport_mobility(eta: np.ndarray, grain_phase: np.ndarray, lc: fe.LocalCoefficients, geometry: FaceGeometry) -> np.ndarray:
    r"""Face mobility M_f of the precursor units: lattice, boundary and surface paths, (faces,).

    .. math::

        M = \chi_c\Big[\sum_\alpha h_\alpha D_\alpha
            + D_{gb}\,16\sum_{i<j}\eta_i^2\eta_j^2\,(1 - (\mathbf n_{ij}\cdot\mathbf e_f)^2)
            + \sum_\alpha D_s^\alpha\,16\,Q_\alpha Q_s\,(1 - (\mathbf n_s\cdot\mathbf e_f)^2)\Big]

    (:math:`Q_\alpha = \sum_{i\in\alpha}\eta_i^2`; boundary pairs: condensed/condensed and
    condensed/substrate grains; :math:`\mathbf n_{ij} \propto \nabla(\eta_i - \eta_j)`,
    :math:`\mathbf n_s \propto \nabla Q_s^{1/2}`). The lattice term is the harmonic face mean
    (no flux into a phase with D = 0), the path terms arithmetic means. The factor
    :math:`1 - (\mathbf n\cdot\mathbf e_f)^2` keeps of a face's two-point flux the part
    along the boundary or surface: the normal component of the tangential projector
    :math:`I - \mathbf n\otimes\mathbf n` (its off-diagonal part, which would need the
    tangential gradient at the face, is dropped; the Mullins test measures what that
    leaves). Each weight is 1 at the centre of a two-grain interface and integrates to
    :math:`2l/3` across it (tanh profile): a path of diffusivity D carries
    :math:`\delta D` with :math:`\delta = 2l/3`.
    """
    gp = np.asarray(grain_phase)
    M = geometry.harmonic(fe.bulk_diffusivity(eta, gp, lc))
    e2 = eta**2
    surroundings = gp == lc.surroundings
    if lc.surface_diffusivity.any():
        Q = fe.phase_sums(eta, gp, lc.n_phases)
        w = 16.0 * (lc.surface_diffusivity @ Q) * Q[lc.surroundings]
        if w.max() > 0.0:
            # the normal from grad sqrt(Q_s) (= grad eta_s for one surroundings grain): Q_s itself falls
            # below the gradient floor a few widths into the particle, where the weight is not yet negligible
            M = M + geometry.arithmetic(w) * _tangential(geometry, geometry.face_gradient(np.sqrt(Q[lc.surroundings])))
    if lc.boundary_diffusivity > 0.0:
        host = np.flatnonzero(~surroundings)
        substrate = gp == lc.substrate
        gradients: dict[int, np.ndarray] = {}
        for a, i in enumerate(host):
            for j in host[a + 1 :]:
                if substrate[i] and substrate[j]:
                    continue
                w = 16.0 * e2[i] * e2[j]
                if w.max() < 1e-8:
                    continue
                for g in (i, j):
                    if g not in gradients:
                        gradients[g] = geometry.face_gradient(eta[g])
                M = M + lc.boundary_diffusivity * geometry.arithmetic(w) * _tangential(geometry, gradients[i] - gradients[j])
    return lc.transport_susceptibility * M


@dataclass(frozen=True)
class GradientEnergy:
    r"""The discrete gradient energy and what its eta-dependence adds to the equations.

    .. math::

        E_\nabla = \sum_f \kappa_f \sum_i \tfrac12 w_f\, c_{i,f}\,(\eta_{i,b}-\eta_{i,a})^2,
        \qquad c_{i,f} = \gamma_i(\hat{\mathbf p}_{i,f})^2

    (w_f = area/distance, :math:`\mathbf p_{i,f}` FiPy's ``faceGrad`` of
    :math:`\eta_i`): FiPy's two-point quadrature of
    :math:`\int \tfrac\kappa2\sum_i\gamma_i(\mathbf n)^2|\nabla\eta_i|^2`. Its exact
    derivative is the two-point operator with coefficient :math:`\kappa_f c_{i,f}` (a FiPy
    ``DiffusionTerm``, implicit) plus, through :math:`c`'s dependence on the direction of
    :math:`\mathbf p`, :math:`G^{\mathsf T}\mathbf v_i` with
    :math:`\mathbf v_{i,f} = \tfrac12\kappa_f w_f(\Delta\eta_i)^2\,\partial c/\partial\mathbf p
    = \tfrac12\kappa_f w_f(\Delta\eta_i)^2\, 2\gamma\boldsymbol\xi_t/|\mathbf p|` and
    :math:`G` the faceGrad operator (explicit, :attr:`anisotropy_force`). This replaces
    FiPy's tensor ``DiffusionTerm`` split, whose explicit tangential flux (harmonic means of
    gradient components) is not the derivative of any energy: measured 14 % off the
    derivative of this one for a six-facet set at p = 30, independent of resolution at
    fixed cells per width. With no facets :math:`c = 1`.

    Attributes
    ----------
    face_energy
        (faces,) :math:`\sum_i \tfrac12 w_f c_{i,f}(\Delta\eta_i)^2` without kappa (0 on boundary faces).
    density
        (cells,) its share per cell and volume: the G of
        :func:`phasefield.model.free_energy.driving_coefficient` (dE/d kappa_cell / V).
    coefficient
        (grains, faces) c_{i,f}, or None for an isotropic run (c = 1).
    anisotropy_force
        (grains, cells) -dE/d eta_i / V through the direction dependence of c and,
        for grains without facets, through the neighbour weights of
        :func:`_neighbour_gamma` (non-zero only where three grains meet); None if isotropic.
    stiffness
        (grains, faces) e.H.e of each face (H the Hessian of Gamma^2 / 2 at the face's normal,
        e its axis; :func:`~phasefield.model.anisotropy.gamma_gradient_and_axis_stiffness`),
        mixed over the faceted neighbours by the weights of c for grains without facets; 1 where
        c is; None if isotropic. Only the sweeps' linearization uses it.
    """

    face_energy: np.ndarray
    density: np.ndarray
    coefficient: np.ndarray | None = None
    anisotropy_force: np.ndarray | None = None
    stiffness: np.ndarray | None = None

    def total(self, kappa_face: np.ndarray) -> float:
        """E_grad = sum_f kappa_f face_energy_f (solver units)."""
        return float((kappa_face * self.face_energy).sum())


def gradient_energy(
    eta: np.ndarray,
    geometry: FaceGeometry,
    kappa_face: np.ndarray,
    facets: list | None = None,
    orientation_deg: np.ndarray | None = None,
) -> GradientEnergy:
    """Evaluate :class:`GradientEnergy` for the order parameters (grains, cells).

    ``facets`` (per grain a :class:`~phasefield.model.anisotropy.FacetSet` or None) and
    ``orientation_deg`` switch the anisotropy on; ``facets=None``: isotropic.
    ``orientation_deg`` is one angle per slot (grains,) or one per slot and cell (grains, cells),
    the orientation of the tracked grain owning the cell (a slot may hold grains of several
    orientations, :mod:`phasefield.model.tracking`); a face takes that of its first cell.
    """
    f = geometry.interior
    diff2 = np.zeros(eta.shape[0:1] + geometry.weight.shape)
    diff2[:, f] = (eta[:, geometry.second[f]] - eta[:, geometry.first[f]]) ** 2
    half_w = 0.5 * geometry.weight
    if facets is None:
        face_energy = half_w * diff2.sum(axis=0)
        return GradientEnergy(face_energy, geometry.cell_share(face_energy) / geometry.volume)
    faceted = [g for g, fs in enumerate(facets) if fs is not None]
    orientation_deg = face_orientation(orientation_deg, geometry)
    coefficient = np.ones_like(diff2)
    stiffness = np.ones_like(diff2)
    force = np.zeros_like(eta)
    for i in range(eta.shape[0]):
        if not diff2[i].any():
            continue
        p = geometry.face_gradient(eta[i])
        length = np.linalg.norm(p, axis=0)
        live = length >= GRADIENT_FLOOR  # bulk faces: no direction, c = 1
        if facets[i] is not None:  # grad eta_i points into grain i: gamma at its outward normal -p
            c, dc, h = _gamma_squared(-p, length, live, facets[i], orientation_deg[i], geometry.normals)
            dc = -dc
        else:
            c, dc, h, excess = _neighbour_gamma(eta, i, p, length, live, faceted, facets, orientation_deg, geometry)
            for g, gamma2_minus_1 in excess.items():
                # dE/d(weight) per face, shared half-half by the two cells of the face mean
                share = geometry.cell_share(kappa_face * half_w * diff2[i] * gamma2_minus_1)
                force -= _weight_derivative(eta, i, g) * share / geometry.volume
        coefficient[i] = c
        stiffness[i] = h
        force[i] -= geometry.face_gradient_transpose(kappa_face * half_w * diff2[i] * dc) / geometry.volume
    face_energy = (half_w * coefficient * diff2).sum(axis=0)
    return GradientEnergy(face_energy, geometry.cell_share(face_energy) / geometry.volume, coefficient, force, stiffness)


def face_orientation(orientation_deg: np.ndarray, geometry: FaceGeometry) -> np.ndarray:
    """(grains, faces) orientation [degree] of every face: the slot's own, or that of the face's first cell."""
    orientation_deg = np.asarray(orientation_deg, dtype=float)
    if orientation_deg.ndim == 2:
        return orientation_deg[:, geometry.first]
    return np.repeat(orientation_deg[:, None], geometry.first.size, axis=1)


def _gamma_squared(p, length, live, facets, orientation_deg, axes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """c = gamma(p/|p|)^2 on the faces (1 where not live), dc/dp = 2 gamma xi_t / |p|, (dim, faces), and
    the flux stiffness e.H.e along each face's axis e (``axes``, (dim, faces); 1 where not live).

    ``orientation_deg`` is per face; gamma is evaluated once per distinct orientation (a slot's
    grains), each on its own faces."""
    value = np.zeros(p.shape[1])
    xi = np.zeros_like(p)
    h = np.zeros(p.shape[1])
    for angle in np.unique(orientation_deg[live]):
        on = live & (orientation_deg == angle)
        v, x, e = gamma_gradient_and_axis_stiffness(facets, p, axes, grain_rotation(angle, p.shape[0]), where=on)
        value += v
        xi += x
        h += e
    safe = np.where(live, length, 1.0)
    g = value / safe  # gamma(n); 0 where not live
    dc = 2.0 * g * (xi - g * (p / safe)) / safe
    return np.where(live, g * g, 1.0), dc, np.where(live, h, 1.0)


def _weight_derivative(eta: np.ndarray, i: int, g: int) -> np.ndarray:
    """d r / d eta_k for r = eta_g^2 / T_i, T_i = sum_{j != i} eta_j^2: (2 eta_k / T_i)(delta_kg - r), 0 for k = i."""
    e2 = eta**2
    T = np.maximum(e2.sum(axis=0) - e2[i], 1e-12)
    r = e2[g] / T
    out = -2.0 * eta * r / T
    out[g] = 2.0 * eta[g] * (1.0 - r) / T
    out[i] = 0.0
    return out


@dataclass(frozen=True)
class StepCoefficients:
    """Arrays of one step's linear systems (solver units).

    tau: (cells,) 1/L; kappa_face: (faces,) gradient coefficient at faces, or
    (evolving grains, faces) when it differs per grain (facets: kappa gamma^2 + the local stiffness and stabilizer);
    s_plus, explicit: (evolving grains, cells) implicit source coefficient and
    explicit source; mobility_face: (faces,) M of the transport; susceptibility:
    (cells,) chi_bar; n_hat: (species, cells) the equilibrium densities.
    """

    tau: np.ndarray
    kappa_face: np.ndarray
    s_plus: np.ndarray
    explicit: np.ndarray
    mobility_face: np.ndarray
    susceptibility: np.ndarray
    n_hat: np.ndarray

    def grain_kappa(self, n: int) -> np.ndarray:
        """Face coefficient of the n-th evolving grain's diffusion term."""
        return self.kappa_face if self.kappa_face.ndim == 1 else self.kappa_face[n]


def step_coefficients(
    eta: np.ndarray,
    mu: np.ndarray,
    grain_phase: np.ndarray,
    evolving: np.ndarray,
    lc: fe.LocalCoefficients,
    geometry: FaceGeometry,
    facets: list | None = None,
    orientation_deg: np.ndarray | None = None,
    stabilization: list | None = None,
    grain_orientation_deg: np.ndarray | None = None,
    local_stiffness: float = 0.0,
) -> StepCoefficients:
    """Evaluate every coefficient from the latest iterate.

    The source is the complete variational derivative of the free energy
    reported by :func:`free_energy`: the double well and chemistry, the
    derivatives of the interpolated m(eta) and kappa(eta), and (with facets)
    of the neighbour weights of :func:`_neighbour_gamma`.

    Parameters
    ----------
    eta
        Order parameters, (grains, cells).
    mu
        Chemical potentials of the species, (species, cells), held fixed in the eta equations.
    grain_phase
        Phase index of each grain.
    evolving
        Indices of the grains whose equations are solved this step.
    lc
        Constants at the step's temperature.
    geometry
        Face connectivity of the mesh.
    facets, orientation_deg
        Per grain: its :class:`~phasefield.model.anisotropy.FacetSet` (or None) and
        orientation; ``facets=None`` for an isotropic run. The gradient
        coefficient of grain i becomes kappa_f gamma_i^2 (implicit) plus the
        explicit rest of the energy's derivative (:class:`GradientEnergy`).
    stabilization
        Per grain S (with facets): kappa S is added to the implicit coefficient
        and div(kappa S grad eta_i) of the iterate subtracted explicitly, so the
        two cancel once the sweeps have converged.
    local_stiffness
        sigma (``ModelParameters.facet_local_stiffness``): kappa sigma max(e.H.e - c, 0) per face
        (:attr:`GradientEnergy.stiffness`) is added to the implicit coefficient and cancelled
        explicitly the same way.
    grain_orientation_deg
        One orientation per grain slot [degree], which decides the NVP/NH4VO3 pairs' excess
        (in or out of the orientation relationship); None: no excess. The facet terms read
        ``orientation_deg``, per slot or per slot and cell (grain tracking).
    """
    weights = fe.PairWeights.of(eta, grain_phase, lc.pair_excess(grain_phase, grain_orientation_deg))
    L = weights.interpolate(lc.mobility, fallback=float(lc.mobility.max()))
    kappa_face = _kappa_face(weights, lc, geometry)
    grad = gradient_energy(eta, geometry, kappa_face, facets, orientation_deg)
    s, slope = fe.driving_coefficient(eta, mu, grain_phase, lc, gradient_density=grad.density, weights=weights)
    s, slope = s[evolving], slope[evolving]
    s_plus = np.maximum(slope, 0.0)
    eta_e = eta[evolving]
    h = fe.phase_fractions(eta, grain_phase, lc.n_phases)
    explicit = (s_plus - s) * eta_e
    kappa = kappa_face
    if grad.coefficient is not None:
        explicit += grad.anisotropy_force[evolving]
        S = np.zeros(eta.shape[0]) if stabilization is None else np.asarray(stabilization, dtype=float)
        S_faceted = max([S[g] for g, fs in enumerate(facets) if fs is not None], default=0.0)
        S_used = np.array([S[i] if facets[i] is not None else S_faceted for i in evolving])
        extra = S_used[:, None] + local_stiffness * np.maximum(grad.stiffness[evolving] - grad.coefficient[evolving], 0.0)
        kappa = kappa_face * (grad.coefficient[evolving] + extra)
        for n, i in enumerate(evolving):
            if extra[n].any():
                explicit[n] -= geometry.flux_divergence(eta[i], kappa_face * extra[n]) / geometry.volume
    return StepCoefficients(
        tau=1.0 / L,
        kappa_face=kappa,
        s_plus=s_plus,
        explicit=explicit,
        mobility_face=transport_mobility(eta, grain_phase, lc, geometry),
        susceptibility=fe.mean_susceptibility(h, lc),
        n_hat=fe.equilibrium_density(h, lc),
    )


def free_energy(
    eta: np.ndarray,
    n: np.ndarray,
    grain_phase: np.ndarray,
    lc: fe.LocalCoefficients,
    geometry: FaceGeometry,
    facets: list | None = None,
    orientation_deg: np.ndarray | None = None,
    grain_orientation_deg: np.ndarray | None = None,
) -> float:
    """Total free energy in solver units: the functional whose derivative :func:`step_coefficients` uses
    (with the excess energy of the NVP/NH4VO3 grain pairs, in or out of the orientation relationship)."""
    weights = fe.PairWeights.of(eta, grain_phase, lc.pair_excess(grain_phase, grain_orientation_deg))
    local = fe.local_free_energy(eta, n, grain_phase, lc, weights)
    kappa_face = _kappa_face(weights, lc, geometry)
    return float((local * geometry.volume).sum()) + gradient_energy(eta, geometry, kappa_face, facets, orientation_deg).total(kappa_face)


def misfit_energy(
    eta: np.ndarray,
    grain_phase: np.ndarray,
    lc: fe.LocalCoefficients,
    geometry: FaceGeometry,
    facets: list | None = None,
    orientation_deg: np.ndarray | None = None,
    grain_orientation_deg: np.ndarray | None = None,
) -> np.ndarray:
    r"""The excess part of :func:`free_energy` per grain, solver units, (grains,): the misfit energy of an
    NVP grain's interfaces with the NH4VO3 grains it is in the orientation relationship with, the
    incoherent excess of those with the others.

    kappa(eta) and m(eta) are linear in the pair values, so the excess energy is the functional
    evaluated with the increments alone: per cell :math:`m_1\,s_i W` and per face
    :math:`\kappa_1\,\overline{s_i}\,e_f` (:math:`m_1, \kappa_1` per J/m^2 of excess, :math:`s_i` the
    excess-weighted share of grain i's pairs,
    :meth:`~phasefield.model.free_energy.PairWeights.excess_shares`; :math:`e_f` the face's gradient
    energy without kappa). Each pair is booked to its NVP grain; the sum over grains is free_energy
    with the excess minus free_energy without, to round-off.
    """
    out = np.zeros(eta.shape[0])
    pairs = lc.pair_excess(grain_phase, grain_orientation_deg)
    if pairs is None:
        return out
    weights = fe.PairWeights.of(eta, grain_phase, pairs)
    shares = weights.excess_shares()
    face_energy = gradient_energy(eta, geometry, _kappa_face(weights, lc, geometry), facets, orientation_deg).face_energy
    well = fe.double_well(eta) * geometry.volume
    for i in np.flatnonzero(np.asarray(grain_phase) == lc.epitaxy[1]):
        out[i] = lc.excess_m * float((shares[i] * well).sum()) + lc.excess_kappa * float((geometry.arithmetic(shares[i]) * face_energy).sum())
    return out


def _kappa_face(weights: fe.PairWeights, lc: fe.LocalCoefficients, geometry: FaceGeometry) -> np.ndarray:
    """Pair-interpolated gradient coefficient kappa(eta), arithmetic mean at faces (FiPy's rule)."""
    return geometry.arithmetic(weights.interpolate(lc.kappa, float(lc.kappa.max()), lc.excess_kappa))


def _neighbour_gamma(eta, i, p, length, live, faceted, facets, orientation_deg, geometry) -> tuple[np.ndarray, np.ndarray, dict]:
    """c and dc/dp of a grain without facets: the anisotropy of the faceted grains it borders.

    Interface anisotropy belongs to the interface, not to one order parameter:
    at a boundary between a faceted grain g and grain i both gradient terms
    must carry gamma_g, or the isotropic partner dilutes it (measured: a square
    facet set relaxed to a shape 15 % of its size away from the Wulff square).
    Weights w_g = eta_g^2 / sum_{j != i} eta_j^2 (face means) are 1 along a
    two-grain boundary; the rest is isotropic: the energy density of grain i is
    (kappa/2) [sum_g w_g gamma_g(n_i)^2 + (1 - sum_g w_g)] |grad eta_i|^2.

    grad eta_i points out of g, so gamma_g is taken at g's outward normal, as g
    itself does (a sign slip here relaxes uneven facet sets to the Wulff shape of
    the symmetrized gamma; found by the random facet-set test). Returns c, dc/dp
    and, per faceted neighbour g, gamma_g(n)^2 - 1 on the faces (what
    d energy / d w_g needs).
    """
    others = np.delete(np.arange(eta.shape[0]), i)
    total = np.maximum((eta[others] ** 2).sum(axis=0), 1e-12)
    c = np.ones(p.shape[1])
    h = np.ones(p.shape[1])
    dc = np.zeros_like(p)
    excess = {}
    for g in faceted:
        if g == i:
            continue
        w = geometry.arithmetic(eta[g] ** 2 / total)
        on = live & (w > 1e-8)
        if not on.any():
            continue
        w = np.where(on, w, 0.0)
        c_g, dc_g, h_g = _gamma_squared(p, length, on, facets[g], orientation_deg[g], geometry.normals)
        c += w * (c_g - 1.0)
        h += w * (h_g - 1.0)
        dc += w * dc_g
        excess[g] = c_g - 1.0  # 0 where the weight is 0 (c_g = 1 off the live faces)
    return c, dc, h, excess

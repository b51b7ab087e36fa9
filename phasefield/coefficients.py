r"""From the state to the coefficients of the discrete equations (solver units).

Both backends (:mod:`phasefield.equations`, plain FiPy, and
:mod:`phasefield.fast`, FiPy-built discretization refreshed in numpy) solve the
same linear systems per step, built from :class:`StepCoefficients`:

.. math::

    \frac{\tau}{\Delta t}(\eta_i - \eta_i^{old}) = \nabla\cdot(\kappa_f\nabla\eta_i)
        - \frac{\partial f_{loc}}{\partial\eta_i},\qquad \tau = 1/L(\eta)

    \frac{c - c^{old}}{\Delta t} = \nabla\cdot(D_f\nabla c) - \nabla\cdot(D_f\nabla\hat c)

The source :math:`F_i = s_i\eta_i = \partial f_{loc}/\partial\eta_i`
(:func:`phasefield.free_energy.driving_coefficient`) is linearized about the
start of the step (FiPy's tangent linearization, examples/phase/simple.py):
:math:`F \approx F^{old} + F'(\eta - \eta^{old})` with the slope kept
implicit only where it stabilises, :math:`s^{+} = \max(F', 0)`, and the rest
explicit, :math:`e = (s^{+} - s)\eta^{old}`:

.. math::

    \frac{\tau}{\Delta t}(\eta_i - \eta_i^{old}) = \nabla\cdot(\kappa_f\nabla\eta_i)
        - s_i^{+}\eta_i + e_i .

This is FiPy's ``ImplicitSourceTerm`` sign rule made explicit here, so both
backends agree by construction; :math:`\eta_i = 0` stays 0 (nothing appears
without nucleation). All coefficients are evaluated from the state at the
start of the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import free_energy as fe
from .anisotropy import gradient_tensor
from .params import ModelParameters, SolverUnits
from .phases import COMPOSITION, PHASES, SUBSTRATE, SURROUNDINGS


GRADIENT_FLOOR = 1e-6
"""|grad eta| (per cell) below which a face is bulk for the anisotropy: D = I there.
Far tails of the tanh profile only (the interface centre has ~0.25); the flux
error this makes is below 1e-5 of the interface flux, and it confines the cost
of gamma(n) to the interfaces (measured: a half to two thirds of the faces skipped)."""


@dataclass(frozen=True)
class FaceGeometry:
    """Cell/face connectivity of a FiPy mesh, as plain arrays.

    ``first``/``second`` are the two cells of each face (the same cell twice on
    the boundary), ``interior`` marks interior faces, ``weight`` is FiPy's
    geometric diffusion coefficient area/distance and ``volume`` the cell volumes.
    """

    first: np.ndarray
    second: np.ndarray
    interior: np.ndarray
    weight: np.ndarray
    volume: np.ndarray
    normals: np.ndarray
    distance: np.ndarray
    gradient: tuple  # sparse (cells x cells) per axis: FiPy's Gauss cell gradient
    face_sum: sp.csr_matrix  # (cells x faces): sum over a cell's faces with their outward orientation

    @classmethod
    def from_mesh(cls, mesh) -> "FaceGeometry":
        ids = mesh.faceCellIDs
        first = np.asarray(np.ma.getdata(ids[0]))
        interior = ~np.ma.getmaskarray(ids[1])
        second = np.where(interior, np.ma.getdata(ids[1]), first)
        area = np.asarray(mesh._faceAreas)
        volume = np.asarray(mesh.cellVolumes)
        n_cells, n_faces = mesh.numberOfCells, mesh.numberOfFaces
        # Gauss gradient: grad_c = sum_f orientation A_f n_f phi_f / V, phi_f the arithmetic
        # face value (the cell's own value on the boundary), as FiPy's CellVariable.grad.
        cell_faces = np.ma.getdata(mesh.cellFaceIDs)
        valid = ~np.ma.getmaskarray(mesh.cellFaceIDs)
        orient = np.ma.filled(mesh._cellToFaceOrientations, 0).astype(float)
        rows = np.broadcast_to(np.arange(n_cells), cell_faces.shape)[valid]
        face_sum = sp.csr_matrix((orient[valid], (rows, cell_faces[valid])), shape=(n_cells, n_faces))
        average = sp.csr_matrix(
            (np.full(2 * n_faces, 0.5), (np.tile(np.arange(n_faces), 2), np.concatenate([first, second]))), shape=(n_faces, n_cells)
        )
        face_normals = np.asarray(mesh.faceNormals)
        gradient = tuple((sp.diags(1.0 / volume) @ face_sum @ sp.diags(area * face_normals[k]) @ average).tocsr() for k in range(mesh.dim))
        return cls(
            first=first,
            second=second,
            interior=interior,
            weight=np.asarray(area / mesh._cellDistances),
            volume=volume,
            normals=np.asarray(mesh._faceCellToCellNormals),
            distance=np.asarray(mesh._cellDistances),
            gradient=gradient,
            face_sum=face_sum,
        )

    def flux_divergence(self, phi: np.ndarray, face_coeff: np.ndarray) -> np.ndarray:
        """V div(c grad phi) per cell with FiPy's two-point face flux (no flux through the boundary)."""
        f = self.interior
        a, b = self.first[f], self.second[f]
        flux = face_coeff[f] * self.weight[f] * (phi[b] - phi[a])
        return np.bincount(a, flux, phi.size) - np.bincount(b, flux, phi.size)

    def face_gradient(self, phi: np.ndarray) -> np.ndarray:
        """Gradient at faces, (dim, faces): the two-cell difference along the face normal,
        the mean of the cells' Gauss gradients across it (FiPy's ``faceGrad`` construction)."""
        cell = np.stack([G @ phi for G in self.gradient])
        mean = 0.5 * (cell[:, self.first] + cell[:, self.second])
        normal = np.where(self.interior, (phi[self.second] - phi[self.first]) / self.distance, 0.0)
        return mean + self.normals * (normal - (self.normals * mean).sum(axis=0))

    def arithmetic(self, cell_values: np.ndarray) -> np.ndarray:
        """Arithmetic face mean (FiPy's ``arithmeticFaceValue`` on a uniform grid)."""
        return 0.5 * (cell_values[..., self.first] + cell_values[..., self.second])

    def harmonic(self, cell_values: np.ndarray) -> np.ndarray:
        """Harmonic face mean; zero where either cell is zero (no flux into the surroundings)."""
        a, b = cell_values[..., self.first], cell_values[..., self.second]
        s = a + b
        return np.where(s > 0, 2.0 * a * b / np.where(s > 0, s, 1.0), 0.0)


def local_coefficients(p: ModelParameters, units: SolverUnits, temperature_K: float) -> fe.LocalCoefficients:
    """Pair and phase constants of the free energy and kinetics at T, in solver units."""
    n = len(PHASES)
    l_m = p.interface_width_nm * 1e-9
    E0 = units.energy_J_m3
    sigma = np.array([[p.interface_energy(a, b) for b in PHASES] for a in PHASES])
    mu = np.array([[p.interface_mobility(a, b, temperature_K) for b in PHASES] for a in PHASES])
    L_ref = 1.0 / (units.time_s * E0)
    kappa = 0.75 * sigma * l_m / (E0 * units.length_m**2)
    m = 6.0 * sigma / (l_m * E0)
    mobility = 4.0 * mu / (3.0 * l_m) / L_ref
    g = np.zeros(n)
    g[PHASES.index("NVP")] = p.nvp_driving_force_J_m3(temperature_K) / E0
    g[PHASES.index("amorphous")] = p.crystallization_entropy_J_m3K * (temperature_K - p.crystallization_temperature_K) / E0
    to_solver = units.time_s / units.length_m**2
    D = np.array([p.diffusivity(ph, temperature_K) for ph in PHASES]) * to_solver
    factor = p.diffusion_factor(temperature_K) * to_solver
    return fe.LocalCoefficients(
        kappa=kappa,
        m=m,
        mobility=mobility,
        composition=np.array([COMPOSITION[ph] for ph in PHASES]),
        chemical_energy=g,
        diffusivity=D,
        boundary_diffusivity=p.boundary_diffusivity_m2_s * factor,
        surface_diffusivity=p.surface_diffusivity_m2_s * factor,
        chemical_stiffness=p.chemical_stiffness_J_m3 / E0,
        surroundings=PHASES.index(SURROUNDINGS),
        substrate=PHASES.index(SUBSTRATE),
    )


@dataclass(frozen=True)
class StepCoefficients:
    """Arrays of one step's linear systems (solver units).

    tau: (cells,) 1/L; kappa_face: (faces,) gradient coefficient at faces;
    s_plus, explicit: (evolving grains, cells) implicit source coefficient and
    explicit source; diffusivity_face: (faces,); c_hat: (cells,);
    kappa_tensor: (evolving grains, dim, dim, faces) kappa D_gamma(n) of each
    grain when the run is anisotropic, else None.
    """

    tau: np.ndarray
    kappa_face: np.ndarray
    s_plus: np.ndarray
    explicit: np.ndarray
    diffusivity_face: np.ndarray
    c_hat: np.ndarray
    kappa_tensor: np.ndarray | None = None


def step_coefficients(
    eta: np.ndarray,
    c: np.ndarray,
    grain_phase: np.ndarray,
    evolving: np.ndarray,
    lc: fe.LocalCoefficients,
    geometry: FaceGeometry,
    facets: list | None = None,
    orientation_deg: np.ndarray | None = None,
    stabilization: list | None = None,
) -> StepCoefficients:
    """Evaluate every coefficient from the start-of-step state.

    Parameters
    ----------
    eta
        Order parameters, (grains, cells).
    c
        NaH2PO4 fraction, (cells,).
    grain_phase
        Phase index of each grain.
    evolving
        Indices of the grains whose equations are solved this step.
    lc
        Constants at the step's temperature.
    geometry
        Face connectivity of the mesh.
    facets, orientation_deg
        Per grain: its :class:`~phasefield.anisotropy.FacetSet` (or None) and
        orientation; ``facets=None`` for an isotropic run. The gradient
        coefficient of grain i becomes kappa_f D(n_i), D from
        :func:`phasefield.anisotropy.gradient_tensor` at the grain's outward
        normal n_i = -grad eta_i (face gradient).
    stabilization
        Per grain S (with facets): kappa S I is added to the tensor (implicit,
        normal part) and div(kappa S grad eta_i) of the iterate subtracted
        explicitly, so the two cancel once the sweeps have converged.
    """
    L = fe.pair_interpolate(eta, grain_phase, lc.mobility, fallback=float(lc.mobility.max()))
    kappa = fe.pair_interpolate(eta, grain_phase, lc.kappa, fallback=float(lc.kappa.max()))
    s, slope = fe.driving_coefficient(eta, c, grain_phase, lc)
    s, slope = s[evolving], slope[evolving]
    s_plus = np.maximum(slope, 0.0)
    eta_e = eta[evolving]
    h = fe.phase_fractions(eta, grain_phase, lc.composition.size)
    D = fe.diffusivity_field(eta, grain_phase, lc)
    kappa_face = geometry.arithmetic(kappa)
    tensors = None
    explicit = (s_plus - s) * eta_e
    if facets is not None:
        eye = np.eye(geometry.normals.shape[0])[:, :, None]
        S = np.zeros(eta.shape[0]) if stabilization is None else np.asarray(stabilization, dtype=float)
        faceted = [g for g, f in enumerate(facets) if f is not None]
        tensors, S_used = [], []
        for i in evolving:
            grad = geometry.face_gradient(eta[i])
            if facets[i] is not None:
                # gamma belongs to the outward normal -grad eta_i (eta_i is high inside); the
                # tensor of the energy (1/2) Gamma(-grad eta)^2 is D(-grad eta) (1-homogeneity)
                tensor, S_i = gradient_tensor(-grad, facets[i], grain_rotation(orientation_deg[i], geometry.normals.shape[0]), floor=GRADIENT_FLOOR), S[i]
            else:
                tensor, S_i = _neighbour_tensor(eta, i, grad, faceted, facets, orientation_deg, geometry), max([S[g] for g in faceted], default=0.0)
            tensors.append(kappa_face * (tensor + S_i * eye))
            S_used.append(S_i)
        tensors = np.stack(tensors)
        for n, i in enumerate(evolving):
            if S_used[n] > 0:
                explicit[n] -= geometry.flux_divergence(eta[i], kappa_face * S_used[n]) / geometry.volume
    return StepCoefficients(
        tau=1.0 / L,
        kappa_face=kappa_face,
        s_plus=s_plus,
        explicit=explicit,
        diffusivity_face=geometry.harmonic(D),
        c_hat=lc.composition @ h,
        kappa_tensor=tensors,
    )


def _neighbour_tensor(eta, i, grad, faceted, facets, orientation_deg, geometry) -> np.ndarray:
    """Tensor of a grain without facets: the anisotropy of the faceted grains it borders.

    Interface anisotropy belongs to the interface, not to one order parameter:
    at a boundary between a faceted grain g and grain i both gradient terms
    must carry gamma_g, or the isotropic partner dilutes it (measured: a square
    facet set relaxed to a shape 15 % of its size away from the Wulff square).
    Weights w_g = eta_g^2 / sum_{j != i} eta_j^2 (face means) are 1 along a
    two-grain boundary; the rest is isotropic. grad eta_i points out of g, so
    gamma_g is taken at g's outward normal, as for g itself.
    """
    others = np.delete(np.arange(eta.shape[0]), i)
    total = np.maximum((eta[others] ** 2).sum(axis=0), 1e-12)
    d = grad.shape[0]
    D = np.zeros((d, d, grad.shape[1]))
    weight_sum = np.zeros(grad.shape[1])
    for g in faceted:
        if g == i:
            continue
        w = geometry.arithmetic(eta[g] ** 2 / total)
        live = w > 1e-8
        if not live.any():
            continue
        D[:, :, live] += w[live] * gradient_tensor(grad[:, live], facets[g], grain_rotation(orientation_deg[g], d), floor=GRADIENT_FLOOR)
        weight_sum[live] += w[live]
    return D + (1.0 - weight_sum) * np.eye(d)[:, :, None]


def grain_rotation(orientation_deg: float, dim: int):
    """2D: the angle; 3D: a rotation about z by the angle (grain orientation convention)."""
    if dim == 2:
        return float(orientation_deg)
    t = np.radians(orientation_deg)
    return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])

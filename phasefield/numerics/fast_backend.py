"""The fast backend: FiPy's discretization, assembled once, refreshed in numpy.

FiPy spends ~93 % of a step assembling matrices in Python (notes/fipy-speed.md).
Here the finite-volume operator of ``DiffusionTerm`` is built once from the
FiPy mesh's own geometry (face-cell connectivity, area/distance weights, cell
volumes) as a CSR pattern plus a sparse map from face weights to CSR data.
Each step only refreshes the face weights and the diagonal (transient and
implicit-source terms) and solves with scipy's CG. The systems are the ones the
plain FiPy backend (:mod:`phasefield.numerics.fipy_backend`) assembles; a test proves the
two agree to solver tolerance.

Differences from the plain path, both within solver tolerance: the order-
parameter systems use Jacobi-preconditioned CG (their diagonals span orders of
magnitude through 1/L), switched per grain to CG preconditioned by a reused algebraic
multigrid hierarchy of its own once Jacobi-CG needs many iterations (fine grids); the mu
systems use CG preconditioned by a reused hierarchy (shared by the species) at a tolerance
of at most 1e-11. All use :func:`~phasefield.numerics.krylov.conjugate_gradient` with FiPy's
stopping rule; the hierarchies are :class:`~phasefield.numerics.multigrid.ReusedHierarchy`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .coefficients import StepCoefficients
from .geometry import FaceGeometry
from .krylov import conjugate_gradient
from .multigrid import ReusedHierarchy


class FastEquations:
    """Same systems as :class:`phasefield.numerics.fipy_backend.FipyEquations`, assembled in numpy.

    Parameters
    ----------
    geometry
        Face connectivity and weights of the FiPy mesh.
    tolerance
        Relative residual ||r|| <= tolerance ||b|| (FiPy's "RHS" criterion).
    sweep_fraction
        ``ModelParameters.sweep_solve_fraction``.
    amg_after
        ``ModelParameters.order_parameter_amg_after``: a grain's order-parameter solves
        switch from Jacobi-CG to AMG-CG once one needed more iterations than this; 0: never.
    """

    def __init__(self, geometry: FaceGeometry, tolerance: float, sweep_fraction: float = 0.0, amg_after: int = 0):
        self.geometry = geometry
        self.tolerance = tolerance
        self.sweep_fraction = sweep_fraction
        n = geometry.volume.size
        f = np.flatnonzero(geometry.interior)
        a, b = geometry.first[f], geometry.second[f]
        rows = np.concatenate([np.arange(n), a, b, a, b])
        cols = np.concatenate([np.arange(n), a, b, b, a])
        pattern = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
        pattern.sum_duplicates()
        pattern.sort_indices()
        row_of = np.repeat(np.arange(n), np.diff(pattern.indptr))
        keys = row_of.astype(np.int64) * n + pattern.indices
        where = lambda r, c: np.searchsorted(keys, r.astype(np.int64) * n + c)  # noqa: E731
        m = f.size
        face_ids = np.arange(m)
        self._face_map = sp.csr_matrix(
            (
                np.concatenate([np.ones(2 * m), -np.ones(2 * m)]),
                (np.concatenate([where(a, a), where(b, b), where(a, b), where(b, a)]), np.tile(face_ids, 4)),
            ),
            shape=(keys.size, m),
        )
        self._diag = where(np.arange(n), np.arange(n))
        self._interior = f
        self._matrix = pattern.copy()
        self.volume = geometry.volume
        self.amg_after = amg_after
        self._mu_amg = ReusedHierarchy()
        self._eta_amg: dict[int, ReusedHierarchy] = {}

    def reset(self) -> None:
        """Forget the reused multigrid hierarchies and which grains use one (called at every
        frame, so that a run resumed from a frame repeats the uninterrupted run bit for bit)."""
        self._mu_amg = ReusedHierarchy()
        self._eta_amg = {}

    def operator(self, face_coeff: np.ndarray, diagonal: np.ndarray) -> sp.csr_matrix:
        """Matrix of  diag(diagonal) - div(face_coeff grad .)  times the cell volume."""
        A = self._matrix
        A.data = self._face_map @ (face_coeff[self._interior] * self.geometry.weight[self._interior])
        A.data[self._diag] += diagonal
        return A

    def step(
        self,
        eta: np.ndarray,
        n: np.ndarray,
        k: StepCoefficients,
        evolving: np.ndarray,
        dt: float,
        guess: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Advance one implicit step from (eta, n); returns (eta, mu, linear iterations).

        ``guess`` (the latest sweep's eta and mu) is the CG starting point.
        """
        eta_guess, mu_guess = guess
        V = self.volume
        new_eta = eta.copy()
        iterations = 0
        for m, i in enumerate(evolving):
            diag = V * (k.tau / dt + k.s_plus[m])
            rhs = V * (k.tau / dt * eta[i] + k.explicit[m])
            A = self.operator(k.grain_kappa(m), diag)
            new_eta[i], its = self._solve_eta(int(i), A, rhs, eta_guess[i], dt)
            iterations += its
        A = self.operator(k.mobility_face, V * k.susceptibility / dt)
        mu = np.empty_like(n)
        for s in range(n.shape[0]):
            mu[s], its = self._solve_mu(A, V * (n[s] - k.n_hat[s]) / dt, mu_guess[s], dt, fresh=s == 0)
            iterations += its
        return new_eta, mu, iterations

    def _solve_eta(self, grain: int, A: sp.csr_matrix, rhs: np.ndarray, eta: np.ndarray, dt: float) -> tuple[np.ndarray, int]:
        """CG on one grain's order parameter: Jacobi-preconditioned until a solve needs more than
        ``amg_after`` iterations, from then on (until :meth:`reset`) preconditioned by a
        multigrid hierarchy of this grain's operator, reused like the mu hierarchy.

        At a fixed dt, L kappa dt / dx^2 grows 4x per refinement and the Jacobi-CG iterations
        double (16 at 64^2 to 302 at 1024^2, README "Speed"); an AMG-CG solve needs 5-8 whatever the
        grid, but a V-cycle costs ~13 Jacobi-CG iterations and a build about one Jacobi solve.
        """
        hierarchy = self._eta_amg.get(grain)
        if hierarchy is None:
            x, its = conjugate_gradient(A, rhs, eta, self.tolerance, inverse_diagonal=1.0 / A.data[self._diag], start_fraction=self.sweep_fraction)
            if self.amg_after and its > self.amg_after:
                self._eta_amg[grain] = ReusedHierarchy()
            return x, its
        return hierarchy.solve(A, rhs, eta, dt, self.tolerance, self.sweep_fraction)

    def _solve_mu(self, A: sp.csr_matrix, rhs: np.ndarray, mu: np.ndarray, dt: float, fresh: bool) -> tuple[np.ndarray, int]:
        """CG on mu, preconditioned by an algebraic multigrid hierarchy that is reused across steps.

        ``fresh``: the first species of this matrix (the hierarchy may be rebuilt; the
        other species reuse it). M dt / (chi dx^2) reaches ~100, where plain CG needs 200-400 iterations
        (measured: 183 at 128^2, 398 at 256^2). A Ruge-Stuben hierarchy
        (pyamg) cuts that to 5-7 (:class:`ReusedHierarchy`). The tolerance is at most 1e-11.
        Conservation does not rest on it: the densities are taken from the fluxes of the solved mu.
        """
        return self._mu_amg.solve(A, rhs, mu, dt, min(self.tolerance, 1e-11), self.sweep_fraction, rebuild=fresh)

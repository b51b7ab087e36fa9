"""The fast backend: FiPy's discretization, assembled once, refreshed in numpy.

FiPy spends ~93 % of a step assembling matrices in Python (notes/fipy-speed.md).
Here the finite-volume operator of ``DiffusionTerm`` is built once from the
FiPy mesh's own geometry (face-cell connectivity, area/distance weights, cell
volumes) as a CSR pattern plus a sparse map from face weights to CSR data.
Each step only refreshes the face weights and the diagonal (transient and
implicit-source terms) and solves with scipy's CG. The systems are the ones the
plain FiPy backend (:mod:`phasefield.equations`) assembles; a test proves the
two agree to solver tolerance.

Differences from the plain path, both within solver tolerance: the order-
parameter systems use Jacobi-preconditioned CG (their diagonals span orders of
magnitude through 1/L); the c system keeps unpreconditioned CG, whose Krylov
vectors sum to zero on a uniform grid, so c is conserved to round-off. Both
use :func:`conjugate_gradient` with FiPy's stopping rule.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .coefficients import FaceGeometry, StepCoefficients


class FastEquations:
    """Same systems as :class:`phasefield.equations.FipyEquations`, assembled in numpy.

    Parameters
    ----------
    geometry
        Face connectivity and weights of the FiPy mesh.
    tolerance
        Relative residual ||r|| <= tolerance ||b|| (FiPy's "RHS" criterion).
    """

    def __init__(self, geometry: FaceGeometry, tolerance: float):
        self.geometry = geometry
        self.tolerance = tolerance
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

    def operator(self, face_coeff: np.ndarray, diagonal: np.ndarray) -> sp.csr_matrix:
        """Matrix of  diag(diagonal) - div(face_coeff grad .)  times the cell volume."""
        A = self._matrix
        A.data = self._face_map @ (face_coeff[self._interior] * self.geometry.weight[self._interior])
        A.data[self._diag] += diagonal
        return A

    def step(
        self,
        eta: np.ndarray,
        c: np.ndarray,
        k: StepCoefficients,
        evolving: np.ndarray,
        dt: float,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Advance one implicit step; returns (eta, c, linear iterations)."""
        V = self.volume
        new_eta = eta.copy()
        iterations = 0
        for n, i in enumerate(evolving):
            diag = V * (k.tau / dt + k.s_plus[n])
            A = self.operator(k.kappa_face, diag)
            rhs = V * (k.tau / dt * eta[i] + k.explicit[n])
            new_eta[i], its = conjugate_gradient(A, rhs, eta[i], self.tolerance, inverse_diagonal=1.0 / A.data[self._diag])
            iterations += its
        A = self.operator(k.diffusivity_face, np.zeros_like(V))
        rhs = V * c / dt + A @ k.c_hat
        A.data[self._diag] += V / dt
        new_c, its = conjugate_gradient(A, rhs, c, self.tolerance)
        return new_eta, new_c, iterations + its


def conjugate_gradient(
    A: sp.csr_matrix,
    b: np.ndarray,
    x0: np.ndarray,
    tolerance: float,
    inverse_diagonal: np.ndarray | None = None,
    max_iterations: int = 20_000,
) -> tuple[np.ndarray, int]:
    """(Jacobi-preconditioned) conjugate gradients, Hestenes & Stiefel (1952).

    Stops at ||b - A x|| <= tolerance ||b||, the criterion of scipy's ``cg`` and
    of FiPy's "RHS" default. Written out because scipy's ``cg`` spends most of
    its time in ``LinearOperator`` dispatch at these sizes (profiled: 3 s of
    5.8 s); the algorithm and the stopping rule are the same. Without a
    preconditioner every search direction of a system whose columns sum to
    V/dt (a conservative diffusion operator on a uniform grid) sums to zero,
    so sum(x) equals sum(x0) + dt/V sum(b - A x0) to round-off.

    Raises
    ------
    FloatingPointError
        If it does not converge in ``max_iterations`` (the caller retries with
        a smaller step).
    """
    x = x0.copy()
    r = b - A @ x
    b_norm = float(np.sqrt(b @ b))
    target = tolerance * b_norm
    z = r * inverse_diagonal if inverse_diagonal is not None else r
    p = z.copy()
    rz = float(r @ z)
    for k in range(max_iterations):
        if float(np.sqrt(r @ r)) <= target:
            return x, k
        Ap = A @ p
        alpha = rz / float(p @ Ap)
        x += alpha * p
        r -= alpha * Ap
        z = r * inverse_diagonal if inverse_diagonal is not None else r
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    raise FloatingPointError(f"conjugate gradients did not reach {tolerance:g} in {max_iterations} iterations")

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
of at most 1e-11. All use :func:`conjugate_gradient` with FiPy's stopping rule.
"""

from __future__ import annotations

import math

import numpy as np
import pyamg
import scipy.sparse as sp
from pyamg.multilevel import coarse_grid_solver

from .coefficients import StepCoefficients
from .geometry import FaceGeometry


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


class ReusedHierarchy:
    """CG preconditioned by a Ruge-Stuben hierarchy (pyamg) of an operator that drifts slowly.

    The build (the coarse/fine splitting, the interpolation P and the maps below) costs many
    V-cycles, so it is reused across sweeps and steps; each new matrix only recomputes the coarse
    operators P^T A P through linear maps of the matrix entries made at the build
    (:func:`galerkin_map`; at 128^2 0.6-1.5 ms against 8-12 ms for scipy's product, a V-cycle ~2 ms,
    a build ~110 ms, pyamg's part of it ~30 ms; README "Speed"). A stale
    splitting costs little: on the mu systems of faceted epitaxy the updated hierarchy needed the
    iterations of a fresh build (5.4 per solve at 128^2), the unchanged coarse operators nearly twice
    as many (8.9); with a diagonal (dt) changed by 0.25-2x since the build, 0-1 more than a fresh
    build (4x: 2-3 more). The hierarchy is rebuilt when dt changed by more than 2x since the build,
    after ``reuse`` solves, or when a solve needed more than twice (+ 4) the iterations of the
    first solve after the build.

    Parameters
    ----------
    reuse
        Most solves with one splitting.
    """

    def __init__(self, reuse: int = 100):
        self.reuse = reuse
        self._solver = None
        self._amg = None
        self._maps: list[sp.csr_matrix] = []
        self._age = 0
        self._fresh: int | None = None
        self._last = 0
        self._dt = 1.0

    def stale(self, dt: float) -> bool:
        """Whether a solve at ``dt`` should rebuild the hierarchy first."""
        return (
            self._amg is None
            or abs(math.log2(dt / self._dt)) > 1.0
            or self._age >= self.reuse
            or self._last > 2 * self._fresh + 4
        )

    def solve(
        self, A: sp.csr_matrix, rhs: np.ndarray, x0: np.ndarray, dt: float, tolerance: float, start_fraction: float, rebuild: bool = True
    ) -> tuple[np.ndarray, int]:
        """:func:`conjugate_gradient` of A x = rhs from x0 after the hierarchy was rebuilt from A if
        stale, else had its coarse operators recomputed from A; ``rebuild`` False: another
        right-hand side of the matrix just solved (the hierarchy is used as it is)."""
        if rebuild and self.stale(dt):
            self._build(A)
            self._age, self._fresh, self._dt = 0, None, dt
        elif rebuild:
            self._update(A)
        x, its = conjugate_gradient(A, rhs, x0, tolerance, preconditioner=self._amg, start_fraction=start_fraction)
        self._age += 1
        self._last = its
        if self._fresh is None:
            self._fresh = its
        return x, its

    def _build(self, A: sp.csr_matrix) -> None:
        """A new splitting of A, its coarse operators on the patterns of :func:`galerkin_map`."""
        self._solver = pyamg.ruge_stuben_solver(A.copy(), presmoother=_PRESMOOTHER, postsmoother=_POSTSMOOTHER)
        levels = self._solver.levels
        self._maps = []
        for fine, coarse in zip(levels[:-1], levels[1:]):
            coarse.A, G = galerkin_map(fine.A, fine.P)
            coarse.A.data = G @ fine.A.data
            self._maps.append(G)
        self._solver.coarse_solver = coarse_grid_solver("pinv")
        self._amg = self._solver.aspreconditioner(cycle="V")

    def _update(self, A: sp.csr_matrix) -> None:
        """The coarse operators P^T A P of A (same pattern as at the build), the splitting kept."""
        levels = self._solver.levels
        levels[0].A.data[:] = A.data
        for G, fine, coarse in zip(self._maps, levels[:-1], levels[1:]):
            coarse.A.data[:] = G @ fine.A.data
        self._solver.coarse_solver = coarse_grid_solver("pinv")  # forgets the coarsest level's pseudo-inverse


# Forward Gauss-Seidel before and backward after: still a symmetric preconditioner, one sweep per
# side instead of pyamg's default two (symmetric) ones.
_PRESMOOTHER = ("gauss_seidel", {"sweep": "forward"})
_POSTSMOOTHER = ("gauss_seidel", {"sweep": "backward"})


def galerkin_map(A: sp.csr_matrix, P: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The coarse operator P^T A P as a linear map of A's entries.

    Parameters
    ----------
    A
        (n, n) CSR matrix; only its pattern is used.
    P
        (n, nc) CSR interpolation.

    Returns
    -------
    (coarse, G)
        ``coarse``: the (nc, nc) CSR pattern of P^T A P (sorted, zero data; it keeps entries that
        cancel numerically); ``G``: sparse, ``coarse.data = G @ A.data`` for any data on A's pattern.
        Built without sorting the ~4 nnz(A) products (each (entry, coarse position) occurs once).
    """
    # the pattern from ones: no cancellation, and no underflow (RS weights reach 1e-232), which scipy's product would drop
    ones = _ones(P)
    coarse = (ones.T @ _ones(A) @ ones).tocsr()
    coarse.sort_indices()
    coarse.data[:] = 0.0
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    entry, left = _row_entries(P.indptr, rows)  # each (A entry e, P[row_e, I]), in the order of e
    pair, right = _row_entries(P.indptr, A.indices[entry])  # each of those with P[col_e, J]
    slot = sp.csr_matrix((np.arange(1.0, coarse.nnz + 1.0), coarse.indices, coarse.indptr), shape=coarse.shape)
    position = np.asarray(slot[P.indices[left][pair], P.indices[right]]).ravel().astype(np.int64) - 1  # 3x a searchsorted of keys
    starts = np.concatenate([[0], np.cumsum(np.bincount(entry[pair], minlength=A.nnz))])
    transposed = sp.csr_matrix((P.data[left][pair] * P.data[right], position, starts), shape=(A.nnz, coarse.nnz))
    return coarse, transposed.T.tocsr()


def _ones(M: sp.csr_matrix) -> sp.csr_matrix:
    """M's pattern with every stored entry 1."""
    return sp.csr_matrix((np.ones(M.nnz), M.indices, M.indptr), shape=M.shape)


def _row_entries(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every entry of the CSR rows ``rows`` (repeats allowed): (index into ``rows``, position in the data)."""
    counts = indptr[rows + 1] - indptr[rows]
    owner = np.repeat(np.arange(rows.size), counts)
    return owner, np.repeat(indptr[rows] - np.cumsum(counts) + counts, counts) + np.arange(owner.size)


_TINY_SYSTEM = 1e-100
"""Below this norm of b and of the starting residual, CG solves the rescaled system: the squares of
such vectors are subnormal or zero (the smallest normal double is 2.2e-308)."""


def conjugate_gradient(
    A: sp.csr_matrix,
    b: np.ndarray,
    x0: np.ndarray,
    tolerance: float,
    inverse_diagonal: np.ndarray | None = None,
    max_iterations: int = 20_000,
    preconditioner=None,
    start_fraction: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Preconditioned conjugate gradients, Hestenes & Stiefel (1952).

    ``inverse_diagonal`` gives Jacobi preconditioning; ``preconditioner`` any
    symmetric positive definite operator (``M @ r``); neither: plain CG.

    Stops at ||b - A x|| <= tolerance ||b||, the criterion of scipy's ``cg`` and
    of FiPy's "RHS" default, or earlier at ``start_fraction`` x the starting
    residual ||b - A x0|| if that is larger (an inexact inner solve of an outer
    iteration whose own change sets the accuracy needed). Written out because scipy's ``cg`` spends most of
    its time in ``LinearOperator`` dispatch at these sizes (profiled: 3 s of
    5.8 s); the algorithm and the stopping rule are the same. Without a
    preconditioner every search direction of a system whose columns sum to
    V/dt (a conservative diffusion operator on a uniform grid) sums to zero,
    so sum(x) equals sum(x0) + dt/V sum(b - A x0) to round-off.

    Raises
    ------
    FloatingPointError
        If it does not converge in ``max_iterations`` (the caller retries with
        a smaller step), or at once when a NaN or inf enters the iteration (a
        comparison with NaN never stops it: it would run to ``max_iterations``).
    """
    b_norm = float(np.sqrt(b @ b))
    if b_norm == 0.0:  # A is positive definite: x = 0 exactly, where ||r|| <= tolerance x 0 would never stop
        return np.zeros_like(x0), 0
    x = x0.copy()
    r = b - A @ x
    scale = max(b_norm, float(np.sqrt(r @ r)))
    if 0.0 < scale < _TINY_SYSTEM:
        # a vanished grain's system (entries ~1e-150): r.z and p.Ap fall below the normal range and
        # became 0 (ZeroDivisionError). A x = b is linear, and both stopping tests are relative: solve
        # for x / scale instead, the same iterates times 1 / scale
        y, its = conjugate_gradient(A, b / scale, x0 / scale, tolerance, inverse_diagonal, max_iterations, preconditioner, start_fraction)
        return y * scale, its
    target = max(tolerance * b_norm, start_fraction * float(np.sqrt(r @ r)))
    precondition = _preconditioner(inverse_diagonal, preconditioner)
    z = precondition(r)
    p = z.copy()
    rz = float(r @ z)
    for k in range(max_iterations):
        if not (math.isfinite(rz) and math.isfinite(b_norm)):
            raise FloatingPointError(f"conjugate gradients met NaN or inf (matrix, right-hand side or start) at iteration {k}")
        if float(np.sqrt(r @ r)) <= target:
            return x, k
        Ap = A @ p
        alpha = rz / float(p @ Ap)
        x += alpha * p
        r -= alpha * Ap
        z = precondition(r)
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    raise FloatingPointError(f"conjugate gradients did not reach {tolerance:g} in {max_iterations} iterations")


def _preconditioner(inverse_diagonal, operator):
    if operator is not None:
        return lambda r: operator @ r
    if inverse_diagonal is not None:
        return lambda r: r * inverse_diagonal
    return lambda r: r

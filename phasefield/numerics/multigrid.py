"""Algebraic multigrid for the implicit systems: a Ruge-Stuben hierarchy (pyamg), reused across
steps, and its V-cycle written out."""

from __future__ import annotations

import math

import numpy as np
import pyamg
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg
from pyamg.amg_core import gauss_seidel

from .krylov import conjugate_gradient, matvec


DENSE_COARSEST = 100
"""Largest coarsest level solved with a dense pseudo-inverse (pyamg's default coarse solver). pyamg stops
at 10 unknowns where it can coarsen, but keeps a whole system as one level where it cannot: a mu system with no off-diagonal
entries (no phase present has a transport path: the ghost-film check of ``scenarios/films.py``),
whose dense pseudo-inverse took 20 ms a step at 384 cells and grows as n^3 (minutes at 128^2, with a
2 GB matrix). A sparse LU of such a level is exact as well (the levels are nonsingular: V chi / dt on
the diagonal)."""


class VCycle:
    """pyamg's V-cycle preconditioner (``MultilevelSolver.aspreconditioner(cycle="V")``) with one
    forward Gauss-Seidel sweep before and one backward sweep after the coarse correction, and the
    pseudo-inverse on the coarsest level: the same operations in the same order, so the same
    numbers bit for bit (tested), without what pyamg adds per application.

    pyamg's preconditioner is a one-iteration ``solve``: two extra fine-level residuals and their
    norms, a system check before every smoothing and scipy's operator dispatch on every product.
    On a 64^2 grid those cost several times the cycle's own arithmetic (profiled on a whole
    epitaxy run: 0.76 ms per V-cycle, ~0.2 ms of it in the kernels).

    Parameters
    ----------
    levels
        The hierarchy's levels (``MultilevelSolver.levels``): ``A`` on each, ``P`` and ``R``
        (CSR) on all but the coarsest. The matrices are read at each application, so entries
        changed in place (:meth:`ReusedHierarchy._update`) are used; :meth:`refresh` after a
        change of the coarsest operator.
    """

    def __init__(self, levels: list):
        self.levels = levels
        self.refresh()

    def refresh(self) -> None:
        """Recompute the coarsest level's solve: its pseudo-inverse (as pyamg's ``coarse_grid_solver("pinv")``)
        up to :data:`DENSE_COARSEST` unknowns, a sparse LU above."""
        A = self.levels[-1].A
        if A.shape[0] <= DENSE_COARSEST:
            inverse = scipy.linalg.pinv(A.toarray())
            self._coarse_solve = lambda b: np.dot(inverse, b)
        else:
            self._coarse_solve = scipy.sparse.linalg.splu(A.tocsc()).solve

    def __matmul__(self, b: np.ndarray) -> np.ndarray:
        if len(self.levels) == 1:  # a system no larger than the coarsest pyamg keeps, or one it cannot coarsen
            return self._coarse_solve(b)
        return self._cycle(0, b)

    def _cycle(self, lvl: int, b: np.ndarray) -> np.ndarray:
        level = self.levels[lvl]
        A = level.A
        x = np.zeros_like(b)
        gauss_seidel(A.indptr, A.indices, A.data, x, b, 0, x.size, 1)
        coarse_b = matvec(level.R, b - matvec(A, x))
        if lvl == len(self.levels) - 2:
            coarse_x = self._coarse_solve(coarse_b)
        else:
            coarse_x = self._cycle(lvl + 1, coarse_b)
        x += matvec(level.P, coarse_x)
        gauss_seidel(A.indptr, A.indices, A.data, x, b, x.size - 1, -1, -1)
        return x


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
            coarse.A.data = matvec(G, fine.A.data)
            self._maps.append(G)
        self._amg = VCycle(levels)

    def _update(self, A: sp.csr_matrix) -> None:
        """The coarse operators P^T A P of A (same pattern as at the build), the splitting kept."""
        levels = self._solver.levels
        levels[0].A.data[:] = A.data
        for G, fine, coarse in zip(self._maps, levels[:-1], levels[1:]):
            coarse.A.data[:] = matvec(G, fine.A.data)
        self._amg.refresh()


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

"""Preconditioned conjugate gradients with FiPy's stopping rule, and a CSR product without dispatch."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

try:  # the kernel behind scipy's ``A @ x`` for CSR (y += A x); private, hence the fallback
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - a scipy without it
    _csr_matvec = None


def matvec(A: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """``A @ x`` for a CSR matrix and a vector, bit for bit, without scipy's operator dispatch.

    At 64^2 the dispatch (type checks, shape checks, result allocation) took more time than
    the product itself (profiled on a whole epitaxy run: 12 s of 22 s in 1.2 million products).
    Other formats, dtypes or a scipy without the kernel: ``A @ x``.
    """
    if _csr_matvec is None or getattr(A, "format", None) != "csr" or A.dtype != np.float64 or x.dtype != np.float64 or x.ndim != 1:
        return A @ x
    y = np.zeros(A.shape[0])
    _csr_matvec(A.shape[0], A.shape[1], A.indptr, A.indices, A.data, x, y)
    return y


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
    r = b - matvec(A, x)
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
        Ap = matvec(A, p)
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

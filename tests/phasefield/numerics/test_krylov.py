"""Conjugate gradients with FiPy's stopping rule, and the CSR product without dispatch."""

from __future__ import annotations

import fipy as fp
import numpy as np
import pytest
import scipy.sparse as sp

from phasefield.numerics.fast_backend import FastEquations
from phasefield.numerics.geometry import FaceGeometry
from phasefield.numerics.krylov import conjugate_gradient, matvec


def test_matvec_is_scipys_product_bit_for_bit():
    """Random CSR matrices (32- and 64-bit indices, unsorted columns) against scipy's ``A @ x``:
    the same kernel, so equal bit for bit; other formats (CSC, the transpose's CSC view, COO) and
    dtypes go through scipy."""
    rng = np.random.default_rng(5)
    A = sp.random(300, 200, density=0.03, random_state=rng, format="csr")
    A.indices = A.indices.copy()
    A.indices[A.indptr[3]:A.indptr[4]] = A.indices[A.indptr[3]:A.indptr[4]][::-1]  # unsorted row
    x = rng.standard_normal(200)
    assert np.array_equal(matvec(A, x), A @ x)
    wide = sp.csr_matrix((A.data, A.indices.astype(np.int64), A.indptr.astype(np.int64)), shape=A.shape)
    assert np.array_equal(matvec(wide, x), A @ x)
    assert np.array_equal(matvec(A.tocsc(), x), A.tocsc() @ x)
    y = rng.standard_normal(300)
    assert np.array_equal(matvec(A.T, y), A.T @ y)  # CSC view of the transpose
    assert np.array_equal(matvec(A.tocoo(), x), A.tocoo() @ x)
    assert np.array_equal(matvec(A, np.arange(200)), A @ np.arange(200))


def test_conjugate_gradient_stops_at_fipy_rhs_criterion_and_conserves_without_preconditioner():
    mesh = fp.Grid2D(nx=20, ny=20)
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-8)
    rng = np.random.default_rng(2)
    V = fast.volume
    A = fast.operator(rng.random(mesh.numberOfFaces) * 50, V / 0.1)
    x0 = rng.random(mesh.numberOfCells)
    b = V * x0 / 0.1
    x, its = conjugate_gradient(A, b, x0, 1e-8)
    assert np.linalg.norm(b - A @ x) <= 1e-8 * np.linalg.norm(b)
    assert its > 5
    assert abs(x.sum() - x0.sum()) < 1e-12 * x0.sum()  # columns of A sum to V/dt: zero-sum Krylov space


@pytest.mark.parametrize("where", ["rhs", "matrix", "start"])
def test_conjugate_gradient_stops_at_once_on_nan(where):
    """A NaN never satisfies the stopping test: without the guard CG ran all 20 000 iterations."""
    mesh = fp.Grid2D(nx=20, ny=20)
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-8)
    A = fast.operator(np.ones(mesh.numberOfFaces), fast.volume / 0.1).copy()
    b, x0 = np.ones(mesh.numberOfCells), np.zeros(mesh.numberOfCells)
    {"rhs": b, "matrix": A.data, "start": x0}[where][7] = np.nan
    with pytest.raises(FloatingPointError, match="NaN or inf .* at iteration [01]$"):
        conjugate_gradient(A, b, x0, 1e-8, inverse_diagonal=1.0 / A.diagonal())


@pytest.mark.parametrize("start_fraction", [0.0, 1e-3])
def test_conjugate_gradient_solves_a_vanished_grains_system_like_the_same_system_scaled_up(start_fraction):
    """A grain that has vanished leaves a system with entries ~1e-150 (measured in a coalescence run
    with chemical_stiffness_J_m3 = 5e7: |b| 1.3e-149, |r0| 4.4e-155): r.z and p.Ap went subnormal and
    then 0, and CG raised ZeroDivisionError. The system is linear and both stopping tests relative, so
    its solution is 1e-150 times that of the same system with b and x0 scaled by 1e150: the same
    iterations, equal to round-off (1e-12)."""
    mesh = fp.Grid2D(nx=24, ny=16)
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-11)
    rng = np.random.default_rng(11)
    A = fast.operator(rng.random(mesh.numberOfFaces) * 30 + 1, fast.volume * rng.uniform(0.5, 20.0, mesh.numberOfCells))
    b, x0 = rng.random(mesh.numberOfCells), rng.random(mesh.numberOfCells)
    diagonal = 1.0 / A.diagonal()
    normal, its_normal = conjugate_gradient(A, b, x0, 1e-11, inverse_diagonal=diagonal, start_fraction=start_fraction)
    tiny, its_tiny = conjugate_gradient(A, 1e-150 * b, 1e-150 * x0, 1e-11, inverse_diagonal=diagonal, start_fraction=start_fraction)
    assert its_tiny == its_normal > 3
    np.testing.assert_allclose(tiny * 1e150, normal, rtol=1e-12)
    zero, its_zero = conjugate_gradient(A, np.zeros_like(b), np.zeros_like(b), 1e-11, inverse_diagonal=diagonal)
    assert its_zero == 0 and not zero.any()


def test_conjugate_gradient_stops_at_a_fraction_of_its_starting_residual_when_that_is_larger():
    """start_fraction: stop once ||r|| <= fraction ||r0|| (r0 from the start x0), unless the
    tolerance on ||b|| is reached first; checked on a random SPD diffusion system from a start
    near the solution (as a later sweep starts), against the plain criterion."""
    mesh = fp.Grid2D(nx=24, ny=16)
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-11)
    rng = np.random.default_rng(7)
    A = fast.operator(rng.random(mesh.numberOfFaces) * 30 + 1, fast.volume * rng.uniform(0.5, 20.0, mesh.numberOfCells))
    b = rng.random(mesh.numberOfCells)
    exact = np.linalg.solve(A.toarray(), b)
    x0 = exact + 1e-4 * rng.standard_normal(exact.size)
    r0 = np.linalg.norm(b - A @ x0)
    diagonal = 1.0 / A.diagonal()
    x, its = conjugate_gradient(A, b, x0, 1e-11, inverse_diagonal=diagonal, start_fraction=1e-3)
    full, its_full = conjugate_gradient(A, b, x0, 1e-11, inverse_diagonal=diagonal)
    assert np.linalg.norm(b - A @ x) <= 1e-3 * r0 and its < its_full
    assert np.linalg.norm(b - A @ full) <= 1e-11 * np.linalg.norm(b)
    # a fraction below what the tolerance on ||b|| allows changes nothing
    tight, its_tight = conjugate_gradient(A, b, x0, 1e-11, inverse_diagonal=diagonal, start_fraction=1e-20)
    assert its_tight == its_full and np.array_equal(tight, full)



"""The reused multigrid hierarchy: its coarse operators and its V-cycle against pyamg's."""

from __future__ import annotations

import fipy as fp
import numpy as np
import pyamg
import pytest
import scipy.linalg
import scipy.sparse as sp
from pyamg.multilevel import coarse_grid_solver

from phasefield.numerics.fast_backend import FastEquations
from phasefield.numerics.geometry import FaceGeometry
from phasefield.numerics.krylov import conjugate_gradient
from phasefield.numerics.multigrid import DENSE_COARSEST, ReusedHierarchy, VCycle, galerkin_map


def _system(shape, seed):
    """A FiPy diffusion operator with face coefficients over two decades and a cell diagonal over
    two more (the mu and order-parameter systems' kind), and a random right-hand side."""
    mesh = fp.Grid2D(nx=shape[0], ny=shape[1]) if len(shape) == 2 else fp.Grid3D(nx=shape[0], ny=shape[1], nz=shape[2])
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-11)
    rng = np.random.default_rng(seed)
    A = fast.operator(10.0 ** rng.uniform(0, 2, mesh.numberOfFaces), fast.volume * 10.0 ** rng.uniform(-1, 1, mesh.numberOfCells)).copy()
    return fast, mesh, A, rng.standard_normal(A.shape[0]), rng


def _pyamg_preconditioner(hierarchy):
    """pyamg's own V-cycle preconditioner of the hierarchy's solver (built with one forward and one
    backward Gauss-Seidel sweep), with a fresh pseudo-inverse of its coarsest operator."""
    hierarchy._solver.coarse_solver = coarse_grid_solver("pinv")
    return hierarchy._solver.aspreconditioner(cycle="V")


@pytest.mark.parametrize("shape", [(37, 29), (9, 7, 6)])
def test_vcycle_is_pyamgs_preconditioner_bit_for_bit(shape):
    """The written-out V-cycle against ``aspreconditioner(cycle="V")`` of the same hierarchy, on a
    fresh build and after the hierarchy took the entries of another matrix (new coarse operators,
    new coarsest pseudo-inverse): the same operations in the same order, so equal bit for bit;
    CG with either takes the same iterations to the same x."""
    fast, mesh, A, b, rng = _system(shape, 3)
    hierarchy = ReusedHierarchy()
    hierarchy.solve(A, b, np.zeros_like(b), 1.0, 1e-11, 0.0)
    assert len(hierarchy._solver.levels) >= 3
    assert np.array_equal(hierarchy._amg @ b, _pyamg_preconditioner(hierarchy) @ b)
    B = fast.operator(10.0 ** rng.uniform(0, 2, mesh.numberOfFaces), fast.volume * 10.0 ** rng.uniform(-1, 1, mesh.numberOfCells)).copy()
    x, its = hierarchy.solve(B, b, np.zeros_like(b), 1.0, 1e-11, 0.0)
    reference = _pyamg_preconditioner(hierarchy)
    assert np.array_equal(hierarchy._amg @ b, reference @ b)
    y, its_pyamg = conjugate_gradient(B, b, np.zeros_like(b), 1e-11, preconditioner=reference)
    assert its == its_pyamg > 2 and np.array_equal(x, y)


def test_vcycle_on_a_single_level_is_the_exact_inverse():
    """A system no larger than pyamg's coarsest keeps one level: the cycle is its pseudo-inverse,
    here the inverse of a nonsingular matrix (to round-off of its condition)."""
    _, _, A, b, _ = _system((3, 2), 1)
    cycle = VCycle(pyamg.ruge_stuben_solver(A.copy()).levels)
    assert len(cycle.levels) == 1
    np.testing.assert_allclose(A @ (cycle @ b), b, rtol=0, atol=1e-12 * np.abs(b).max() * np.linalg.cond(A.toarray()))


def test_galerkin_map_gives_the_coarse_operator_of_any_entries_on_the_pattern():
    """coarse.data = G @ A.data against scipy's product P^T A P, for a Ruge-Stuben P built from one
    matrix and applied to entries of another (unequal face weights and diagonal: the update of a
    reused hierarchy), to round-off of the largest entry. P gets one more column with a single weight
    of 1e-200 (RS interpolation stores weights down to 1e-232): its diagonal coarse entry underflows to
    0, and a pattern taken from scipy's product of the values would lack that slot."""
    import pyamg

    mesh = fp.Grid2D(nx=23, ny=17)
    fast = FastEquations(FaceGeometry.from_mesh(mesh), 1e-11)
    rng = np.random.default_rng(11)
    V = fast.volume
    A = fast.operator(rng.uniform(1.0, 100.0, mesh.numberOfFaces), V * rng.uniform(0.1, 10.0, mesh.numberOfCells)).copy()
    P = pyamg.ruge_stuben_solver(A.copy()).levels[0].P
    P = sp.hstack([P, sp.csr_matrix(([1e-200], ([5], [0])), shape=(A.shape[0], 1))]).tocsr()
    B = fast.operator(rng.uniform(1.0, 100.0, mesh.numberOfFaces), V * rng.uniform(0.1, 10.0, mesh.numberOfCells)).copy()
    coarse, G = galerkin_map(B, P)
    coarse.data = G @ B.data
    expected = (P.T @ B @ P).toarray()
    assert P.shape[1] < A.shape[0] / 2
    np.testing.assert_allclose(coarse.toarray(), expected, rtol=0, atol=1e-13 * np.abs(expected).max())


def test_a_system_pyamg_cannot_coarsen_is_solved_without_a_dense_inverse(monkeypatch):
    """No off-diagonal entries (a mu system where no phase present carries matter): pyamg keeps the whole
    64^2 system as one level. Its coarsest solve is then a sparse LU (a dense pseudo-inverse of 4096
    unknowns would cost seconds per refresh, of 128^2 minutes): the cycle is the exact inverse, and CG
    with it stops after one iteration."""
    fast, mesh, _, b, rng = _system((64, 64), 2)
    A = fast.operator(np.zeros(mesh.numberOfFaces), fast.volume * 10.0 ** rng.uniform(-1, 1, mesh.numberOfCells)).copy()

    def dense(*_, **__):
        raise AssertionError("a dense pseudo-inverse of the whole system")

    monkeypatch.setattr(scipy.linalg, "pinv", dense)
    hierarchy = ReusedHierarchy()
    x, its = hierarchy.solve(A, b, np.zeros_like(b), 1.0, 1e-11, 0.0)
    assert len(hierarchy._solver.levels) == 1 and A.shape[0] > DENSE_COARSEST
    np.testing.assert_allclose(x, b / A.diagonal(), rtol=1e-13)
    assert its == 1

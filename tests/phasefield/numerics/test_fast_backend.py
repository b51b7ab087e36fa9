"""The fast backend's operators against FiPy's own terms."""

from __future__ import annotations

import fipy as fp
import numpy as np
import pytest
import scipy.sparse as sp

from phasefield.numerics.geometry import FaceGeometry
from phasefield.numerics.fast_backend import FastEquations, conjugate_gradient


@pytest.fixture(params=["2d", "3d"])
def mesh(request):
    if request.param == "2d":
        return fp.Grid2D(nx=9, ny=7)
    return fp.Grid3D(nx=5, ny=4, nz=3)


def test_gauss_gradient_equals_fipy_grad(mesh):
    rng = np.random.default_rng(0)
    phi = rng.random(mesh.numberOfCells)
    ours = np.stack([G @ phi for G in FaceGeometry.from_mesh(mesh).gradient])
    np.testing.assert_allclose(ours, fp.CellVariable(mesh=mesh, value=phi).grad.value, rtol=1e-12, atol=1e-12)


def test_face_gradient_equals_fipy_face_grad(mesh):
    rng = np.random.default_rng(3)
    phi = rng.random(mesh.numberOfCells)
    ours = FaceGeometry.from_mesh(mesh).face_gradient(phi)
    np.testing.assert_allclose(ours, fp.CellVariable(mesh=mesh, value=phi).faceGrad.value, rtol=1e-12, atol=1e-12)


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


def test_flux_divergence_is_fipys_diffusion_term_applied_explicitly():
    mesh = fp.Grid2D(nx=8, ny=6)
    rng = np.random.default_rng(4)
    phi, coeff = rng.random(mesh.numberOfCells), rng.random(mesh.numberOfFaces)
    ours = FaceGeometry.from_mesh(mesh).flux_divergence(phi, coeff) / np.asarray(mesh.cellVolumes)
    var = fp.CellVariable(mesh=mesh, value=phi)
    fipy = (fp.FaceVariable(mesh=mesh, value=coeff) * var.faceGrad).divergence.value
    np.testing.assert_allclose(ours, fipy, rtol=1e-12, atol=1e-12)


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


def test_order_parameters_on_amg_equal_the_jacobi_solutions_to_solver_tolerance():
    """order_parameter_amg_after = 1 switches every grain to AMG-CG after its first Jacobi-CG solve.
    Over 0.15 s of the small faceted epitaxy (unequal pair energies, facets on NH4VO3; several steps
    of three step solves of several sweeps each) every AMG-CG solution of an order parameter is
    compared with the Jacobi-CG solution of the same system. Both stop at ||r|| <= 1e-11 ||b||, so
    ||x_amg - x_jacobi|| <= ||A^-1|| (||r_amg|| + ||r_jacobi||) <= 2e-11 ||b|| / lambda_min(A), and
    lambda_min(A) >= min_i (A_ii - sum_j!=i |A_ij|) (Gershgorin; positive: the transient term on
    the diagonal of a diffusion operator)."""
    from phasefield import Simulation
    from scenarios.epitaxy import microstructure
    from tests.conftest import small_epitaxy

    p = small_epitaxy(order_parameter_amg_after=1)
    sim = Simulation(p, microstructure(p))
    assert sim.facets is not None and len(set(p.interface_energy_J_m2.values())) > 1
    compared = []
    for equations in (sim.equations, sim.whole_step_equations):
        solve = equations._solve_eta

        def checked(grain, A, rhs, eta, dt, solve=solve, equations=equations):
            on_amg = grain in equations._eta_amg
            x, its = solve(grain, A, rhs, eta, dt)
            if on_amg:
                jacobi, _ = conjugate_gradient(A, rhs, eta, 1e-11, inverse_diagonal=1.0 / A.diagonal())
                off = np.abs(A - sp.diags(A.diagonal())).sum(axis=1).A1
                bound = 2e-11 * np.linalg.norm(rhs) / (A.diagonal() - off).min()
                compared.append(np.linalg.norm(x - jacobi) / bound)
            return x, its

        equations._solve_eta = checked
    state = sim.advance(sim.initial_state(), 0.15 / sim.units.time_s)
    assert state.n_steps >= 3 and len(compared) > 50
    assert max(compared) <= 1.0


def test_galerkin_map_gives_the_coarse_operator_of_any_entries_on_the_pattern():
    """coarse.data = G @ A.data against scipy's product P^T A P, for a Ruge-Stuben P built from one
    matrix and applied to entries of another (unequal face weights and diagonal: the update of a
    reused hierarchy), to round-off of the largest entry. P gets one more column with a single weight
    of 1e-200 (RS interpolation stores weights down to 1e-232): its diagonal coarse entry underflows to
    0, and a pattern taken from scipy's product of the values would lack that slot."""
    import pyamg

    from phasefield.numerics.fast_backend import galerkin_map

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


def test_mu_on_the_updated_hierarchy_equals_the_jacobi_solutions_to_solver_tolerance():
    """Every mu solve over 0.15 s of the small faceted epitaxy (two species with unequal right-hand
    sides, on hierarchies built once and then only given new coarse operators, several steps of
    three step solves of several sweeps each) against the Jacobi-CG solution of the same system.
    Both stop at ||r|| <= 1e-11 ||b||, so ||x_amg - x_jacobi|| <= 2e-11 ||b|| / lambda_min(A), and
    lambda_min(A) >= min_i (A_ii - sum_j!=i |A_ij|) (Gershgorin; V chi / dt > 0 here)."""
    from phasefield import Simulation
    from scenarios.epitaxy import microstructure
    from tests.conftest import small_epitaxy

    p = small_epitaxy()
    sim = Simulation(p, microstructure(p))
    compared, updated = [], []
    for equations in (sim.equations, sim.whole_step_equations):
        solve = equations._solve_mu

        def checked(A, rhs, mu, dt, fresh, solve=solve, equations=equations):
            if fresh:
                updated.append(not equations._mu_amg.stale(dt))
            x, its = solve(A, rhs, mu, dt, fresh)
            jacobi, _ = conjugate_gradient(A, rhs, mu, 1e-11, inverse_diagonal=1.0 / A.diagonal())
            off = np.abs(A - sp.diags(A.diagonal())).sum(axis=1).A1
            compared.append((np.linalg.norm(x - jacobi), 2e-11 * np.linalg.norm(rhs) / (A.diagonal() - off).min()))
            return x, its

        equations._solve_mu = checked
    state = sim.advance(sim.initial_state(), 0.15 / sim.units.time_s)
    assert state.n_steps >= 3 and sum(updated) > 20 and len(compared) > 50
    assert all(difference <= bound for difference, bound in compared)

"""The fast backend's operators against FiPy's own terms."""

from __future__ import annotations

import fipy as fp
import numpy as np
import pytest
import scipy.sparse as sp

from phasefield.numerics.geometry import FaceGeometry
from phasefield.numerics.krylov import conjugate_gradient


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


def test_flux_divergence_is_fipys_diffusion_term_applied_explicitly():
    mesh = fp.Grid2D(nx=8, ny=6)
    rng = np.random.default_rng(4)
    phi, coeff = rng.random(mesh.numberOfCells), rng.random(mesh.numberOfFaces)
    ours = FaceGeometry.from_mesh(mesh).flux_divergence(phi, coeff) / np.asarray(mesh.cellVolumes)
    var = fp.CellVariable(mesh=mesh, value=phi)
    fipy = (fp.FaceVariable(mesh=mesh, value=coeff) * var.faceGrad).divergence.value
    np.testing.assert_allclose(ours, fipy, rtol=1e-12, atol=1e-12)


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

r"""The FiPy equations (the reference, "plain FiPy" backend).

Per evolving grain :math:`i` (Allen-Cahn with pair mobility :math:`L(\eta)`),

.. math::

    \frac{1}{L}\frac{\partial\eta_i}{\partial t} = \nabla\cdot(\kappa\nabla\eta_i)
        - s_i^{+}\eta_i - s_i^{-}\eta_i^{old}

and for each conserved species k, solved for its chemical potential
(:math:`n_k = \hat n_k + \bar\chi\mu_k` at the end of the step),

.. math::

    \bar\chi\,\frac{\mu_k - \mu_k^{old}}{\Delta t} = \nabla\cdot(M\nabla\mu_k),\qquad
    \mu_k^{old} = \frac{n_k^{old} - \hat n_k}{\bar\chi}

(FiPy's ``TransientTerm`` with coefficient :math:`\bar\chi` and the "old" value
set so that the left side is :math:`(n_k - n_k^{old})/\Delta t`). The stepper
takes the new densities from the fluxes :math:`M\nabla\mu_k`
(:func:`phasefield.numerics.stepping.transported`), so they are conserved to round-off.

The terms are built once; each step only the coefficient variables are
refreshed (``setValue``) from :func:`phasefield.numerics.coefficients.step_coefficients`.

Under ``mpirun`` (FiPy's PETSc solvers) the terms live on a mesh partitioned among the
ranks (:func:`solver_mesh`), while the stepper keeps every field whole on every rank: each
rank sets its variables from the global arrays at its own cells and faces (ghosts
included) and gathers the solution whole (``globalValue``), so that all ranks again hold
the same arrays (see :mod:`phasefield.numerics.parallel`). In serial the ids are the
identity and nothing changes.
"""

from __future__ import annotations

import fipy as fp
import numpy as np

from .coefficients import StepCoefficients
from .geometry import grid_mesh, local_ids


def solver_mesh(mesh):
    """The mesh the FiPy terms are built on: ``mesh`` itself in serial, a copy of the grid
    partitioned among the MPI ranks (FiPy's ``parallelComm``) under mpirun."""
    if fp.parallelComm.Nproc == 1:
        return mesh
    return grid_mesh(mesh.shape, fp.parallelComm)


class FipyEquations:
    """Plain FiPy terms for ``n_grains`` order parameters and c on ``mesh``.

    Parameters
    ----------
    mesh
        A FiPy Grid2D or Grid3D in solver units (dx = 1), partitioned or not; the arrays
        given to :meth:`step` are of the whole grid.
    n_grains
        Number of order-parameter slots.
    tolerance
        Relative residual of FiPy's ``LinearCGSolver`` (criterion "RHS").
    anisotropic
        Give every grain its own face coefficient (facets: kappa gamma^2).
    solver
        "cg" (FiPy's ``LinearCGSolver``; the systems are symmetric positive
        definite) or "default" (what FiPy picks: SuperLU with scipy alone).
    """

    def __init__(self, mesh, n_grains: int, tolerance: float, anisotropic: bool = False, solver: str = "cg"):
        if solver not in ("cg", "default"):
            raise ValueError(f"solver = {solver!r} is not allowed; allowed: 'cg' or 'default'")
        self.mesh = mesh
        self.cells, self.faces = local_ids(mesh)
        self.tolerance = tolerance
        self.solver = solver
        self.eta = [fp.CellVariable(mesh=mesh, name=f"eta{i}", value=0.0, hasOld=True) for i in range(n_grains)]
        self.mu = fp.CellVariable(mesh=mesh, name="mu", value=0.0, hasOld=True)
        self.susceptibility = fp.CellVariable(mesh=mesh, value=1.0)
        self.tau = fp.CellVariable(mesh=mesh, value=1.0)
        self.s_plus = [fp.CellVariable(mesh=mesh, value=0.0) for _ in range(n_grains)]
        self.explicit = [fp.CellVariable(mesh=mesh, value=0.0) for _ in range(n_grains)]
        self.mobility = fp.FaceVariable(mesh=mesh, value=0.0)
        if anisotropic:  # one scalar face coefficient per grain: kappa gamma_i^2 (+ stabilizer)
            self.kappa = [fp.FaceVariable(mesh=mesh, value=1.0) for _ in range(n_grains)]
        else:
            shared = fp.FaceVariable(mesh=mesh, value=1.0)
            self.kappa = [shared] * n_grains
        self.eta_equations = [
            fp.TransientTerm(coeff=self.tau, var=eta)
            == fp.DiffusionTerm(coeff=kappa, var=eta) - fp.ImplicitSourceTerm(coeff=s, var=eta) + src
            for eta, kappa, s, src in zip(self.eta, self.kappa, self.s_plus, self.explicit)
        ]
        self.mu_equation = fp.TransientTerm(coeff=self.susceptibility, var=self.mu) == fp.DiffusionTerm(coeff=self.mobility, var=self.mu)

    def reset(self) -> None:
        """Nothing is reused between steps here (see :meth:`FastEquations.reset`)."""

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

        ``guess`` (the latest sweep's eta and mu) is the value the variables hold
        while solving (FiPy's initial guess); ``old`` is the start of the step.
        """
        eta_guess, mu_guess = guess
        cells, faces = self.cells, self.faces
        new_eta = eta.copy()
        iterations = 0
        self.tau.setValue(k.tau[cells])
        if k.kappa_face.ndim == 1:
            self.kappa[0].setValue(k.kappa_face[faces])
        for m, i in enumerate(evolving):
            self.eta[i].setValue(eta[i, cells])
            self.eta[i].updateOld()
            self.eta[i].setValue(eta_guess[i, cells])
            self.s_plus[i].setValue(k.s_plus[m, cells])
            self.explicit[i].setValue(k.explicit[m, cells])
            if k.kappa_face.ndim == 2:
                self.kappa[i].setValue(k.kappa_face[m, faces])
            solver = self._new_solver()
            self.eta_equations[i].solve(var=self.eta[i], dt=dt, solver=solver)
            iterations += _iterations(solver)
            new_eta[i] = self.eta[i].globalValue
        self.mobility.setValue(k.mobility_face[faces])
        self.susceptibility.setValue(k.susceptibility[cells])
        mu = np.empty_like(n)
        for s in range(n.shape[0]):
            self.mu.setValue(((n[s] - k.n_hat[s]) / k.susceptibility)[cells])
            self.mu.updateOld()
            self.mu.setValue(mu_guess[s, cells])
            solver = self._new_solver()
            self.mu_equation.solve(var=self.mu, dt=dt, solver=solver)
            iterations += _iterations(solver)
            mu[s] = self.mu.globalValue
        return new_eta, mu, iterations

    def _new_solver(self):
        if self.solver == "cg":
            return fp.LinearCGSolver(tolerance=self.tolerance, iterations=10_000)
        return fp.solvers.DefaultSolver(tolerance=self.tolerance)


def _iterations(solver) -> int:
    convergence = getattr(solver, "convergence", None)
    return int(getattr(convergence, "iterations", 0) or 0)

r"""The FiPy equations (the reference, "plain FiPy" backend).

Per evolving grain :math:`i` (Allen-Cahn with pair mobility :math:`L(\eta)`),

.. math::

    \frac{1}{L}\frac{\partial\eta_i}{\partial t} = \nabla\cdot(\kappa\nabla\eta_i)
        - s_i^{+}\eta_i - s_i^{-}\eta_i^{old}

and for the NaH2PO4 fraction (conserved; :math:`\mu = A(c-\hat c)`, :math:`D = M A`),

.. math::

    \frac{\partial c}{\partial t} = \nabla\cdot(D\nabla c) - \nabla\cdot(D\nabla\hat c).

The terms are built once; each step only the coefficient variables are
refreshed (``setValue``) from :func:`phasefield.numerics.coefficients.step_coefficients`.
The cross flux :math:`D\nabla\hat c` is explicit and written as a divergence of
face fluxes, so c is conserved to the linear solver's round-off.
"""

from __future__ import annotations

import fipy as fp
import numpy as np

from .coefficients import StepCoefficients


class FipyEquations:
    """Plain FiPy terms for ``n_grains`` order parameters and c on ``mesh``.

    Parameters
    ----------
    mesh
        A FiPy Grid2D or Grid3D in solver units (dx = 1).
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
        self.tolerance = tolerance
        self.solver = solver
        self.eta = [fp.CellVariable(mesh=mesh, name=f"eta{i}", value=0.0, hasOld=True) for i in range(n_grains)]
        self.c = fp.CellVariable(mesh=mesh, name="c", value=0.0, hasOld=True)
        self.tau = fp.CellVariable(mesh=mesh, value=1.0)
        self.s_plus = [fp.CellVariable(mesh=mesh, value=0.0) for _ in range(n_grains)]
        self.explicit = [fp.CellVariable(mesh=mesh, value=0.0) for _ in range(n_grains)]
        self.diffusivity = fp.FaceVariable(mesh=mesh, value=0.0)
        self.c_hat = fp.CellVariable(mesh=mesh, value=0.0)
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
        self.c_equation = fp.TransientTerm(var=self.c) == fp.DiffusionTerm(coeff=self.diffusivity, var=self.c) - (
            self.diffusivity * self.c_hat.faceGrad
        ).divergence

    def reset(self) -> None:
        """Nothing is reused between steps here (see :meth:`FastEquations.reset`)."""

    def step(
        self,
        eta: np.ndarray,
        c: np.ndarray,
        k: StepCoefficients,
        evolving: np.ndarray,
        dt: float,
        guess: tuple[np.ndarray, np.ndarray] | None = None,
        solve_c: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Advance one implicit step from (eta, c); returns (eta, c, linear iterations).

        ``guess`` (the latest sweep's iterate) is the value the variables hold
        while solving (FiPy's initial guess); ``old`` is the start of the step.
        ``solve_c=False`` leaves c at its start-of-step value (sweeps before the last).
        """
        eta_guess, c_guess = guess if guess is not None else (eta, c)
        new_eta = eta.copy()
        iterations = 0
        self.tau.setValue(k.tau)
        if k.kappa_face.ndim == 1:
            self.kappa[0].setValue(k.kappa_face)
        for n, i in enumerate(evolving):
            self.eta[i].setValue(eta[i])
            self.eta[i].updateOld()
            self.eta[i].setValue(eta_guess[i])
            self.s_plus[i].setValue(k.s_plus[n])
            self.explicit[i].setValue(k.explicit[n])
            if k.kappa_face.ndim == 2:
                self.kappa[i].setValue(k.kappa_face[n])
            solver = self._new_solver()
            self.eta_equations[i].solve(var=self.eta[i], dt=dt, solver=solver)
            iterations += _iterations(solver)
            new_eta[i] = self.eta[i].value
        if not solve_c:
            return new_eta, c.copy(), iterations
        self.c.setValue(c)
        self.c.updateOld()
        self.c.setValue(c_guess)
        self.diffusivity.setValue(k.diffusivity_face)
        self.c_hat.setValue(k.c_hat)
        solver = self._new_solver()
        self.c_equation.solve(var=self.c, dt=dt, solver=solver)
        iterations += _iterations(solver)
        return new_eta, np.array(self.c.value), iterations

    def _new_solver(self):
        if self.solver == "cg":
            return fp.LinearCGSolver(tolerance=self.tolerance, iterations=10_000)
        return fp.solvers.DefaultSolver(tolerance=self.tolerance)


def _iterations(solver) -> int:
    convergence = getattr(solver, "convergence", None)
    return int(getattr(convergence, "iterations", 0) or 0)

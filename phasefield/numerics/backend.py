"""The linear-system backends behind one protocol, and the factory that picks one.

Both backends solve the same implicit systems of a step, built from
:class:`phasefield.numerics.coefficients.StepCoefficients`:
:mod:`phasefield.numerics.fipy_backend` with plain FiPy terms and solvers (the reference),
:mod:`phasefield.numerics.fast_backend` with FiPy's discretization assembled once and
refreshed in numpy. ``ModelParameters.backend`` names one of :data:`BACKENDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import fipy as fp
import numpy as np

from ..model.parameters import ModelParameters
from ..model.values import ParameterError
from .coefficients import StepCoefficients
from .fast_backend import FastEquations
from .fipy_backend import FipyEquations, solver_mesh
from .geometry import FaceGeometry
from .parallel import Ranks


@runtime_checkable
class Backend(Protocol):
    """What the stepper needs from a backend."""

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

        ``guess`` (the latest sweep's eta and mu) is the solvers' starting point.
        """
        ...

    def reset(self) -> None:
        """Forget solver state reused between steps (a resumed run repeats the uninterrupted one)."""
        ...


BackendFactory = Callable[[ModelParameters, object, FaceGeometry, int, bool], Backend]

BACKENDS: dict[str, BackendFactory] = {
    "fast": lambda p, mesh, geometry, n_grains, anisotropic: FastEquations(geometry, p.solver_tolerance, p.sweep_solve_fraction, p.order_parameter_amg_after),
    "fipy": lambda p, mesh, geometry, n_grains, anisotropic: FipyEquations(solver_mesh(mesh), n_grains, p.solver_tolerance, anisotropic=anisotropic),
}
"""Backend name (``ModelParameters.backend``, one of :data:`phasefield.model.parameters.BACKEND_NAMES`) -> factory."""


def make_backend(params: ModelParameters, mesh, geometry: FaceGeometry, *, n_grains: int, anisotropic: bool) -> Backend:
    """The backend ``params.backend`` for ``n_grains`` order parameters on ``mesh``.

    ``anisotropic``: some grain is faceted (every grain then has its own face coefficient).
    """
    return BACKENDS[params.backend](params, mesh, geometry, n_grains, anisotropic)


def require_parallel_backend(params: ModelParameters, ranks: Ranks) -> None:
    """Refuse, before any work, a backend that cannot solve across ``ranks``.

    Only ``fipy`` distributes its solves (FiPy's PETSc solvers on a partitioned mesh); the
    ``fast`` backend's solves are numpy/scipy on one process, and every rank would solve
    the whole grid.
    """
    if not ranks.parallel:
        return
    if params.backend != "fipy":
        raise ParameterError(
            f"backend = {params.backend!r} is not allowed on {ranks.size} MPI ranks; allowed: 'fipy' (--set backend=fipy), "
            "whose PETSc solves run in parallel, or one process without mpirun"
        )
    if fp.solvers.solver_suite != "petsc":
        raise ParameterError(
            f"FIPY_SOLVERS = {fp.solvers.solver_suite!r} is not allowed on {ranks.size} MPI ranks; allowed: 'petsc' (scripts/setup-mpi.sh installs it)"
        )

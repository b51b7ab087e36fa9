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

import numpy as np

from ..model.parameters import ModelParameters
from .coefficients import StepCoefficients
from .fast_backend import FastEquations
from .fipy_backend import FipyEquations
from .geometry import FaceGeometry


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
    "fast": lambda p, mesh, geometry, n_grains, anisotropic: FastEquations(geometry, p.solver_tolerance, p.sweep_solve_fraction),
    "fipy": lambda p, mesh, geometry, n_grains, anisotropic: FipyEquations(mesh, n_grains, p.solver_tolerance, anisotropic=anisotropic),
}
"""Backend name (``ModelParameters.backend``, one of :data:`phasefield.model.parameters.BACKEND_NAMES`) -> factory."""


def make_backend(params: ModelParameters, mesh, geometry: FaceGeometry, *, n_grains: int, anisotropic: bool) -> Backend:
    """The backend ``params.backend`` for ``n_grains`` order parameters on ``mesh``.

    ``anisotropic``: some grain is faceted (every grain then has its own face coefficient).
    """
    return BACKENDS[params.backend](params, mesh, geometry, n_grains, anisotropic)

"""One implicit step of the ``fipy`` backend, written to a file: run as
``[mpirun -np N] python -m tests.phasefield.numerics.mpi_step OUT.npz 2|3`` by ``test_mpi.py``.

The state is the start of the small epitaxy run (2D: tests.conftest, 48 x 29 cells; 3D:
tests/scenarios/test_epitaxy_3d.py, 21 x 16 x 16) with its densities perturbed at random
(seeded, so that every rank and every run has the same), so that both the order-parameter and
the chemical-potential systems have work to do.
"""

from __future__ import annotations

import sys

import numpy as np

from phasefield.model import free_energy as fe
from phasefield.numerics.coefficients import StepCoefficients, step_coefficients
from phasefield.numerics.parallel import ranks
from phasefield.numerics.stepping import Simulation
from scenarios.epitaxy import microstructure
from tests.conftest import small_epitaxy
from tests.scenarios.test_epitaxy_3d import small_epitaxy_3d


def step_problem(dim: int) -> tuple[Simulation, np.ndarray, np.ndarray, StepCoefficients, np.ndarray, float, tuple[np.ndarray, np.ndarray]]:
    """(simulation, eta, n, coefficients, evolving grains, dt, guess) of the step."""
    p = (small_epitaxy if dim == 2 else small_epitaxy_3d)(backend="fipy")
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    n = state.n * (1.0 + 0.05 * np.random.default_rng(7).standard_normal(state.n.shape))
    dt = 4.0 * state.dt
    lc = sim._local(sim.temperature_K(dt))
    evolving = np.flatnonzero(state.active & ~sim.fixed)
    mu = fe.chemical_potential(n, fe.phase_fractions(state.eta, sim.grain_phase, lc.n_phases), lc)
    k = step_coefficients(state.eta, mu, sim.grain_phase, evolving, lc, sim.geometry, sim.facets, state.orientation_deg, sim.stabilization, state.orientation_deg)
    return sim, state.eta, n, k, evolving, dt, (state.eta, mu)


def main(out: str, dim: int) -> None:
    sim, eta, n, k, evolving, dt, guess = step_problem(dim)
    new_eta, mu, _ = sim.equations.step(eta, n, k, evolving, dt, guess)
    ranks().require_identical("solutions", new_eta, mu)  # every rank holds the whole solution
    if ranks().is_root:
        np.savez(out, eta=new_eta, mu=mu)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

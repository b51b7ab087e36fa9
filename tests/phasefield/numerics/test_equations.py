"""The discrete equations: diffusion, conservation, and the two backends agreeing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from phasefield import Disc, Grain, HalfSpace, Microstructure, Simulation, run
from phasefield.numerics.stepping import sweep_stop_fraction
from tests.conftest import isothermal


def test_density_diffusing_in_one_phase_matches_erf_solution():
    """A step in n_P inside NaH2PO4 spreads as n0 + a erf(x / 2 sqrt(D t)) (no other phase, mu linear in n)."""
    p = isothermal(grid=128, domain_nm=(64.0, 2.0), interface_width_nm=2.0, dt_max_s=0.005, diffusivity_m2_s={"NaH2PO4": 1e-17})
    sim = Simulation(p, Microstructure(grains=(Grain("NaH2PO4"),), shapes=(HalfSpace(1e3, axis=0),)))
    state = sim.initial_state()
    x = sim.grid.coords_nm[0]
    amplitude = 0.05
    state.n[1] = 1.0 + amplitude * np.sign(x - 32.0)
    t_end_s = 2.0
    state = sim.advance(state, t_end_s / sim.units.time_s)
    D_nm2_s = p.diffusivity("NaH2PO4", p.hold_temperature_C + 273.15) * 1e18
    exact = 1.0 + amplitude * erf((x - 32.0) / (2.0 * np.sqrt(D_nm2_s * t_end_s)))
    # second order in space (dx = 0.5 nm vs diffusion length 4.5 nm) and first order in time
    # (dt = 5 ms, 400 steps): both below 1 % of the step amplitude
    assert np.abs(state.n[1] - exact).max() < 0.01 * amplitude
    assert np.abs(state.n[0]).max() < 1e-12  # no V appears
    assert state.eta[1].min() == pytest.approx(1.0, abs=1e-12)  # the grain does not move


def _reacting_pair(grid: int, **changes):
    """NH4VO3 touching NaH2PO4 with an NVP seed at the contact (painted: an observed state, not nucleation)."""
    p = isothermal(715.0, grid=grid, domain_nm=(32.0, 32.0), interface_width_nm=2.0, nucleation_prefactor_per_m_s=0.0, **changes)
    micro = Microstructure(
        grains=(Grain("NH4VO3"), Grain("NaH2PO4"), Grain("NVP")),
        shapes=(Disc((12.0, 16.0), 8.0), Disc((24.0, 16.0), 6.0), Disc((19.0, 16.0), 3.0)),
    )
    return p, micro


def test_both_species_are_conserved_to_1e8_during_reaction():
    p, micro = _reacting_pair(48, duration_s=3.0, output_interval_s=0.5)
    ds = run(p, micro)
    total = ds.amount.values
    assert ds.phase_area.sel(phase="NVP").values[-1] > 1.5 * ds.phase_area.sel(phase="NVP").values[0]  # it reacted
    assert np.abs(total / total[0] - 1.0).max() < 1e-8


HEXAGONAL = dict(phase_facet_angles_deg={"NVP": (0, 60, 120, 180, 240, 300)}, phase_facet_energies={"NVP": (1.0, 1.2, 1.0, 1.2, 1.0, 1.2)})


def _backend_difference(tolerance: float, **changes) -> tuple[float, float]:
    """Largest |fipy - fast| of the fields after 20 steps of 0.01 s, and the largest change of eta.

    A fixed step sequence: the adaptive controller's "grow dt?" decision could
    flip on a 1e-10 difference and send the two runs down different (equally
    valid) step sequences, which is not what is compared here.
    """
    states = {}
    for backend in ("fipy", "fast"):
        # every fast solve to the tolerance too (the inexact sweep solves are tested apart)
        p, micro = _reacting_pair(32, backend=backend, solver_tolerance=tolerance, sweep_solve_fraction=0.0, **changes)
        sim = Simulation(p, micro)
        state = sim.initial_state()
        for _ in range(20):
            state.eta, state.n, _ = sim.try_step(state, 0.01 / sim.units.time_s)
        states[backend] = state
    a, b = states["fipy"], states["fast"]
    moved = float(np.abs(a.eta - sim.initial_state().eta).max())
    return max(float(np.abs(a.eta - b.eta).max()), float(np.abs(a.n - b.n).max())), moved


def test_fast_backend_equals_plain_fipy_to_solver_tolerance():
    """The numpy-refreshed assembly solves FiPy's own systems.

    The two backends take different Krylov paths (Jacobi-preconditioned vs plain
    CG), so they agree only to the solver tolerance, amplified by the condition
    number (1/L spans ~1e3) and accumulated over the steps. If they solved
    different systems the difference would stay put as the tolerance tightens;
    here it must shrink in proportion to it. Bound on the tight difference: the
    explicit interpolation-derivative terms amplify a perturbation up to ~100x over
    these 20 steps of 0.01 s (measured: 1.7e-4, 1.2e-5, 5e-6, 1.5e-6, 2e-7 at
    tolerances 1e-8 ... 1e-12), so 1e-6, not the 1e-7 of the model without them.
    """
    loose, moved = _backend_difference(1e-9)
    tight, _ = _backend_difference(1e-12)
    assert moved > 1e-2  # the interfaces did move
    assert tight < 1e-6
    assert loose / tight > 30.0  # 1000x tighter tolerance -> (nearly) 1000x closer


def test_fast_backend_equals_plain_fipy_with_facets():
    """Faceted NVP: FiPy's DiffusionTerm(kappa gamma^2) plus the explicit rest of the energy's
    derivative, in both backends; as for the isotropic case the difference must shrink with
    the solver tolerance (the operator is smooth in eta: no sign switches of face means)."""
    loose, moved = _backend_difference(1e-9, **HEXAGONAL)
    tight, _ = _backend_difference(1e-12, **HEXAGONAL)
    assert moved > 1e-2
    assert tight < 1e-6  # as above
    assert loose / tight > 30.0


def test_nzsp_substrate_is_fixed_and_a_particle_on_it_stays_attached():
    """The NZSP region never evolves; a NaH2PO4 particle wetting it (sigma_NZSP < sigma_surface) stays on it."""
    from phasefield import HalfSpace

    p = isothermal(grid=48, domain_nm=(24.0, 24.0), interface_width_nm=2.0, duration_s=0.25, output_interval_s=0.125)
    micro = Microstructure(
        grains=(Grain("NZSP", fixed=True), Grain("NaH2PO4")),
        shapes=(HalfSpace(6.0, axis=1), Disc((12.0, 10.0), 5.0)),
    )
    ds = run(p, micro)
    substrate = ds.eta.sel(grain=1).values
    np.testing.assert_array_equal(substrate[-1], substrate[0])
    contact = ds.eta.sel(grain=2).isel(time=-1).sel(y=7.0, method="nearest").max()
    assert float(contact) > 0.5  # the particle still touches the substrate
    assert np.abs(ds.amount.values - ds.amount.values[0]).max() < 1e-8 * ds.amount.values[0].sum()


def _measures(eta: np.ndarray) -> np.ndarray:
    """Grain measures in cells, sum eta_g^2 / sum_j eta_j^2 (what the sweeps' stop and the error estimate use)."""
    e2 = eta**2
    return (e2 / np.maximum(e2.sum(axis=0), 1e-12)).sum(axis=1)


@pytest.mark.parametrize("facets", [{}, HEXAGONAL], ids=["isotropic", "faceted"])
def test_inexact_sweep_solves_leave_the_step_within_the_sweeps_own_stopping_bound(facets):
    """sweep_solve_fraction: each sweep's solves stop at 1e-3 of their starting residual. The step
    must agree with the one whose every solve reaches solver_tolerance to within what the sweeps'
    stop already allows: sweep_stop_fraction(time_tolerance) x time_tolerance x the step's largest measure change (the
    bound of Simulation.try_step), on the reacting pair (NVP growing, both species
    moving) over a step of 0.01 s, for several steps in a row. Both species stay conserved to
    round-off (the densities come from the fluxes)."""
    runs = {}
    for fraction in (0.0, 1e-3):
        p, micro = _reacting_pair(32, sweep_solve_fraction=fraction, **facets)
        sim = Simulation(p, micro)
        state = sim.initial_state()
        history = []
        for _ in range(3):
            start = state.eta
            state.eta, state.n, _ = sim.try_step(state, 0.01 / sim.units.time_s)
            history.append((_measures(start), _measures(state.eta), state.n.sum(axis=1)))
        runs[fraction] = history
    totals = runs[0.0][0][2]
    for (m0, exact, _), (_, inexact, total) in zip(runs[0.0], runs[1e-3]):
        change = np.abs(exact - m0).max()
        assert change > 0.3  # the grains moved (measured 0.8 cells per step)
        assert np.abs(inexact - exact).max() <= sweep_stop_fraction(p.time_tolerance) * p.time_tolerance * change
        np.testing.assert_allclose(total, totals, rtol=1e-12)

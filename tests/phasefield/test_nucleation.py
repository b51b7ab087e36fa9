"""Classical nucleation of NVP at NH4VO3/NaH2PO4 contacts."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield import free_energy as fe
from phasefield import nucleation
from phasefield.params import BOLTZMANN, ModelParameters
from phasefield.phases import PHASES
from tests.conftest import isothermal


def test_rate_is_zero_at_and_below_tc_and_follows_the_classical_barrier_above():
    p = ModelParameters()
    Tc = p.critical_temperature_K
    assert nucleation.rate_per_m_s(p, Tc - 20.0) == 0.0
    assert nucleation.rate_per_m_s(p, Tc) == 0.0
    T = Tc + 15.0
    barrier = np.pi * p.nucleus_thickness_nm * 1e-9 * p.nucleation_interface_energy_J_m2**2 / (p.reaction_entropy_J_m3K * 15.0)
    assert nucleation.rate_per_m_s(p, T) == pytest.approx(p.nucleation_prefactor_per_m_s * np.exp(-barrier / (BOLTZMANN * T)), rel=1e-12)
    rates = [nucleation.rate_per_m_s(p, Tc + d) for d in (2.0, 5.0, 10.0, 20.0)]
    assert all(a < b for a, b in zip(rates, rates[1:]))


def _straight_contact(height_nm: float = 16.0):
    """h of a flat NH4VO3 | NaH2PO4 interface across a box (profile of the model)."""
    from phasefield import Grain, HalfSpace, Microstructure, Simulation

    p = isothermal(grid=64, domain_nm=(32.0, height_nm))
    micro = Microstructure(grains=(Grain("NH4VO3"), Grain("NaH2PO4")), shapes=(HalfSpace(1e3, axis=0), HalfSpace(16.0, axis=0, below=False)))
    sim = Simulation(p, micro)
    eta = sim.initial_state().eta
    return p, sim, fe.phase_fractions(eta, sim.grain_phase, len(PHASES))


def test_contact_length_of_a_straight_contact_is_its_length():
    p, sim, h = _straight_contact(16.0)
    length = nucleation.contact_length_nm(h, p.dx_nm**2, p.interface_width_nm)
    # the profile integral k is computed on a fine 1D grid; the 2D sum at l = 4 dx differs by a few 1e-3
    assert length == pytest.approx(16.0, rel=0.01)


def test_poisson_sampling_has_the_classical_mean_and_is_reproducible_from_the_seed():
    p, sim, h = _straight_contact(16.0)
    T = p.critical_temperature_K + 15.0
    interval = 2.0
    mean = nucleation.rate_per_m_s(p, T) * 16e-9 * interval
    draws = [nucleation.sample_nuclei(np.random.default_rng(s), p, T, h, p.dx_nm**2, interval).size for s in range(400)]
    # Poisson: the mean of 400 draws has standard error sqrt(mean / 400); allow 4 of them
    assert np.mean(draws) == pytest.approx(mean, abs=4 * np.sqrt(mean / 400))
    a = nucleation.sample_nuclei(np.random.default_rng(5), p, T, h, p.dx_nm**2, interval)
    b = nucleation.sample_nuclei(np.random.default_rng(5), p, T, h, p.dx_nm**2, interval)
    np.testing.assert_array_equal(a, b)
    # nuclei land only where both precursors are present, centred on the contact (x = 16 nm)
    cells = np.concatenate([nucleation.sample_nuclei(np.random.default_rng(s), p, T, h, p.dx_nm**2, interval) for s in range(50)])
    assert np.all(nucleation.contact_weight(h)[cells] > 0.0)
    assert sim.grid.coords_nm[0, cells].mean() == pytest.approx(16.0, abs=0.1)

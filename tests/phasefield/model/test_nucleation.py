"""Classical nucleation of NVP at NH4VO3/NaH2PO4 contacts: one lens nucleus, its
place in the phase-field model, conservation of c, full slots, onset statistics."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest
from scipy import optimize, stats

from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, Simulation
from phasefield.model import free_energy as fe
from phasefield.model import nucleation
from phasefield.model.grains import build_fields, grain_phase_indices, profile
from phasefield.model.parameters import BOLTZMANN
from phasefield.model.phases import PHASES
from tests.conftest import isothermal, small_epitaxy

_NVP = PHASES.index("NVP")


# ---- the nucleus ------------------------------------------------------------------------------
def _lens_energy_per_sqrt_area(phi, s_a, s_s, s_as):
    """Interface energy of a lens of unit area with arc half-angles phi = (phi_A, phi_S):
    the two arcs minus the NH4VO3/NaH2PO4 boundary they replace (no Young's law assumed)."""
    phi_a, phi_s = phi
    area_per_chord2 = sum((p - math.sin(p) * math.cos(p)) / math.sin(p) ** 2 for p in phi)
    half_chord = 1.0 / math.sqrt(area_per_chord2)
    return 2.0 * half_chord * (s_a * phi_a / math.sin(phi_a) + s_s * phi_s / math.sin(phi_s) - s_as)


def _barrier_by_minimisation(p, T):
    """Delta G* = a Gamma^2 / (4 |dg|) with Gamma = min over shapes of the energy per sqrt(area):
    Delta G(A) = Gamma sqrt(A) - |dg| A has its maximum there (Wulff-type argument)."""
    s = (p.interface_energy("NH4VO3", "NVP"), p.interface_energy("NaH2PO4", "NVP"), p.interface_energy("NH4VO3", "NaH2PO4"))
    best = optimize.minimize(_lens_energy_per_sqrt_area, x0=(1.0, 1.0), args=s, bounds=[(1e-3, math.pi - 1e-3)] * 2, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
    dg = abs(p.nvp_driving_force_J_m3(T))
    return p.nucleus_thickness_nm * 1e-9 * best.fun**2 / (4.0 * dg), best.x


@pytest.mark.parametrize(
    "energies",
    [
        {},  # defaults: 0.2, 0.3, 0.4
        {"NH4VO3/NVP": 0.3, "NaH2PO4/NVP": 0.3, "NH4VO3/NaH2PO4": 0.3},
        {"NH4VO3/NVP": 0.25, "NaH2PO4/NVP": 0.5, "NH4VO3/NaH2PO4": 0.35},
    ],
)
def test_barrier_and_shape_equal_an_independent_minimisation_of_the_lens_energy(energies):
    p = ModelParameters(interface_energy_J_m2={**ModelParameters().interface_energy_J_m2, **energies})
    T = p.critical_temperature_K + 8.0
    barrier, angles = _barrier_by_minimisation(p, T)
    assert nucleation.barrier_J(p, T) == pytest.approx(barrier, rel=1e-6)
    np.testing.assert_allclose(nucleation.contact_angles(p), angles, atol=1e-4)


def test_without_a_contact_energy_the_lens_is_the_free_disc():
    """sigma_AS -> 0 with sigma_A = sigma_S = sigma: the textbook 2D disc, Delta G* = pi a sigma^2 / |dg|, r* = sigma/|dg|."""
    p = ModelParameters(interface_energy_J_m2={"NH4VO3/NVP": 0.3, "NaH2PO4/NVP": 0.3, "NH4VO3/NaH2PO4": 1e-9})
    T = p.critical_temperature_K + 10.0
    dg = p.reaction_entropy_J_m3K * 10.0
    assert nucleation.barrier_J(p, T) == pytest.approx(math.pi * 0.5e-9 * 0.3**2 / dg, rel=1e-6)
    assert nucleation.critical_radius_nm(p, T) == pytest.approx(0.3 / dg * 1e9, rel=1e-6)


def test_rate_is_zero_at_and_below_tc_and_rises_steeply_above():
    p = ModelParameters()
    Tc = p.critical_temperature_K
    assert nucleation.rate_per_m_s(p, Tc - 20.0) == 0.0
    assert nucleation.rate_per_m_s(p, Tc) == 0.0
    assert nucleation.critical_nucleus(p, Tc) is None and nucleation.critical_radius_nm(p, Tc) == math.inf
    rates = nucleation.rate_per_m_s(p, Tc + np.array([2.0, 5.0, 8.0, 10.0]))
    assert np.all(np.diff(rates) > 0)
    # J0 exp(-a Sigma / (|dg| k T)) at 710 degC, Sigma from the contact angles (numbers in the README)
    T = Tc + 10.0
    sigma = 0.2**2 * (math.acos(0.6875) - math.sin(math.acos(0.6875)) * 0.6875) + 0.3**2 * (math.acos(0.875) - math.sin(math.acos(0.875)) * 0.875)
    expected = p.nucleation_prefactor_per_m_s * math.exp(-0.5e-9 * sigma / (5e7 * BOLTZMANN * T))
    assert rates[-1] == pytest.approx(expected, rel=1e-9)


# ---- the nucleus in the phase-field model --------------------------------------------------------
def _flat_contact(temperature_C, **changes):
    """NH4VO3 (x < 24 nm) | NaH2PO4 (x > 24 nm) across a 48 x 32 nm box, one empty NVP slot."""
    base = dict(grid=96, domain_nm=(48.0, 32.0), nucleation_prefactor_per_m_s=0.0, duration_s=10.0)
    base.update(changes)
    p = isothermal(temperature_C, **base)
    micro = Microstructure(grains=(Grain("NH4VO3"), Grain("NaH2PO4")), shapes=(HalfSpace(1e3, axis=0), HalfSpace(24.0, axis=0, below=False)), empty_slots=("NVP",))
    return p, Simulation(p, micro)


def _nvp_area(sim, state):
    return float(fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))[_NVP].sum() * sim.cell_measure)


def _areas_after_planting(sim, state, lens, cell, times_s):
    slot = int(np.flatnonzero(sim.grain_phase == _NVP)[0])
    sim.plant_nucleus(state, slot, cell, lens)
    areas = [_nvp_area(sim, state)]
    state = sim.advance(state, state.time + state.dt)  # the first step
    areas.append(_nvp_area(sim, state))
    for t in times_s:
        state = sim.advance(state, t / sim.units.time_s)
        areas.append(_nvp_area(sim, state))
    return np.array(areas)


def _centre_cell(sim):
    x, y = sim.grid.coords_nm
    return int(np.argmin((x - 24.0) ** 2 + (y - 16.0) ** 2))


@pytest.mark.parametrize("scale, grows", [(0.8, False), (1.25, True)])
def test_the_critical_lens_is_critical_in_the_phase_field_model_for_equal_pair_energies(scale, grows):
    """PFHub 8(a)-style: below the critical lens the seed shrinks, above it grows from the
    first step. Tolerance for the diffuse interface (l = 2 nm, R = 7.5 nm at 708 degC): 25 %
    in size (measured rates of area change: -3.3 and +3.3 nm^2/s at 0.8 and 1.25)."""
    energies = {"NH4VO3/NVP": 0.3, "NaH2PO4/NVP": 0.3, "NH4VO3/NaH2PO4": 0.3}
    p, sim = _flat_contact(708.0, interface_energy_J_m2=energies)
    lens = nucleation.critical_nucleus(p, 708.0 + 273.15).scaled(scale)
    areas = _areas_after_planting(sim, sim.initial_state(), lens, _centre_cell(sim), (0.3, 1.0))
    assert np.all(np.diff(areas) > 0) if grows else np.all(np.diff(areas) < 0), areas


@pytest.mark.xfail(strict=True, reason="with the default pair energies (0.2, 0.3, 0.4) at 4 cells per width the phase-field "
                   "critical lens is ~1.3-1.4 x the Neumann lens (1.25 x shrinks by 1 nm^2 in 1 s, 1.5 x grows; ~1.9 x before the "
                   "interpolation derivatives were in the equations), at l = 1.33 and 1 nm alike; it falls with cells per width "
                   "at l = 2 nm: 1.25 x changes by -1.09, -0.41, +0.31 nm^2 from its first step to 1 s at 4, 8, 12 cells "
                   "(the test below; README Limitations)")
def test_the_critical_lens_is_critical_in_the_phase_field_model_for_the_default_pair_energies():
    p, sim = _flat_contact(705.0, chemical_stiffness_J_m3=1e6)  # without depletion of c
    lens = nucleation.critical_nucleus(p, 705.0 + 273.15).scaled(1.25)
    areas = _areas_after_planting(sim, sim.initial_state(), lens, _centre_cell(sim), (0.3, 1.0))
    assert np.all(np.diff(areas) > 0), areas


@pytest.mark.slow
@pytest.mark.parametrize("scale, grows", [(0.8, False), (1.25, True)])
def test_the_critical_lens_is_critical_for_the_default_pair_energies_once_the_lens_is_resolved(scale, grows):
    """The test above at 12 cells per width (grid 288, l = 2 nm): the Neumann lens of the unequal
    default energies is critical within the 25 % of the equal-energy test. After the first step
    (which relaxes the planted profile: +0.005 nm^2 at 0.8 x) 0.8 x shrinks (measured -1.40, -3.32
    nm^2 to 0.3 / 1 s) and 1.25 x grows (+0.04, +0.27); at 8 cells 1.25 x still shrinks (-0.34, -0.07)."""
    p, sim = _flat_contact(705.0, chemical_stiffness_J_m3=1e6, grid=288)
    lens = nucleation.critical_nucleus(p, 705.0 + 273.15).scaled(scale)
    areas = _areas_after_planting(sim, sim.initial_state(), lens, _centre_cell(sim), (0.3, 1.0))[1:]
    assert np.all(np.diff(areas) > 0) if grows else np.all(np.diff(areas) < 0), areas


@pytest.fixture(scope="module")
def epitaxy_sim():
    p = small_epitaxy(nucleation_prefactor_per_m_s=0.0)
    from scenarios.epitaxy import microstructure

    return p, Simulation(p, microstructure(p))


def test_the_planted_seed_survives_and_grows_in_the_small_epitaxy(epitaxy_sim):
    """The seed nucleation plants at 710 degC (default facets and chemistry) is supercritical.

    Not monotone since V is conserved: where the seed replaces NH4VO3 it holds 2/5 of the
    V, and the rest, put into the NH4VO3 next to it (n_V up to 1.33), must diffuse away
    before the front advances (measured areas 90.2 planted, 88.5 at 1 s, 100.1 at 3 s)."""
    p, sim = epitaxy_sim
    state = sim.initial_state()
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    lens = nucleation.seed_nucleus(p, 710.0 + 273.15)
    areas = _areas_after_planting(sim, state, lens, int(np.argmax(nucleation.contact_weight(h))), (0.5, 1.0, 2.0, 3.0))
    assert areas.min() > 0.95 * areas[0] and areas[-1] > 1.05 * areas[0], areas


# ---- composition ------------------------------------------------------------------------------
def test_planting_sets_nvp_densities_in_the_seed_and_conserves_both_species(epitaxy_sim):
    p, sim = epitaxy_sim
    state = sim.initial_state()
    n0 = state.n.copy()
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    cell = int(np.argmax(nucleation.contact_weight(h)))
    sim.plant_nucleus(state, int(np.flatnonzero(sim.grain_phase == _NVP)[0]), cell, nucleation.seed_nucleus(p, 983.15))
    np.testing.assert_allclose(state.n.sum(axis=1), n0.sum(axis=1), rtol=1e-12)
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    core = h[_NVP] > 0.99  # n = n_hat there: (2/5, 3/5) within 0.01
    assert core.sum() > 10 and np.abs(state.n[:, core] - np.array([[0.4], [0.6]])).max() < 0.01
    assert state.n.min() >= 0.0
    # the units came from the precursor next to the seed, not from far away
    changed = (np.abs(state.n - n0) > 1e-6).any(axis=0)
    distance = np.sqrt(((sim.grid.coords_nm - sim.grid.coords_nm[:, [cell]]) ** 2).sum(axis=0))
    lens = nucleation.seed_nucleus(p, 983.15)
    assert distance[changed].max() < lens.radius_S_nm + lens.half_chord_nm + 4 * p.interface_width_nm



def test_a_seed_replaces_only_precursor():
    """README, Nucleation: the seed replaces only precursor. A lens 1.5 x the critical one at 710 degC
    (radii 6 / 9 nm, 48 cells) planted on a short NH4VO3/NaH2PO4 neck reaches past it into the
    surroundings and over an NVP grain already there (12 of its cells are mostly theirs), above an
    NZSP substrate: the surroundings, NZSP and the other NVP grain keep their order parameters bit
    for bit, the seed never exceeds the precursor that was in a cell (to rounding, 1e-13), the
    order parameters' sum is unchanged (rounding) and both species are conserved."""
    p = isothermal(710.0, grid=64, domain_nm=(40.0, 24.0), interface_width_nm=2.0, nucleation_prefactor_per_m_s=0.0)
    micro = Microstructure(
        grains=(Grain("NZSP", fixed=True), Grain("NH4VO3", 12.0), Grain("NaH2PO4"), Grain("NVP", 40.0)),
        shapes=(HalfSpace(9.0), Disc((14.0, 12.0), 6.5), Disc((23.5, 12.0), 4.0), Disc((19.5, 17.5), 2.0)),
        empty_slots=("NVP",),
    )
    sim = Simulation(p, micro)
    state = sim.initial_state()
    eta0, n0 = state.eta.copy(), state.n.copy()
    h = fe.phase_fractions(eta0, sim.grain_phase, len(PHASES))
    cell = int(np.argmax(nucleation.contact_weight(h)))
    lens = nucleation.critical_nucleus(p, 983.15).scaled(1.5)
    slot = len(sim.grain_phase) - 1
    sim.plant_nucleus(state, slot, cell, lens)
    precursor = np.isin(sim.grain_phase, [PHASES.index("NH4VO3"), PHASES.index("NaH2PO4")])
    others = np.flatnonzero(~precursor & (np.arange(len(sim.grain_phase)) != slot))
    # the lens does cover cells of the other grains (else "only" would not be tested)
    inside = profile(lens.distance(sim.grid.coords_nm, sim.grid.coords_nm[:, cell], nucleation.contact_normal(h, sim.geometry.gradient, cell)), p.interface_width_nm) > 0.5
    assert (inside & (eta0[others].sum(axis=0) > 0.5)).sum() >= 10
    for g in others:
        np.testing.assert_array_equal(state.eta[g], eta0[g], err_msg=f"grain {g} ({PHASES[sim.grain_phase[g]]})")
    assert state.eta[slot].max() > 0.5
    assert (state.eta[slot] - eta0[precursor].sum(axis=0)).max() < 1e-13
    np.testing.assert_allclose(state.eta.sum(axis=0), eta0.sum(axis=0), atol=1e-13)
    np.testing.assert_allclose(state.n.sum(axis=1), n0.sum(axis=1), rtol=1e-12)

def _contact_beside_a_particle():
    """An NH4VO3 disc under a NaH2PO4 disc (the contact, along x) and, 2.1 nm across empty space
    from the NH4VO3 disc, a second NaH2PO4 particle, at 710 degC (overview's NVP forms near there): the
    default seed (4 x the critical lens: radii 16 / 24 nm, half-chord 11.6 nm) planted on the contact
    reaches into the second particle (68 of its cells lie more than half inside the lens)."""
    p = isothermal(710.0, grid=96, domain_nm=(48.0, 32.0), interface_width_nm=2.0, nucleation_prefactor_per_m_s=0.0)
    discs = (Disc((16.0, 10.5), 5.0), Disc((16.0, 19.5), 4.5), Disc((26.5, 14.0), 4.0))
    micro = Microstructure(grains=(Grain("NH4VO3", 12.0), Grain("NaH2PO4"), Grain("NaH2PO4")), shapes=discs, empty_slots=("NVP",))
    return p, discs, Simulation(p, micro)


def test_a_particle_owns_the_cells_nearer_to_it_than_to_any_other_particle():
    """particle_owner against the exact distances to the discs' edges: the touching pair is one particle,
    the disc 2.1 nm away another; every cell whose distances to the two differ by more than a cell
    diagonal (the painted edges are discrete) goes to the nearer one, and so does each disc's own area."""
    p, discs, sim = _contact_beside_a_particle()
    h = fe.phase_fractions(sim.initial_state().eta, sim.grain_phase, len(PHASES))
    edge = np.array([np.maximum(d.distance(sim.grid.coords_nm), 0.0) for d in discs])
    near_pair, near_other = np.minimum(edge[0], edge[1]), edge[2]
    cell = int(np.argmax(nucleation.contact_weight(h)))
    owner = nucleation.particle_owner(h, sim.grid.shape)
    mine = owner == owner[cell]
    clear = np.abs(near_pair - near_other) > np.sqrt(2.0) * p.dx_nm
    np.testing.assert_array_equal(mine[clear], (near_pair < near_other)[clear])
    assert mine[edge[0] == 0.0].all() and mine[edge[1] == 0.0].all() and not mine[edge[2] == 0.0].any()
    # one particle in the box: every cell is its
    alone = fe.phase_fractions(sim.initial_state().eta[[0, 1, 2, 4]], sim.grain_phase[[0, 1, 2, 4]], len(PHASES))
    owner = nucleation.particle_owner(alone, sim.grid.shape)
    assert (owner == owner[cell]).all()


def test_a_seed_stays_in_the_particle_of_its_contact():
    """The default seed at 710 degC is wider than the gap to the next particle (overview's particles lie
    0-2 nm apart): planted on the contact, it puts NVP only into the touching pair. The second particle
    and its half of the gap keep every order parameter and density bit for bit (no NVP, no units
    taken); both species are conserved (to rounding); the contact's pair does get its seed. The
    second particle's tail in the pair's half of the gap is replaced like any precursor there."""
    p, discs, sim = _contact_beside_a_particle()
    state = sim.initial_state()
    eta0, n0 = state.eta.copy(), state.n.copy()
    h = fe.phase_fractions(eta0, sim.grain_phase, len(PHASES))
    cell = int(np.argmax(nucleation.contact_weight(h)))
    lens = nucleation.seed_nucleus(p, 983.15)
    uncut = lens.distance(sim.grid.coords_nm, sim.grid.coords_nm[:, cell], nucleation.contact_normal(h, sim.geometry.gradient, cell))
    other = 3  # grains: surroundings, NH4VO3, NaH2PO4, the second NaH2PO4, NVP
    assert PHASES[sim.grain_phase[other]] == "NaH2PO4"
    assert ((profile(uncut, p.interface_width_nm) > 0.5) & (eta0[other] > 0.5)).sum() >= 20  # the lens does reach it
    slot = int(np.flatnonzero(sim.grain_phase == _NVP)[0])
    sim.plant_nucleus(state, slot, cell, lens)
    owner = nucleation.particle_owner(h, sim.grid.shape)
    beyond = owner != owner[cell]  # the second particle and its half of the gap
    assert beyond[eta0[other] > 0.5].all()
    np.testing.assert_array_equal(state.eta[:, beyond], eta0[:, beyond])
    np.testing.assert_array_equal(state.n[:, beyond], n0[:, beyond])
    assert state.eta[slot].max() > 0.9
    np.testing.assert_allclose(state.n.sum(axis=1), n0.sum(axis=1), rtol=1e-12)


# ---- full slots ---------------------------------------------------------------------------------
def test_nuclei_beyond_the_slots_are_refused_logged_and_counted(caplog, tmp_nc):
    from phasefield.io.output import resume_state
    from scenarios.epitaxy import run

    p = small_epitaxy(nvp_slots=1, nucleation_prefactor_per_m_s=5e16, duration_s=0.5, output_interval_s=0.25)
    with caplog.at_level(logging.INFO, logger="phasefield.numerics.stepping"):
        ds = run(p, tmp_nc)
    refused = int(ds.attrs["n_refused_nuclei"])
    assert ds.attrs["n_nuclei"] == 1 and refused > 0
    # every refusal logged (INFO), the 1st, 2nd, 4th, ... also shown as a WARNING (stepping.warn_sparsely)
    lines = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == refused
    assert sum(r.levelno == logging.WARNING for r in lines) == refused.bit_length()
    assert resume_state(tmp_nc)["refused"] == refused  # carried across a resume


def test_a_parent_that_holds_too_little_refuses_the_seed():
    """The units a seed needs come from parent cells, each giving at most what it holds (n >= 0,
    each species conserved): a parent that holds none of a species the seed needs cannot supply it,
    wherever the kernel reaches. Hand-built: one species, 20 cells, the seed needs 3 cells' worth."""
    held = np.zeros(20)
    held[:5] = 0.1  # the only units: 0.5 in all, in cells that are not parent
    donor = np.r_[np.zeros(5), np.ones(15)]
    distance = np.arange(20.0) - 10.0
    with pytest.raises(nucleation.SeedRefused, match="cannot supply"):
        nucleation._balance(held, 3.0, donor, distance, width_nm=2.0, reach_nm=4.0)
    # what the parent does hold it gives (the control): 0.1 in each of its 15 cells, 1.5 in all
    given = nucleation._balance(np.r_[held[:5], np.full(15, 0.1)], 1.0, donor, distance, width_nm=2.0, reach_nm=4.0)
    assert given.min() >= 0.0 and given.sum() == pytest.approx(0.5 + 1.5 - 1.0, rel=1e-12)


def test_a_refused_seed_is_logged_counted_and_leaves_the_state_as_it_was(monkeypatch, caplog):
    """Where the precursor cannot supply a seed (nucleation.SeedRefused), nucleate refuses that
    nucleus as it refuses one beyond the slots: counted in state.refused (the run's n_refused_nuclei),
    logged, nothing planted and the fields, orientations and slots unchanged bit for bit; the run
    goes on. Until 2026-12-03 the refusal ended the run with a traceback (an overview run with the
    nucleation prefactor raised to 1e30 1/(m s), 1.66 s in)."""
    from scenarios.epitaxy import microstructure

    p = small_epitaxy(nucleation_prefactor_per_m_s=5e16)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    state.time = p.nucleation_interval_s / sim.units.time_s
    before = (state.eta.copy(), state.n.copy(), state.orientation_deg.copy(), state.active.copy())

    def short(*args, **kwargs):
        raise nucleation.SeedRefused("a seed needs 34.3 cells worth of units that its parent phase cannot supply")

    monkeypatch.setattr(nucleation, "plant", short)
    with caplog.at_level(logging.INFO, logger="phasefield.numerics.stepping"):
        planted = sim.nucleate(state, np.random.default_rng(0))
    assert planted == [] and state.refused > 0 and state.nuclei == 0
    for kept, now in zip(before, (state.eta, state.n, state.orientation_deg, state.active)):
        np.testing.assert_array_equal(now, kept)
    lines = [r.getMessage() for r in caplog.records if "cannot supply" in r.getMessage()]
    assert len(lines) == state.refused


def test_a_slot_whose_grain_vanished_takes_the_next_nucleus():
    from scenarios.epitaxy import microstructure

    p = small_epitaxy(nvp_slots=1, nucleation_prefactor_per_m_s=5e16)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    slot = int(np.flatnonzero(sim.grain_phase == _NVP)[0])
    state.active[slot] = True
    state.eta[slot] = 0.5 * nucleation.VANISHED  # the tail of a grain that shrank away
    state.time = p.nucleation_interval_s / sim.units.time_s
    planted = sim.nucleate(state, np.random.default_rng(0))
    assert len(planted) == 1 and planted[0].slot == slot and state.refused > 0
    assert state.eta[slot].max() > 0.9


def test_with_reassignment_nuclei_share_the_one_nvp_slot_as_tracked_grains():
    """One NVP slot, reassignment on: where one nucleus was planted and the rest refused above, each
    nucleus away from NVP goes into the one slot, a tracked NVP grain with the orientation of the
    NH4VO3 grain under it (33 degree); n conserved."""
    from scenarios.epitaxy import microstructure

    p = small_epitaxy(nvp_slots=1, nucleation_prefactor_per_m_s=5e16, grain_reassignment=True, nh4vo3_orientation_deg=33.0)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    before = state.n.sum(axis=1)
    state.time = p.nucleation_interval_s / sim.units.time_s
    planted = [n for n in sim.nucleate(state, np.random.default_rng(0)) if n.phase == "NVP"]
    assert len(planted) >= 2 and {n.slot for n in planted} == {int(np.flatnonzero(sim.grain_phase == _NVP)[0])}
    table = state.grains
    nvp = [g for g in range(1, len(table.phase) + 1) if table.phase[g - 1] == _NVP]
    assert len(nvp) == len(planted)  # each nucleus registered (two that overlap on planting merge: same orientation)
    assert {table.orientation_deg[g - 1] for g in nvp} == {33.0} and {n.orientation_deg for n in planted} == {33.0}
    np.testing.assert_allclose(state.n.sum(axis=1), before, rtol=1e-12)


# ---- sampling -----------------------------------------------------------------------------------
def _straight_contact(height_nm: float = 16.0):
    """h of a flat NH4VO3 | NaH2PO4 interface across a box (profile of the model)."""
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
    p = isothermal(715.0, grid=64, domain_nm=(32.0, 16.0))
    interval = 0.05
    mean = nucleation.rate_per_m_s(p, 988.15) * 16e-9 * interval
    draws = [nucleation.sample_nuclei(np.random.default_rng(s), p, h, p.dx_nm**2, 1.0, 1.0 + interval)[0].size for s in range(400)]
    # Poisson: the mean of 400 draws has standard error sqrt(mean / 400); allow 4 of them
    assert np.mean(draws) == pytest.approx(mean, rel=0.01, abs=4 * np.sqrt(mean / 400))
    a = nucleation.sample_nuclei(np.random.default_rng(5), p, h, p.dx_nm**2, 1.0, 1.0 + interval)
    b = nucleation.sample_nuclei(np.random.default_rng(5), p, h, p.dx_nm**2, 1.0, 1.0 + interval)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert np.all((a[1] >= 1.0) & (a[1] <= 1.0 + interval))
    # nuclei land only where both precursors are present, centred on the contact (x = 16 nm)
    cells = np.concatenate([nucleation.sample_nuclei(np.random.default_rng(s), p, h, p.dx_nm**2, 1.0, 1.0 + interval)[0] for s in range(50)])
    assert np.all(nucleation.contact_weight(h)[cells] > 0.0)
    assert sim.grid.coords_nm[0, cells].mean() == pytest.approx(16.0, abs=0.1)


def _flat_contact_3d(temperature_C: float = 715.0):
    """h of a flat NH4VO3 | NaH2PO4 interface across a 16 x 8 x 6 nm box, l = 4 dx (no solver)."""
    p = isothermal(temperature_C, grid=32, domain_nm=(16.0, 8.0, 6.0))
    micro = Microstructure(grains=(Grain("NH4VO3"), Grain("NaH2PO4")), shapes=(HalfSpace(1e3, axis=0), HalfSpace(8.0, axis=0, below=False)))
    axes = [(np.arange(n) + 0.5) * p.dx_nm for n in p.shape]
    coords = np.stack([c.ravel() for c in np.meshgrid(*axes, indexing="ij")])
    eta, _ = build_fields(micro, coords, p.interface_width_nm)
    return p, coords, fe.phase_fractions(eta, grain_phase_indices(micro.all_grains()), len(PHASES))


def test_3d_contact_of_a_flat_interface_is_its_area():
    p, _, h = _flat_contact_3d()
    # the same 1D profile sum as the 2D length test (l = 4 dx): within 1 %
    assert nucleation.contact_length_nm(h, p.dx_nm**3, p.interface_width_nm) == pytest.approx(8.0 * 6.0, rel=0.01)


def test_3d_poisson_mean_counts_the_contact_area_in_nucleus_heights():
    """3D convention: the 2D rate per length is per slab one nucleus tall (a = 0.5 nm), so the
    mean count on the 48 nm^2 contact is (48 nm / a) int J ds, 96 nm of 2D contact."""
    p, coords, h = _flat_contact_3d()
    interval = 0.05
    mean = nucleation.rate_per_m_s(p, 988.15) * (48.0 / p.nucleus_thickness_nm) * 1e-9 * interval
    draws = [nucleation.sample_nuclei(np.random.default_rng(s), p, h, p.dx_nm**3, 1.0, 1.0 + interval)[0] for s in range(400)]
    # Poisson: standard error sqrt(mean / 400); 4 of them, plus the 1 % of the area's profile sum
    assert np.mean([d.size for d in draws]) == pytest.approx(mean, rel=0.01, abs=4 * np.sqrt(mean / 400))
    cells = np.concatenate(draws)
    assert coords[0, cells].mean() == pytest.approx(8.0, abs=0.1)  # on the contact plane x = 8 nm
    # spread evenly over the plane: uniform z in [0, 6] nm has standard deviation 6/sqrt(12); 4 standard errors
    assert coords[2, cells].mean() == pytest.approx(3.0, abs=4 * 6.0 / math.sqrt(12 * cells.size))


def _epitaxy_contact(p):
    """Phase fractions of the epitaxy microstructure, without building a solver."""
    from scenarios.epitaxy import microstructure

    micro = microstructure(p)
    nx, ny = p.shape
    X, Y = np.meshgrid((np.arange(nx) + 0.5) * p.dx_nm, (np.arange(ny) + 0.5) * p.dx_nm)
    eta, _ = build_fields(micro, np.stack([X.ravel(), Y.ravel()]), p.interface_width_nm)
    return fe.phase_fractions(eta, grain_phase_indices(micro.all_grains()), len(PHASES))


def _onsets(p, h, seeds):
    """First formation time and its planting time (end of the interval) per seed, sampled as a
    run does: sample_nuclei on [(k-1) dt, k dt], k = 1, 2, ... (contact held fixed)."""
    dt = p.nucleation_interval_s
    formed, planted = [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        for k in range(1, int(round(p.duration_s / dt)) + 1):
            cells, times = nucleation.sample_nuclei(rng, p, h, p.dx_nm**2, (k - 1) * dt, k * dt)
            if cells.size:
                formed.append(times[0])
                planted.append(k * dt)
                break
        else:
            formed.append(np.inf)
            planted.append(np.inf)
    return np.array(formed), np.array(planted)


@pytest.mark.parametrize(
    "program",
    [
        {},  # the epitaxy heating: 560 -> 710 degC at 20 K/s
        dict(start_temperature_C=700.0, hold_temperature_C=720.0, ramp_K_per_s=2.0, duration_s=12.0),  # onsets during the ramp
    ],
)
def test_onset_times_follow_the_poisson_law_of_the_rate_integral(program):
    """Kolmogorov-Smirnov of 100 onsets against P(t_on <= t) = 1 - exp(-l int_0^t J(T(s)) ds),
    alpha = 0.01 (a correct sampler fails this for 1 % of seed sets; the seeds are fixed)."""
    from scenarios.epitaxy import EpitaxyParameters

    p = EpitaxyParameters(**program)
    h = _epitaxy_contact(p)
    length = nucleation.contact_length_nm(h, p.dx_nm**2, p.interface_width_nm)
    formed, planted = _onsets(p, h, range(100))
    assert np.isfinite(formed).all()
    result = stats.kstest(formed, lambda t: nucleation.onset_cdf(p, length, t))
    assert result.pvalue > 0.01, result
    # the seed is planted at the end of its interval: a delay in (0, dt], dt/2 on average
    delay = planted - formed
    assert np.all((delay >= 0) & (delay <= p.nucleation_interval_s + 1e-12))
    assert delay.mean() == pytest.approx(0.5 * p.nucleation_interval_s, abs=0.015)


def test_the_onset_law_is_computed_independently_of_the_sampler():
    """onset_cdf against scipy's adaptive quadrature of J(T(s)) on the epitaxy heating program."""
    from scipy import integrate

    from scenarios.epitaxy import EpitaxyParameters

    p = EpitaxyParameters()
    t_ramp = (p.hold_temperature_C - p.start_temperature_C) / p.ramp_K_per_s
    J = lambda s: nucleation.rate_per_m_s(p, p.temperature_K(s))
    for t in (7.3, 7.5, 8.0, 9.0):
        integral = integrate.quad(J, 0.0, t, points=[t_ramp] if t > t_ramp else None, limit=200, epsabs=0.0, epsrel=1e-10)[0]
        expected = 1.0 - math.exp(-10e-9 * integral)
        assert nucleation.onset_cdf(p, 10.0, t)[0] == pytest.approx(expected, rel=1e-3, abs=1e-9)


# ---- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["nucleation_prefactor_per_m_s", "nucleus_thickness_nm", "nucleation_interval_s", "nucleus_seed_scale"])
@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
def test_bad_nucleation_parameters_are_refused_with_name_value_and_allowed(name, value):
    with pytest.raises(ValueError, match=rf"^{name} = {value!r} is not allowed; allowed: a finite number"):
        ModelParameters(**{name: value})


def test_the_seed_scale_must_exceed_one():
    with pytest.raises(ValueError, match=r"nucleus_seed_scale = 0.9 is not allowed; allowed: a finite number > 1"):
        ModelParameters(nucleus_seed_scale=0.9)


@pytest.mark.slow
def test_onsets_of_real_small_epitaxy_runs_follow_the_poisson_law():
    """40 seeds of the small epitaxy heated 700 -> 712 degC at 4 K/s: the first formation
    time of each run (attribute nucleus_formation_times_s) against the Poisson CDF of the
    initial contact, KS at alpha = 0.01. Here the contact evolves as in a run (it relaxes
    during the ramp), unlike the fixed contact of the fast test."""
    from scenarios.epitaxy import microstructure, run

    program = dict(start_temperature_C=700.0, hold_temperature_C=712.0, ramp_K_per_s=4.0, duration_s=4.0, output_interval_s=2.0)
    p = small_epitaxy(**program)
    sim = Simulation(p, microstructure(p))
    h = fe.phase_fractions(sim.initial_state().eta, sim.grain_phase, len(PHASES))
    length = nucleation.contact_length_nm(h, sim.cell_measure, p.interface_width_nm)
    onsets = []
    for seed in range(40):
        ds = run(small_epitaxy(seed=seed, **program))
        onsets.append(min(json.loads(ds.attrs["nucleus_formation_times_s"]), default=np.inf))
    assert np.isfinite(onsets).all()
    result = stats.kstest(onsets, lambda t: nucleation.onset_cdf(p, length, t))
    assert result.pvalue > 0.01, (result, np.round(onsets, 3))

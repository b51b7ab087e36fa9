"""Scenario epitaxy (paper Fig. 3-5) and its threshold (Fig. S7), on small grids."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phasefield import Simulation, open_run
from phasefield.model import free_energy as fe
from phasefield.model.phases import PHASES
from scenarios.epitaxy import microstructure, run
from tests.conftest import small_epitaxy

# one worker runs this module and test_accessor (pyproject: --dist loadgroup): their run is computed once
pytestmark = pytest.mark.xdist_group("epitaxy_4s")


@pytest.fixture(scope="module")
def reacted(epitaxy_4s):
    """Small epitaxy at 710 degC for 4 s (NVP nucleates; never painted): tests/conftest.py, read back."""
    path, _ = epitaxy_4s
    return open_run(path, chunks=None)


def _phase_h(ds, phase):
    e2 = ds.eta**2
    h = e2 / e2.sum("grain")
    return h.where(ds.grain_phase == phase, 0.0).sum("grain")


def test_nvp_nucleates_at_the_contact_and_grows_into_nh4vo3_fed_by_nah2po4(reacted):
    ds = reacted
    nvp = ds.phase_area.sel(phase="NVP").values
    assert ds.attrs["n_nuclei"] >= 1 and nvp[-1] > 0
    # NVP area grows while NaH2PO4 arrives; over the first two intervals after a seed the V
    # it displaced diffuses away from the front (both species are conserved) and the seed dips
    # (measured, one nucleus at 0.5 s: 84.3 -> 81.9 -> 81.0 nm^2), then it grows in every interval
    # (82.9 ... 93.4 at 4 s): the nucleus survives its planting (a dip of less than 5 %). Another
    # trajectory (BDF2 here, 2026-12-02) samples a second nucleus at 2.4 s: 84.4 -> 82.3 -> 83.9,
    # 100.8 (planted) -> 96.3 -> 99.4 -> 102.4. So the intervals checked for growth start at least
    # two intervals (1 s) after the last nucleus before them.
    grown = nvp[nvp > 0]
    assert grown[-1] > grown[0] and grown.min() > 0.95 * grown[0]
    t, formed = ds.time.values, np.array(json.loads(ds.attrs["nucleus_formation_times_s"]))
    settled = [k for k in range(1, t.size) if nvp[k - 1] > 0 and t[k - 1] >= formed[formed < t[k]].max() + 1.0 - 1e-9]
    assert len(settled) >= 2 and all(nvp[k] > nvp[k - 1] for k in settled)
    s_area = ds.phase_area.sel(phase="NaH2PO4").values
    assert s_area[-1] < s_area[0]  # NaH2PO4 is consumed
    # P-bearing units move into NVP: its P content rises, and both totals are conserved
    p_in_nvp = (ds.n.sel(species="P-bearing unit") * _phase_h(ds, "NVP")).sum(("x", "y")).values
    assert np.all(np.diff(p_in_nvp[nvp > 0][1:]) > 0)
    assert np.abs(ds.amount.values / ds.amount.values[0] - 1).max() < 1e-8
    # V is reduced as NVP forms (EELS, Fig. 1t)
    assert ds.mean_V_valence.values[0] == pytest.approx(5.0) and ds.mean_V_valence.values[-1] < 5.0


def test_nh4vo3_keeps_its_position_while_it_converts(reacted):
    """Paper Fig. 3: NH4VO3 maintains its position and NVP forms at the interface.

    Measured: the NH4VO3 free surface away from the contact stays within one cell;
    the NH4VO3 centroid moves < 1 nm until NVP forms, then only away from the
    NaH2PO4 (the converted contact side is removed), never towards it.
    """
    ds = reacted
    h_a = _phase_h(ds, "NH4VO3")
    mid = h_a.isel(y=ds.sizes["y"] // 2)
    far_edge = [float(ds.x.where(mid.isel(time=t) > 0.5).min()) for t in range(ds.sizes["time"])]
    assert max(far_edge) - min(far_edge) < 1.0
    cx = ds.centroid_x.sel(grain=1).values
    nvp = ds.phase_area.sel(phase="NVP").values
    before = nvp < 1e-3
    assert np.abs(cx[before] - cx[0]).max() < 1.0
    x_s = float(ds.centroid_x.sel(grain=2).isel(time=0))
    # never towards NaH2PO4 beyond the 0.01 nm the contact neck relaxes by (a fifth of a cell allowed)
    assert np.all((cx - cx[0]) * np.sign(x_s - cx[0]) < 0.1)


def test_nvp_inherits_the_nh4vo3_orientation():
    """The orientation is set when the nucleus is planted (at 0.46 s here): 1 s of run suffices."""
    p = small_epitaxy(duration_s=1.0, nh4vo3_orientation_deg=23.0)
    ds = run(p)
    nvp = (ds.grain_phase == "NVP").values & (ds.active.isel(time=-1).values == 1)
    assert nvp.any()
    np.testing.assert_allclose(ds.orientation.isel(time=-1).values[nvp], 23.0)


@pytest.mark.parametrize("temperature_C", [650.0, 690.0, 700.0])
def test_no_nvp_at_or_below_tc(temperature_C):
    ds = run(small_epitaxy(hold_temperature_C=temperature_C, start_temperature_C=temperature_C, duration_s=2.0, output_interval_s=1.0))
    assert ds.phase_fraction.sel(phase="NVP").values.max() == 0.0
    assert ds.attrs["n_nuclei"] == 0


def _planted_seed(temperature_C: float, **changes):
    """The small epitaxy held at ``temperature_C`` with the seed nucleation plants at 715 degC
    painted on the contact (an observed state), no nucleation; returns (sim, state, NVP slot).
    Isotropic interface energies: the seed is sized by the isotropic critical lens."""
    from phasefield.model.nucleation import contact_weight, seed_nucleus

    p = small_epitaxy(
        hold_temperature_C=temperature_C,
        start_temperature_C=temperature_C,
        nucleation_prefactor_per_m_s=0.0,
        phase_facet_angles_deg={},
        phase_facet_energies={},
        **changes,
    )
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    slot = int(np.flatnonzero(sim.grain_phase == PHASES.index("NVP"))[0])
    sim.plant_nucleus(state, slot, int(np.argmax(contact_weight(h))), seed_nucleus(p, 715.0 + 273.15))
    return sim, state, slot


@pytest.mark.parametrize("temperature_C, grows", [(690.0, False), (715.0, True)])
def test_an_nvp_nucleus_at_the_contact_shrinks_below_tc_and_grows_above(temperature_C, grows):
    """Thermodynamics, not just the nucleation rate: a seed (painted: an observed
    state) the size nucleation plants at 715 degC is unstable at 690 degC."""
    sim, state, slot = _planted_seed(temperature_C)
    start = float((state.eta[slot] ** 2).sum())
    state = sim.advance(state, 1.5 / sim.units.time_s)
    end = float((state.eta[slot] ** 2).sum())
    assert (end > start) == grows


def test_inexact_sweep_solves_keep_the_715_degC_seed_run_within_bounds():
    """The run of the test above at 715 degC with the inexact sweep solves (ModelParameters.sweep_solve_fraction
    1e-3): it stays within the order parameters' bounds (it left them, the surroundings' eta at -0.105 at
    0.477 s, under step doubling with the sweeps' contraction test measured from the step start; a strict
    xfail until 2026-12-02) and the seed grows as with exact solves: sum(eta^2) within 0.5 % after 1.5 s
    (measured -0.08 %; the solves stop at 1e-3 of their starting residual, and the sweeps at 0.025 x the
    time tolerance of the step's change, so their error stays a fraction of the step's)."""
    runs = []
    for fraction in (0.0, 1e-3):
        sim, state, slot = _planted_seed(715.0, sweep_solve_fraction=fraction)
        state = sim.advance(state, 1.5 / sim.units.time_s)
        runs.append(float((state.eta[slot] ** 2).sum()))
    exact, inexact = runs
    assert abs(inexact / exact - 1.0) < 5e-3, runs


@pytest.mark.parametrize("offset_deg", [0.0, 30.0])
def test_the_nvp_nucleus_pays_the_excess_of_its_orientation(offset_deg):
    """With the 4:3 misfit (Delta sigma 0.057 J/m^2, below the incoherent excess 0.2): the seed planted on
    the contact at 760 degC (small enough to fit both orientations' lenses into the small particles) takes
    the NH4VO3 orientation plus the offset, and its excess energy is its orientation's excess (Delta sigma
    in the relationship, incoherent 30 deg out) times its NH4VO3 arc, 2 R_A theta_A by hand from the lens
    it was planted as (the lens of the higher interface energy is the larger one). Tolerance 10 %: the
    painted, unrelaxed profile and the two triple-junction ends (measured 1 % in, 5 % out)."""
    from phasefield.model.nucleation import contact_weight, seed_nucleus

    T = 760.0
    p = small_epitaxy(hold_temperature_C=T, start_temperature_C=T, nucleation_prefactor_per_m_s=0.0, phase_facet_angles_deg={}, phase_facet_energies={},
                      misfit_max_multiple=4, nucleus_orientation_offset_deg=offset_deg)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    h = fe.phase_fractions(state.eta, sim.grain_phase, len(PHASES))
    slot = int(np.flatnonzero(sim.grain_phase == PHASES.index("NVP"))[0])
    lens = seed_nucleus(p, T + 273.15)
    sim.plant_nucleus(state, slot, int(np.argmax(contact_weight(h))), lens)
    assert state.orientation_deg[slot] == p.nh4vo3_orientation_deg + offset_deg
    excess = 0.2 if offset_deg else 76.5e9 / (1 - 0.26) * p.misfit_strain**2 * 0.5e-9  # README, The model: the defaults
    assert offset_deg or excess < p.incoherent_excess_J_m2  # the 4:3 misfit is below the cap
    energy = sim.misfit_energy_J(state)
    arc_nm = 2.0 * lens.radius_A_nm * lens.angle_A
    assert energy[slot] / excess * 1e9 == pytest.approx(arc_nm, rel=0.10)
    assert np.delete(energy, slot).sum() == 0.0

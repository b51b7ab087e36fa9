"""Error-controlled time steps: the step-doubling estimate, the PI controller, and converged defaults.

Fast tests use a shrinking circle (curvature flow, one NH4VO3 grain in another)
on 48^2 cells; the slow ones check that the default ``time_tolerance`` keeps the
observables of README "Accuracy" within 3 % of their dt -> 0 limit.
"""

from __future__ import annotations

import logging
import dataclasses
import json
import math

import numpy as np
import pytest
import xarray as xr

from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, Simulation, run
from phasefield.numerics.stepping import _grain_measures, _history_entry, _measure_scale, acceptance_factor, rejection_factor, sweep_stop_fraction
from tests.conftest import isothermal


def _circle(grid: int = 48, size_nm: float = 24.0, radius_nm: float = 7.0, **changes):
    p = isothermal(grid=grid, domain_nm=(size_nm, size_nm), interface_width_nm=2.0, **changes)
    micro = Microstructure(
        grains=(Grain("NH4VO3"), Grain("NH4VO3", 30.0)),
        shapes=(HalfSpace(100.0, axis=0), Disc((0.5 * size_nm, 0.5 * size_nm), radius_nm)),
    )
    return p, micro


def _substeps(sim: Simulation, state, dt: float, n: int):
    for _ in range(n):
        eta, n_, _ = sim.try_step(state, dt / n)
        state = dataclasses.replace(state, eta=eta, n=n_, time=state.time + dt / n)
    return state


def test_time_tolerance_refuses_bad_values_with_the_allowed_range():
    for bad in (0.0, -0.01, 0.6, float("nan")):
        with pytest.raises(ValueError, match=r"time_tolerance = .* is not allowed; allowed:"):
            ModelParameters(time_tolerance=bad)


def test_pi_controller_factors():
    assert acceptance_factor(1.0, 1.0) == pytest.approx(0.9)  # at the tolerance: hold, with the safety factor
    assert acceptance_factor(1e-8, 1.0) == 2.0  # calm: grow, but at most 2x per step
    assert acceptance_factor(0.5, 0.25) < acceptance_factor(0.5, 1.0)  # a rising error brakes (proportional part)
    assert rejection_factor(4.0) == pytest.approx(0.45)  # error ~ dt^2: 0.9 / sqrt(4)
    assert rejection_factor(float("inf")) == 0.2
    # BDF2's Milne estimate is O(dt^3): the gains are 0.7/3 and 0.4/3, and a rejected step of
    # error 8 x the tolerance is retried at 0.9 / 8^(1/3) = 0.45 of its size
    assert rejection_factor(8.0, order=3) == pytest.approx(0.45)
    assert acceptance_factor(0.5, 1.0, order=3) == pytest.approx(0.9 * 0.5 ** (-0.7 / 3))
    assert acceptance_factor(0.5, 1.0, order=3) < acceptance_factor(0.5, 1.0)  # a third-order error grows dt less per halving


def test_bdf2_goes_on_across_frames():
    """A frame keeps BDF2's history (the times and grain measures in the run's resume state, the
    fields of the state before it in the frame file), so the steps after a frame are BDF2's as
    before it: only the run's first two steps are step doubling's. The circle (no events) in frames
    of 0.1 s, and the same run with the history passed through the frame's resume information as
    a resumed run reads it (measures from JSON, fields as stored): the same steps, bit for bit."""
    p, micro = _circle(duration_s=0.4, output_interval_s=0.1, time_scheme="bdf2")

    def run(through_frames: bool):
        sim = Simulation(p, micro)
        taken = []
        for name in ("doubled_step", "bdf2_step"):
            method = getattr(sim, name)
            setattr(sim, name, lambda state, dt, _m=method, _n=name: (taken.append((state.time * sim.units.time_s, _n)), _m(state, dt))[1])
        state = sim.initial_state()
        for frame in (0.1, 0.2, 0.3, 0.4):
            if through_frames:  # what _load_state restores from a frame
                memory, previous = json.loads(json.dumps(sim.bdf2_memory(state))), sim.bdf2_previous(state)
                sim.reset_solvers(state)
                sim.restore_bdf2_memory(memory, None if previous is None else tuple(np.array(f) for f in previous))
            else:
                sim.reset_solvers(state)  # as the driver does before each frame's steps
            state = sim.advance(state, frame / sim.units.time_s)
        return taken, state

    taken, state = run(False)
    kinds = {}
    for t, kind in taken:  # rejected tries repeat a time: the kind of the accepted (last) one
        kinds[round(t, 9)] = kind
    times = sorted(kinds)
    assert [kinds[t] for t in times[:3]] == ["doubled_step", "doubled_step", "bdf2_step"]  # the run's start: no history
    assert all(kinds[t] == "bdf2_step" for t in times[2:]), [(t, kinds[t]) for t in times]
    assert len([t for t in times if t > 0.1 - 1e-9]) >= 3  # steps after the frames were taken
    resumed_taken, resumed = run(True)
    assert resumed_taken == taken
    np.testing.assert_array_equal(resumed.eta, state.eta)

def test_estimate_is_second_order_and_bounds_the_local_error_of_the_kept_step():
    """Step doubling of a first-order scheme: local error O(dt^2) (O(dt^3) from the sweeps on top).

    For local error C dt^q the estimate (whole - halves) over the true error of
    the halves is 2^(q-1) - 1: 1 for q = 2, 3 for q = 3. Measured here
    (dt 0.02 -> 0.01 s): estimate ratio 5.4, estimate / true error 1.9 and 2.4.
    The step keeps 2 halves - whole, whose error the estimate also bounds. The sweeps are
    converged tightly here (tolerance 1e-3, sweeps to 2e-4 of the change): at the default they
    stop within 2 % of the change, which at these steps is more than the truncation error, and
    the estimate then no longer scales as dt^q (measured ratio 1.2).
    """
    p, micro = _circle(duration_s=1.0, output_interval_s=1.0, time_tolerance=1e-3, sweeps=40, time_scheme="doubling")
    sim = Simulation(p, micro)
    start = sim.advance(sim.initial_state(), 0.2 / sim.units.time_s)
    estimates = []
    for dt_s in (0.02, 0.01):
        dt = dt_s / sim.units.time_s
        extrapolated, _, _, error = sim.doubled_step(start, dt)
        halves = _substeps(sim, start, dt, 2).eta
        whole = _substeps(sim, start, dt, 1).eta
        reference = _substeps(sim, start, dt, 64).eta  # its own error: 1/64^(q-1) of the whole step's
        m, mw, mr, mx = (_grain_measures(e) for e in (halves, whole, reference, extrapolated))
        estimate, true = np.abs(m - mw).max(), np.abs(m - mr).max()
        assert 0.7 < estimate / true < 3.5  # [1, 3] by the argument above, widened by 30 % for pre-asymptotics
        # the kept, extrapolated result: error O(dt^3) if q = 2, 2/3 of the estimate if q = 3 (measured 0.7)
        assert np.abs(mx - mr).max() < estimate
        # what doubled_step reports (its halves start from the whole step, so they differ from these
        # by the sweeps' iteration error): the kept step's true error is within its estimate or
        # within the sweeps' share of the tolerance
        scale = np.abs(m - _grain_measures(start.eta)).max()
        assert np.abs(mx - mr).max() < max(error * p.time_tolerance * (scale + 1e-2 * dt), 0.2 * p.time_tolerance * scale)
        estimates.append(estimate)
    assert 3.0 < estimates[0] / estimates[1] < 9.0  # 2^q for q in [2, 3], widened by 25 %


def test_bdf2_estimate_is_the_local_error_of_the_step_and_third_order():
    """BDF2's Milne estimate against the true local error of one step, from a history on the exact
    path (the reference: 16 extrapolated doubling substeps per interval, local error O(dt^3) each).

    A circle's area under curvature flow changes linearly in time (BDF2 would be exact); under a
    heating ramp the Arrhenius mobility makes it curve (third derivative not zero). Steps unequal
    (1.1 h, 0.8 h, h). Measured: estimate / true error 0.89 (h = 0.04 s), 0.95 (0.02 s); the
    estimate falls 9.3x when h halves (8 for a local error O(h^3)); the reference's own error is
    1e-3 of the true one.

    The linearly implicit step of "bdf2-linear" (one sweep, coefficients at the linear predictor)
    from the same history: its true error falls as h^3 too (measured 10.9x per halving), but it is
    6x the converged step's, and Milne's estimate does not see the linearization (measured 0.07 and
    0.05 of the true error): time_tolerance does not bound that scheme's error (parameters).
    """
    p, micro = _circle(duration_s=1.0, output_interval_s=1.0, time_tolerance=1e-3, sweeps=40, start_temperature_C=650.0,
                       hold_temperature_C=800.0, ramp_K_per_s=200.0, time_scheme="bdf2")
    sim = Simulation(p, micro)
    linear = Simulation(dataclasses.replace(p, time_scheme="bdf2-linear"), micro)
    sweeps = []
    solve = linear.whole_step_equations.step
    linear.whole_step_equations.step = lambda *a, **k: (sweeps.append(1), solve(*a, **k))[1]

    def exact(state, dt):
        for _ in range(16):
            eta, n, _, _ = sim.doubled_step(state, dt / 16)
            state = dataclasses.replace(state, eta=eta, n=n, time=state.time + dt / 16)
        return state

    start = sim.advance(sim.initial_state(), 0.1 / sim.units.time_s)
    estimates, linear_errors = [], []
    for h_s in (0.04, 0.02):
        h = h_s / sim.units.time_s
        path = [start]
        for step in (1.1 * h, 0.8 * h, h):
            path.append(exact(path[-1], step))
        m_exact, m_start = _grain_measures(path[3].eta), _grain_measures(path[2].eta)
        for s in (sim, linear):
            s._history = [_history_entry(r) for r in path[:3]]
        eta, _, _, error = sim.bdf2_step(path[2], h)
        m = _grain_measures(eta)
        estimate = error * p.time_tolerance * _measure_scale(m, m_start, h)
        true = np.abs(m - m_exact).max()
        assert 0.6 < estimate / true < 1.5  # exact for a cubic path; 0.6-1.5 for pre-asymptotics
        estimates.append(estimate)
        del sweeps[:]
        eta, _, _, error = linear.bdf2_step(path[2], h)
        assert len(sweeps) == 1  # one linear solve
        m = _grain_measures(eta)
        linear_true = np.abs(m - m_exact).max()
        assert linear_true > 2.0 * true  # the linearization's share: measured 6.4x, 5.8x
        assert error * p.time_tolerance * _measure_scale(m, m_start, h) < 0.3 * linear_true  # not seen: measured 0.07, 0.05
        linear_errors.append(linear_true)
    assert 6.0 < estimates[0] / estimates[1] < 11.0  # 2^3, widened by 25 % / 40 %
    assert linear_errors[0] / linear_errors[1] > 6.0  # 2^3 less 25 %: consistent, third order locally (measured 10.9)

def _epitaxy_after_nucleation(grid: int = 64, **changes):
    """The epitaxy contact at 710 degC with an NVP nucleus planted (facets, reaction, c)."""
    from phasefield.model import nucleation
    from scenarios.epitaxy import EpitaxyParameters, microstructure

    p = EpitaxyParameters(grid=grid, start_temperature_C=710.0, hold_temperature_C=710.0, ramp_K_per_s=0.0, **changes)
    sim = Simulation(p, microstructure(p))
    state = sim.advance(sim.initial_state(), 0.3 / sim.units.time_s)
    x, y = sim.grid.coords_nm
    contact = np.argmin(np.abs(x - 0.5 * p.domain_nm[0] + 2.0) + np.abs(y - 0.5 * p.domain_nm[1]))
    slot = sim._free_nvp_slot(state)
    sim.plant_nucleus(state, slot, int(contact), nucleation.seed_nucleus(p, sim.temperature_K(state.time)))
    return p, sim, sim.advance(state, state.time + 0.3 / sim.units.time_s)


def _sweeps_case(case: str, scheme: str):
    """(parameters, simulation, state) for the iteration-error tests: the shrinking circle 0.2 s in,
    or the epitaxy contact 0.3 s after a nucleus, run with ``scheme``."""
    if case == "circle":
        p, micro = _circle(duration_s=1.0, output_interval_s=1.0, time_scheme=scheme)
        sim = Simulation(p, micro)
        return p, sim, sim.advance(sim.initial_state(), 0.2 / sim.units.time_s)
    return _epitaxy_after_nucleation(time_scheme=scheme)


@pytest.mark.parametrize("case", ["circle", pytest.param("epitaxy", marks=pytest.mark.slow)])
def test_iteration_error_of_the_sweeps_stays_within_the_time_tolerance(case):
    """The sweeps stop on an estimate (residual contraction, target 0.2 x time_tolerance of the
    step's change); what they leave in the kept (extrapolated) step must stay below the time
    tolerance itself, or it would dominate the error the controller allows. Compared with the same
    doubled step iterated to 2e-4 of the change. Cases: the shrinking circle (fast contraction) and
    the faceted, reacting epitaxy contact after nucleation (plain sweeps contract by ~0.85 there,
    and the residual of the grain measures underestimates the error 5-20x, mostly through c).
    Measured on epitaxy: 1.6x the target at dt 5 ms; the observables of whole runs are within
    0.2 % of their dt -> 0 limit (README, Accuracy)."""
    p, sim, start = _sweeps_case(case, "doubling")
    # Anderson stalls near 1e-4-1e-3 of the change (solver-level noise), so the reference is 2e-4
    tight = Simulation(dataclasses.replace(p, time_tolerance=1e-3, sweeps=50), sim.micro)
    m0 = _grain_measures(start.eta)
    for dt_s in (0.005, 0.02):
        dt = dt_s / sim.units.time_s
        m = _grain_measures(sim.doubled_step(start, dt)[0])
        reference = _grain_measures(tight.doubled_step(start, dt)[0])
        change = np.abs(reference - m0).max()
        ratio = np.abs(m - reference).max() / (0.2 * p.time_tolerance * change)
        print(f"{case} dt {dt_s}: iteration error / target {ratio:.3f}")
        assert ratio < 5.0  # 5 x 0.2 time_tolerance = the time tolerance


@pytest.mark.parametrize("case", ["circle", "epitaxy"])
def test_iteration_error_of_bdf2_sweeps_stays_within_a_tenth_of_the_time_tolerance(case):
    """BDF2's sweeps start from the linear predictor and its Milne estimate does not see what they
    leave, so that must stay well below what the controller allows for the truncation: here a tenth
    of time_tolerance x the step's change (step doubling's test allows the whole tolerance, since its
    estimate sees the iteration error). The sweeps aim at 0.025 of it (sweep_stop_fraction, from the
    contraction of successive sweeps, an estimate, not a bound). Compared with the same step iterated
    5x tighter (from the predictor too: from the shifted start the sweeps wander at 1e-3 of the
    change and do not converge in 50). Measured at the default 0.1 on epitaxy after nucleation:
    0.064 at dt 5 ms (at 10 ms its sweeps do not converge in 12, so it is retried at 5 ms, as the
    stepper does). Until 2026-12-02 the first sweep's move was measured from the step's start, not
    from the predictor: the second sweep then looked like a contraction of 0.01 and most epitaxy
    steps stopped after 2 sweeps; this comparison does not see that (the reference stopped there
    too), the whole-run figures of README "Speed" do."""
    p, sim, start = _sweeps_case(case, "bdf2")
    assert len(sim._history) == 3 and sim._history[-1][0] == start.time  # BDF2 steps led here
    tight = Simulation(dataclasses.replace(p, time_tolerance=p.time_tolerance / 5, sweeps=50), sim.micro)
    m0 = _grain_measures(start.eta)
    for dt_s in (0.005, 0.01):
        dt = dt_s / sim.units.time_s
        while True:  # a step whose sweeps do not converge in `sweeps` is refused; the stepper halves it
            try:
                m = _grain_measures(sim.bdf2_step(start, dt)[0])
                break
            except FloatingPointError:
                dt *= 0.5
        tight._history = list(sim._history)
        reference = _grain_measures(tight.bdf2_step(start, dt)[0])
        change = np.abs(reference - m0).max()
        share = np.abs(m - reference).max() / (p.time_tolerance * change)
        print(f"{case} dt {dt * sim.units.time_s:.4g} s: iteration error / (time_tolerance x change) {share:.4f} "
              f"(the sweeps' aim {sweep_stop_fraction(p.time_tolerance, 'bdf2')})")
        assert share < 0.1


def test_a_step_whose_sweeps_do_not_converge_is_refused():
    p, micro = _circle(duration_s=1.0, output_interval_s=1.0, sweeps=2, time_tolerance=1e-3)
    sim = Simulation(p, micro)
    with pytest.raises(FloatingPointError, match="did not converge"):
        sim.try_step(sim.initial_state(), 0.05 / sim.units.time_s)


def test_step_above_the_tolerance_is_rejected_and_retried_smaller():
    p, micro = _circle(duration_s=0.2, output_interval_s=0.2, dt_initial_s=0.1, dt_max_s=0.1, time_tolerance=0.001)
    sim = Simulation(p, micro)
    state = sim.initial_state()
    dt = state.dt
    try:
        _, _, _, error = sim.doubled_step(state, dt)
    except FloatingPointError:  # sweeps not converged to 0.2 x 0.1 %: refused as well
        error = math.inf
    assert error > 1.0  # a 0.1 s step of a 7 nm grain is above 0.1 % (measured with converged sweeps: error/tol 7)
    state = sim.advance(state, dt)
    assert state.n_rejected >= 1
    assert state.time == dt  # still lands exactly on the target time
    assert state.error <= 1.0 or state.n_steps > 1  # every accepted unclipped step met the tolerance



def test_a_step_changing_a_field_by_more_than_max_field_change_is_retried_at_half_size():
    """README, Time stepping: max_field_change caps what one step may change in any field. With a
    cap of 0.02 on the shrinking circle, every step tried is recorded: no kept step changes a field
    by more than 0.02, and each one that did was retried at exactly half its size (whatever its
    error estimate, which sets the factor otherwise). Measured: 20 steps kept, 17 over the cap."""
    p, micro = _circle(duration_s=0.5, output_interval_s=0.5, dt_initial_s=0.05, dt_max_s=0.05, time_tolerance=0.5, max_field_change=0.02)
    sim = Simulation(p, micro)
    tried = []
    step = sim.take_step  # the scheme's step (BDF2 or step doubling), as the stepper calls it

    def recording(state, dt):
        result = step(state, dt)
        tried.append((dt, result[2], result[3]))
        return result

    sim.take_step = recording
    state = sim.advance(sim.initial_state(), 0.5 / sim.units.time_s)
    too_large = [i for i, (_, change, _) in enumerate(tried) if change > 0.02]
    assert too_large and state.n_rejected >= len(too_large)
    for i in too_large:
        assert tried[i + 1][0] == pytest.approx(0.5 * tried[i][0], rel=1e-12)
    kept = [change for _, change, error in tried if change <= 0.02 and error <= 1.0]
    assert len(kept) == state.n_steps == len(tried) - state.n_rejected

def test_dt_grows_to_its_cap_while_nothing_moves():
    """A relaxed flat grain boundary does not move: the estimate is ~0 and dt doubles up to dt_max_s."""
    p = isothermal(grid=32, domain_nm=(16.0, 2.0), interface_width_nm=2.0, dt_initial_s=1e-3, dt_max_s=0.05, duration_s=1.0, output_interval_s=1.0)
    micro = Microstructure(grains=(Grain("NH4VO3"), Grain("NH4VO3", 30.0)), shapes=(HalfSpace(100.0, axis=0), HalfSpace(8.0, axis=0, below=False)))
    sim = Simulation(p, micro)
    state = sim.advance(sim.initial_state(), 1.0 / sim.units.time_s)
    assert state.dt == pytest.approx(0.05 / sim.units.time_s)
    # 1e-3 -> 0.05 s takes log2(50) ~ 6 doublings, then 0.05 s steps: ~25 steps, not the 1000 of dt_initial
    assert state.n_steps < 40
    assert state.n_rejected == 0


def test_both_backends_take_the_same_controlled_steps():
    p, micro = _circle(grid=24, size_nm=16.0, radius_nm=5.0, duration_s=0.1, output_interval_s=0.1)
    runs = [run(dataclasses.replace(p, backend=b, solver_tolerance=1e-11, sweep_solve_fraction=0.0), micro) for b in ("fast", "fipy")]
    assert runs[0].attrs["n_steps"] == runs[1].attrs["n_steps"]
    # solver tolerance 1e-11 on each of the ~3 x 2 solves per step, amplified by the explicit
    # interpolation-derivative terms (at 1e-8 the difference was 2.4e-6: README, Limitations)
    np.testing.assert_allclose(runs[0].eta.values, runs[1].eta.values, atol=1e-6)


# dt -> 0 limit measured with fixed steps (dt_initial_s = dt_max_s) and the Richardson
# extrapolation of two of them, the scheme being first order in time:
# curvature flow (below): -48.94 (2.5 ms), -49.03 (1 ms) -> -49.09 nm^2/s.
# (The epitaxy limits measured the same way, 154.28 nm^2 at 12 s and 12.20 nm^2/s, belong to the
# model before matter transport, version 374ba77; the epitaxy test below now compares with a
# 5x tighter tolerance instead.)
CURVATURE_FLOW_LIMIT = -49.09


def test_default_tolerance_gives_curvature_flow_within_3_percent_of_the_dt_limit():
    """Curvature flow with the DEFAULT stepping (converged sweeps, time_tolerance); the former
    default (fixed cap 0.05 s, 2 sweeps) gave -37.2 nm^2/s, 24 % slow. Measured: BDF2 at 0.1 (the
    default since 2026-12-02) -49.071 (-0.04 %), 67 steps; step doubling at 0.2 -49.12 (+0.07 %),
    66 steps (-50.12, 189 steps with 2 unconverged sweeps and the error control)."""
    p, micro = _circle(grid=96, size_nm=48.0, radius_nm=14.0, duration_s=3.0, output_interval_s=0.5)
    ds = run(p, micro)
    rate = np.polyfit(ds.time.values[1:], ds.grain_area.isel(grain=2).values[1:], 1)[0]
    print(f"curvature flow {rate:.3f} nm^2/s, {ds.attrs['n_steps']} steps")
    assert rate == pytest.approx(CURVATURE_FLOW_LIMIT, rel=0.03)


def check_epitaxy_laws(ds: xr.Dataset, critical_temperature_K: float) -> None:
    """Assert the laws an epitaxy run obeys at every frame (README, How the defaults were chosen;
    issue 11's criteria).

    * V and P amounts constant to 1e-8 of each species' own total: the transport is in
      flux form (what leaves a cell enters its neighbour) and the reaction and nucleation move
      units between phases, never in or out, so only solver residuals and round-off change them
      (measured 2026-12-01: 2.2e-16 over the default run's first 9 s); 1e-8 is the driver's guard
      on the sum of both, here held by each species alone.
    * The surroundings' share (h_s chi_s mu) of each species below 1e-4 of all units (issue 11's
      bound on matter in empty space, README "of the units"): the surroundings hold no units at
      rest (rho = 0) and are ``empty_phase_stiffness`` = 1000 times stiffer than a condensed phase,
      so per area they hold mu / (1000 A), ~1e-4 at the Laplace pressures of ~10 nm particles
      (mu / A ~ 0.1), over an area comparable to the particles'. Measured (2026-12-01, the
      default run cut at 9 s): at most 6.8e-5 of all units (at 2 s; V alone 1.04e-4 of the V
      units); a stiffness 10x softer (100) left 4.5e-4 (README, Speed) and fails it, as would a
      leak of units into the surroundings.
    * NVP only above T_c: dG_NVP = dS (T_c - T) favours it only there, and nucleation has zero rate
      at or below T_c, so no frame at or below T_c has NVP (the run starts below T_c, so frames
      of both kinds are there and the check bites).

    Parameters
    ----------
    ds : xarray.Dataset
        A finished epitaxy run (heated through T_c).
    critical_temperature_K : float
        The run's T_c.
    """
    amount = ds.amount.values  # (time, species)
    assert np.all(amount[0] > 0)
    assert np.abs(amount / amount[0] - 1).max() < 1e-8
    assert np.abs(ds.amount_in_surroundings.values).max() < 1e-4 * amount[0].sum()
    below = ds.T.values <= critical_temperature_K
    nvp = ds.phase_area.sel(phase="NVP").values
    assert below.any() and not below.all()
    assert np.all(nvp[below] == 0.0)


@pytest.mark.slow
def test_default_stepping_gives_epitaxy_nvp_area_and_rate_within_3_percent_of_step_doubling_10x_tighter():
    """The epitaxy scenario at --grid 64 with its DEFAULT stepping (BDF2, time_tolerance 0.1, since
    2026-12-02) against step doubling at time_tolerance 0.02 (minutes each). The local error scales
    with the tolerance, so the tighter run is 10x closer to the dt -> 0 limit. Measured with step
    doubling at 0.025 as the reference: BDF2 at 0.1 -0.02 % (area at 12 s; 2026-12-02); this test
    on 2026-12-02: 136.922 against 136.936 nm^2 (-0.01 %), fitted rate 4.119 against 4.122 (-0.08 %),
    25.6 min beside another job; the former
    default, step doubling at 0.2, -0.20 % (12 s), -0.21 % (20 s), rate -0.22 % (2026-12-01/02);
    before matter transport the former default 0.1 was +0.06 % / +0.16 % off the Richardson limit.
    The default run also obeys the laws of :func:`check_epitaxy_laws` (README, How the defaults were
    chosen)."""
    from scenarios.epitaxy import EpitaxyParameters
    from scenarios.epitaxy import run as run_epitaxy

    def area_and_rate(tolerance):
        p = EpitaxyParameters(grid=64, **({} if tolerance is None else {"time_tolerance": tolerance, "time_scheme": "doubling"}))
        ds = run_epitaxy(p)
        if tolerance is None:
            check_epitaxy_laws(ds, p.critical_temperature_K)
        t, area = ds.time.values, ds.phase_area.sel(phase="NVP").values
        late = t >= 12.0 - 1e-9
        return area[np.argmin(np.abs(t - 12.0))], np.polyfit(t[late], area[late], 1)[0]

    default, tight = area_and_rate(None), area_and_rate(0.02)
    print(f"NVP area at 12 s, rate 12-20 s: default {default}, step doubling at 0.02 {tight}")
    assert default == pytest.approx(tight, rel=0.03)


def test_repeated_events_warn_at_powers_of_two_and_log_every_one(caplog):
    """100 refusals: WARNING lines at the 1st, 2nd, 4th, ..., 64th (7 lines, each with its count), the
    other 93 at INFO, so that nothing is lost with --debug-level logging and the terminal stays readable."""
    from phasefield.numerics.stepping import warn_sparsely

    with caplog.at_level(logging.INFO, logger="phasefield.numerics.stepping"):
        for count in range(1, 101):
            warn_sparsely(count, "event (%d so far)", count)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [f"event ({2**k} so far)" for k in range(7)]
    assert sum(r.levelno == logging.INFO for r in caplog.records) == 93


def _still_simulation(monkeypatch, dt_initial_s: float, dt_max_s: float) -> tuple[Simulation, list[float]]:
    """A two-grain simulation whose steps change nothing and estimate zero error (the physics taken
    out of the controller), and the list into which it records every dt the stepper asks for."""
    p = isothermal(grid=16, domain_nm=(16.0, 2.0), interface_width_nm=2.0, dt_initial_s=dt_initial_s, dt_max_s=dt_max_s)
    micro = Microstructure(grains=(Grain("NH4VO3"), Grain("NH4VO3", 30.0)), shapes=(HalfSpace(100.0, axis=0), HalfSpace(8.0, axis=0, below=False)))
    sim = Simulation(p, micro)
    asked: list[float] = []

    def still(state, dt):
        asked.append(dt)
        return state.eta, state.n, 0.0, 0.0

    monkeypatch.setattr(sim, "take_step", still)
    return sim, asked


@pytest.mark.parametrize(
    "remaining_over_dt, expected_over_dt",
    [
        (1.0 + 1e-8, [1.0 + 1e-8]),  # stretched: no 1e-8 sliver after a whole step
        (1.08, [1.08]),  # within 10 %: one step lands on the time
        (1.5, [0.75, 0.75]),  # split in halves instead of 1 + a 0.5 remainder
        (1.99, [0.995, 0.995]),
        (3.3, [1.0, 1.0, 0.65, 0.65]),  # far: whole steps while more than 2 dt remain, then halves of 1.3
        (0.3, [0.3]),  # a short interval is one step
    ],
)
def test_a_step_toward_a_time_is_stretched_or_split_so_no_sliver_is_left(monkeypatch, remaining_over_dt, expected_over_dt):
    """README (Time steps): a step proposed just short of an output or nucleation time is stretched
    (within 10 %) or split in halves, and the steps land exactly on the time. The physics is taken out
    (a step that changes nothing and has zero error estimate), so the controller would keep dt; the
    sequence of dt the stepper asks for is recorded. Expected sequences are worked by hand from the rule."""
    sim, asked = _still_simulation(monkeypatch, dt_initial_s=1e-3, dt_max_s=1e-3)
    state = sim.initial_state()
    dt = state.dt
    assert dt == pytest.approx(1e-3 / sim.units.time_s)  # dt_max: the controller cannot grow it
    t_end = state.time + remaining_over_dt * dt
    state = sim.advance(state, t_end)
    assert state.time == t_end  # exactly, not within round-off
    assert np.array(asked) / dt == pytest.approx(expected_over_dt, rel=1e-9)


def test_landing_on_times_does_not_hold_the_step_below_their_interval(monkeypatch):
    """Steps cut short to land on a time (the nucleation times every 0.1 s) may still let the
    proposal grow: with nothing to resolve (zero error estimate, dt_max far above the interval),
    the first interval, 1.25 proposals long, is split in halves, and every later interval is one
    step. Until 2026-12-03 a clipped step never grew the proposal, so every interval was split in
    halves. Expected by hand from the rule: halves of 0.5 (each clipped; each lets the proposal
    grow to 2 x 0.5 = 1), then whole intervals."""
    interval_s = 1e-3
    sim, asked = _still_simulation(monkeypatch, dt_initial_s=0.8 * interval_s, dt_max_s=10 * interval_s)
    state = sim.initial_state()
    interval = interval_s / sim.units.time_s
    for k in range(1, 5):
        state = sim.advance(state, k * interval)
        assert state.time == k * interval
    assert np.array(asked) / interval == pytest.approx([0.5, 0.5, 1.0, 1.0, 1.0], rel=1e-9)

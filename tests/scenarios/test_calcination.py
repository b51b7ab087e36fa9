"""Scenario calcination: the accelerated ex situ anneal converts the limiting precursor into NVP.

References: the conversion is measured here from the run's conserved densities n and the order
parameters (not from the scenario's own outputs); the XRD peaks against atomistic.powder_xrd of
each phase; the time acceleration against the model rescaled by hand (every kinetic coefficient
and the heating rate x A, every time / A), which must give the same fields at the same physical
times (a change of the time unit); conservation of V and P to 1e-8.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

import atomistic
import phasefield
from phasefield import ModelParameters, ParameterError
from scenarios.calcination import CalcinationParameters, microstructure, powder_pattern, run, xrd
from scenarios.cli import main

# A contact of two small particles, heated quickly through T_c: NVP nucleates within ~2 s and the
# 4 nm NaH2PO4 particle is used up within ~10 s of physical time at 740 degC.
SMALL = dict(
    particles_per_precursor=1,
    nh4vo3_radius_nm=4.0,
    domain_nm=(30.0, 18.0),
    grid=30,
    start_temperature_C=700.0,
    hold_temperature_C=740.0,
    ramp_K_per_s=4.0,
    time_acceleration=1.0,
    output_interval_s=1.0,
    time_tolerance=0.2,
)


def nvp_share_of(ds, species: int) -> np.ndarray:
    """Share of a species' units held by NVP per frame: integral of w_NVP n_k / integral of n_k, with
    w_NVP the NVP slots' eta^2 over those of the phases that hold units (precursors and NVP; the
    surroundings and NZSP hold none, so a unit in their diffuse interface belongs to the particle)."""
    eta2 = ds.eta.values**2
    phase = ds.grain_phase.values
    nvp = eta2[:, phase == "NVP"].sum(axis=1)
    holders = eta2[:, np.isin(phase, ["amorphous", "NH4VO3", "NaH2PO4", "NVP"])].sum(axis=1)
    w = np.divide(nvp, holders, out=np.zeros_like(nvp), where=holders > 0)
    n = ds.n.values[:, species]
    return (w * n).sum(axis=(1, 2)) / n.sum(axis=(1, 2))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The SMALL anneal run to conversion (~6 s physical; ~30 s of CPU, 95 s wall on the loaded
    2-core machine: the tests reading it are slow)."""
    path = tmp_path_factory.mktemp("calcination") / "small.nc"
    return run(CalcinationParameters(hold_s=30.0, **SMALL), path), path


@pytest.mark.slow
def test_the_limiting_precursor_ends_in_nvp_and_the_units_are_conserved(small_run):
    ds, _ = small_run
    assert math.isfinite(float(ds.conversion_end_s)) and float(ds.conversion_end_s) == ds.time.values[-1]
    assert ds.time.values[-1] < 10.0 + 30.0  # stopped before the end of the hold
    share = nvp_share_of(ds, species=1)  # NaH2PO4 is the limiting precursor: P-bearing units
    assert share[0] == 0.0 and share[-1] >= 0.95
    np.testing.assert_allclose(ds.nvp_share.values[:, 1], share, rtol=1e-12, atol=1e-15)
    amount = ds.amount.values
    # the transport conserves each integral to round-off; the run's own guard is 1e-8
    assert np.abs(amount / amount[0] - 1).max() < 1e-8
    # the run's n integrates to its amount (cell area 1 nm^2)
    np.testing.assert_allclose(ds.n.values.sum(axis=(2, 3)), amount, rtol=1e-12)


def _isolated(positions: np.ndarray, others: np.ndarray, gap: float) -> np.ndarray:
    return np.array([np.sum(np.abs(others - x) < gap) == 1 for x in positions])


@pytest.mark.slow
def test_the_final_pattern_has_the_nvp_and_nzsp_peaks_and_no_limiting_precursor(small_run):
    ds, _ = small_run
    step = float(ds.two_theta[1] - ds.two_theta[0])
    fwhm = CalcinationParameters().xrd_fwhm_deg
    final = ds.xrd_pattern.isel(xrd_time=-1).values
    fractions = ds.xrd_phase_fraction.isel(xrd_time=-1).to_series()
    assert fractions["NaH2PO4"] == 0.0 and fractions["NVP"] > 0 and fractions["NZSP"] > 0
    # every peak of NVP and NZSP (atomistic, independently of the run) that stands apart from all
    # others by 3 FWHM and is above 2 % of the pattern is a local maximum within one grid step
    present = [ph for ph in ("NVP", "NZSP", "NH4VO3", "NaH2PO4") if fractions[ph] > 0]
    all_peaks = np.concatenate([atomistic.powder_xrd(ph, 60.0, two_theta_min=10.0)["two_theta"].to_numpy() for ph in present])
    maxima = ds.two_theta.values[1:-1][(final[1:-1] > final[:-2]) & (final[1:-1] >= final[2:]) & (final[1:-1] > 2.0)]
    checked = 0
    for ph in ("NVP", "NZSP"):
        table = atomistic.powder_xrd(ph, 60.0, two_theta_min=10.0)
        strong = table[(table.intensity * fractions[ph] / max(fractions["NVP"], fractions["NZSP"]) > 5.0) & _isolated(table.two_theta.to_numpy(), all_peaks, 3 * fwhm)]
        for x in strong.two_theta:
            assert np.abs(maxima - x).min() <= step, (ph, x)
            checked += 1
    assert checked >= 10
    # every maximum of the pattern belongs to NVP or NZSP (a grid step plus the shift of a
    # neighbour's tail: within FWHM)
    ours = np.concatenate([atomistic.powder_xrd(ph, 60.0, two_theta_min=10.0)["two_theta"].to_numpy() for ph in ("NVP", "NZSP")])
    assert all(np.abs(ours - m).min() <= fwhm for m in maxima)


@pytest.fixture(scope="module")
def first_frame():
    """The painted initial frame of the default scenario (no step taken) and its XRD outputs."""
    p = CalcinationParameters()
    sim = phasefield.Simulation(p, microstructure(p))
    frame = sim.frame(sim.initial_state())
    return p, frame, xrd(frame, p.xrd_fwhm_deg, times=(0,))


def test_the_painted_units_are_in_the_chosen_ratio(first_frame):
    """The derived NaH2PO4 radius gives P/V = 1.5 / 1.1 (NaH2PO4 limiting, 10 % V surplus) in the
    frame's own amounts (the solve stops at 1e-6 nm in the radius: ~1e-6 relative in P/V)."""
    p, frame, _ = first_frame
    v, phosphorus = frame.amount.values[-1]
    assert phosphorus / v == pytest.approx(1.5 / 1.1, rel=1e-5)
    assert p.nah2po4_radius_nm != pytest.approx(p.nh4vo3_radius_nm * math.sqrt(1.5 / 1.1), rel=1e-3)  # the diffuse edges matter


def test_the_first_frame_lists_the_precursors_with_positions_only(first_frame):
    """The control of the final-frame test: at the start both precursors are present (dominant
    somewhere) with their peak positions listed (NaN intensities: no atom model), NVP is absent."""
    _, _, out = first_frame
    first = out.xrd_phase_fraction.isel(xrd_time=0).to_series()
    assert first["NaH2PO4"] > 0.05 and first["NH4VO3"] > 0.05 and first["NVP"] == 0.0
    assert out.xrd_intensity_known.sel(crystal_phase=["NVP", "NZSP"]).values.tolist() == [1, 1]
    assert out.xrd_intensity_known.sel(crystal_phase=["NH4VO3", "NaH2PO4"]).values.tolist() == [0, 0]
    listed = out.xrd_peak_two_theta.values[out.xrd_peak_phase.values == "NaH2PO4"]
    expected = atomistic.powder_xrd("NaH2PO4", 60.0, two_theta_min=10.0)["two_theta"].to_numpy()
    np.testing.assert_allclose(np.sort(listed), np.sort(expected), atol=1e-9)
    # NZSP alone gives the pattern (the precursors have no intensities): its strongest peak is the maximum
    table = atomistic.powder_xrd("NZSP", 60.0, two_theta_min=10.0)
    top = float(table.two_theta[table.intensity.idxmax()])
    pattern = out.xrd_pattern.isel(xrd_time=0)
    assert abs(float(pattern.two_theta[int(np.argmax(pattern.values))]) - top) <= float(out.two_theta[1] - out.two_theta[0])


def test_the_pattern_is_the_weighted_sum_of_gaussians():
    """powder_pattern against the Gaussians written out by hand for two made-up peaks of two phases
    (FWHM = 2 sqrt(2 ln 2) sigma): exact to round-off; a NaN intensity adds nothing."""
    peaks = xr.Dataset({
        "xrd_peak_phase": ("xrd_peak", np.array(["NVP", "NZSP", "NH4VO3"])),
        "xrd_peak_two_theta": ("xrd_peak", np.array([20.0, 20.3, 20.1])),
        "xrd_peak_intensity": ("xrd_peak", np.array([100.0, 40.0, np.nan])),
    })
    x = np.linspace(19.0, 21.0, 2001)
    got = powder_pattern(np.array([0.5, 0.2, 0.7, 0.3]), peaks, x, 0.2)  # NH4VO3, NaH2PO4, NVP, NZSP
    s = 0.2 / 2.35482004503
    by_hand = 0.7 * 100 * np.exp(-((x - 20.0) ** 2) / (2 * s**2)) + 0.3 * 40 * np.exp(-((x - 20.3) ** 2) / (2 * s**2))
    np.testing.assert_allclose(got, 100 * by_hand / by_hand.max(), rtol=1e-9, atol=1e-12)


def _rescaled_model(p: CalcinationParameters, A: float) -> ModelParameters:
    """p's physics run in time tau = t / A: every kinetic coefficient and the heating rate x A, every
    time of the program / A, the numerics' times (dt, nucleation interval) those of p / A."""
    base = {k: v for k, v in p.to_dict().items() if k in ModelParameters.__dataclass_fields__}
    scaled = dict(
        base,
        interface_mobility_m4_Js={k: v * A for k, v in p.interface_mobility_m4_Js.items()},
        default_interface_mobility_m4_Js=p.default_interface_mobility_m4_Js * A,
        diffusivity_m2_s={k: v * A for k, v in p.diffusivity_m2_s.items()},
        boundary_diffusivity_m2_s=p.boundary_diffusivity_m2_s * A,
        surface_diffusivity_m2_s={k: v * A for k, v in p.surface_diffusivity_m2_s.items()},
        nucleation_prefactor_per_m_s=p.nucleation_prefactor_per_m_s * A,
        crystallization_prefactor_per_m2_s=p.crystallization_prefactor_per_m2_s * A,
        ramp_K_per_s=p.ramp_K_per_s * A,
        duration_s=p.duration_s / A,
        output_interval_s=p.output_interval_s / A,
        dt_initial_s=p.dt_initial_s / A,
        dt_max_s=p.dt_max_s / A,
        nucleation_interval_s=p.nucleation_interval_s / A,
    )
    return ModelParameters(**scaled)


@pytest.mark.slow
def test_the_accelerated_run_is_the_model_in_rescaled_time():
    """The claim the acceleration rests on: p's physics run in physical time equals the model with every
    kinetic coefficient and the heating rate x 10 and every time / 10, at the same physical times,
    through the ramp above T_c and the first nucleation (same seed: the same formation time). Fixed
    steps (dt_initial = dt_max = 0.02 s physical) so that both take the same sequence; tolerance
    1e-8: the two differ by the rounding of the scaled inputs (1e-16 relative) passed through the
    solves (residual 1e-11 of the right-hand side) and, in the frame of the seed, through the seed's
    exchange of units; measured 2.5e-11 in eta before the seed, 1.2e-9 in n in its frame. An unscaled
    coefficient changes the fields by O(1e-2) within a frame. Compared up to the frame where the first nucleus
    is planted: after it the step controller rejects steps (error > 1), and a rejection that
    rounding flips in one run gives the two runs different steps, i.e. fields apart by the
    time-discretization error (measured 1e-2 one frame later); the formation times stay equal.
    ~30 s per run on the loaded 2-core machine, hence slow."""
    A = 10.0
    p = CalcinationParameters(**dict(SMALL, start_temperature_C=708.0, hold_temperature_C=712.0, output_interval_s=0.3), hold_s=0.5)
    fields_of_model = {k: v for k, v in p.to_dict().items() if k in ModelParameters.__dataclass_fields__}
    physical = ModelParameters(**dict(fields_of_model, dt_initial_s=0.02, dt_max_s=0.02, nucleation_interval_s=0.1))
    accelerated = phasefield.run(physical, microstructure(p), None)
    model = phasefield.run(_rescaled_model(physical, A), microstructure(p), None)
    formed = json.loads(accelerated.attrs["nucleus_formation_times_s"])
    assert formed and np.allclose(np.array(json.loads(model.attrs["nucleus_formation_times_s"])) * A, formed, rtol=1e-12)
    np.testing.assert_allclose(model.time.values * A, accelerated.time.values, rtol=1e-12)
    np.testing.assert_allclose(model.T.values, accelerated.T.values, rtol=1e-12)
    # a nucleus is planted at the end of the sampling interval it formed in; the first frame from then on
    interval = physical.nucleation_interval_s
    planted = int(np.searchsorted(accelerated.time.values, math.ceil(formed[0] / interval) * interval - 1e-9))
    upto = slice(0, planted + 1)
    assert accelerated.phase_area.sel(phase="NVP").values[planted] > 0
    np.testing.assert_allclose(model.eta.values[upto], accelerated.eta.values[upto], rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.n.values[upto], accelerated.n.values[upto], rtol=0, atol=1e-8)


def test_the_scenario_multiplies_the_numerics_times_by_the_acceleration():
    p, q = CalcinationParameters(time_acceleration=1.0), CalcinationParameters(time_acceleration=37.0)
    for name in ("dt_initial_s", "dt_max_s", "nucleation_interval_s"):
        assert getattr(p, name) == getattr(ModelParameters(), name) and getattr(q, name) == pytest.approx(37.0 * getattr(p, name), rel=1e-15)
    for name in ModelParameters.__dataclass_fields__:
        if name not in ("dt_initial_s", "dt_max_s", "nucleation_interval_s"):
            assert getattr(p, name) == getattr(q, name), name  # the physics is not touched
    # duration: the ramp from 700 to 740 degC at 10 K/min (240 s) and the 4 h hold
    assert p.duration_s == pytest.approx(240.0 + 4 * 3600.0, rel=1e-12)


def test_an_acceleration_that_skips_the_nucleation_stage_is_refused(capsys):
    with pytest.raises(ParameterError, match=r"^time_acceleration = 1000 is not allowed: .*allowed: 1 to 240"):
        CalcinationParameters(time_acceleration=1000.0)
    with pytest.raises(ParameterError, match=r"^time_acceleration = 2 is not allowed without a heating ramp above T_c"):
        CalcinationParameters(time_acceleration=2.0, ramp_K_per_s=0.0)
    CalcinationParameters(time_acceleration=240.0)  # the bound itself: 10 samples over the 240 s from 700 to 740 degC at 10 K/min
    code = main(["run", "calcination", "--set", "time_acceleration=600", "--show-params"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "time_acceleration = 600 is not allowed" in err and "Traceback" not in err
    code = main(["run", "calcination", "--set", "dt_max_s=1", "--show-params"])
    err = capsys.readouterr().err
    assert code == 2 and "dt_max_s is derived by CalcinationParameters from time_acceleration" in err

"""The run loop's guards: a drift of the conserved amounts, a NaN or inf in a field, order
parameters out of bounds stop the run with one line and keep its frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import phasefield.numerics.stepping as stepping
from phasefield import Disc, FieldFault, Grain, Microstructure, SimulationError, open_run, run
from tests.conftest import isothermal

SMALL = dict(grid=24, domain_nm=(12.0, 12.0), interface_width_nm=2.0, duration_s=0.2, output_interval_s=0.05)
DISC = Microstructure(grains=(Grain("NaH2PO4"),), shapes=(Disc((6.0, 6.0), 4.0),))
POISONED_AFTER_FRAME = 2  # the fault is injected into the first step after frame 2 (t = 0.1 s)


def test_a_leak_of_units_stops_the_run_with_the_frames_kept(tmp_nc, monkeypatch):
    """A transport that loses 1e-6 of the units per step (a fault the real one cannot make:
    its fluxes cancel) is caught at the next frame; the frames before it stay readable."""
    exact = stepping.transported

    def leaking(n, mu, mobility_face, dt, geometry):
        return exact(n, mu, mobility_face, dt, geometry) * (1.0 - 1e-6)

    p = isothermal(**SMALL)
    run(p, DISC, tmp_nc)  # the real transport: no stop
    monkeypatch.setattr(stepping, "transported", leaking)
    with pytest.raises(SimulationError, match="conserved amounts drifted"):
        run(p, DISC, tmp_nc.with_name("leak.nc"))
    kept = open_run(tmp_nc.with_name("leak.nc"))
    assert kept.sizes["time"] == 1 and np.isfinite(kept.n.values).all()


def _poison_after_frame(monkeypatch, name, owner, fault):
    """Replace ``owner.name`` by a wrapper that passes its result through ``fault`` once frame
    ``POISONED_AFTER_FRAME`` is written; returns (the on_frame callback, the calls since)."""
    exact = getattr(owner, name)
    calls = [0]
    poisoned = [False]

    def wrapper(*args, **kwargs):
        result = exact(*args, **kwargs)
        if not poisoned[0]:
            return result
        calls[0] += 1
        return fault(result)

    def on_frame(index, _frame):
        poisoned[0] = poisoned[0] or index == POISONED_AFTER_FRAME

    monkeypatch.setattr(owner, name, wrapper)
    return on_frame, calls


def _with_nan(n):
    n = n.copy()
    n[1, 5] = np.nan
    return n


def test_a_nan_stops_the_run_at_the_step_that_made_it(tmp_nc, monkeypatch):
    """A transport that returns a NaN stops the run in that very step (no smaller retries: the
    transport is not called again), with one line naming the field and the time; the three
    frames before it stay readable."""
    on_frame, calls = _poison_after_frame(monkeypatch, "transported", stepping, _with_nan)
    with pytest.raises(FieldFault) as stop:
        run(isothermal(**SMALL), DISC, tmp_nc, on_frame=on_frame)
    message = str(stop.value)
    assert message.startswith("n (1 NaN and 0 inf of 1152 values) in the step from t = 0.1 s to ")
    assert message.endswith("; the frames up to t = 0.1 s are kept") and "\n" not in message
    assert calls[0] == 1
    kept = open_run(tmp_nc)
    assert list(kept.time.values) == [0.0, 0.05, 0.1]
    assert all(np.isfinite(kept[v].values).all() for v in ("eta", "n", "mu"))


def _overshoot(result):
    eta, n, change, error = result
    eta = eta.copy()
    eta[1, 0] = 1.2
    return eta, n, change, error


def _empty_cell(result):
    eta, n, change, error = result
    eta = eta.copy()
    eta[:, 0] = 0.0
    return eta, n, change, error


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (_overshoot, r"eta of grain 1 = 1.2 at \(0.25, 0.25\) nm \(allowed: -0.05 to 1.05\)"),
        (_empty_cell, r"the sum of the order parameters = 0 at \(0.25, 0.25\) nm \(allowed: 1 \+- 0.75\)"),
    ],
)
def test_order_parameters_out_of_bounds_stop_the_run(tmp_nc, monkeypatch, fault, expected):
    """An accepted step whose order parameters leave [-0.05, 1.05] or sum far from 1 stops the
    run after that step, with the frames before it kept."""
    on_frame, calls = _poison_after_frame(monkeypatch, "take_step", stepping.Simulation, fault)
    with pytest.raises(FieldFault, match=r"^the order parameters left their bounds after the step to t = 0\.1\d* s: " + expected + "; the frames up to t = 0.1 s are kept$"):
        run(isothermal(**SMALL), DISC, tmp_nc, on_frame=on_frame)
    assert calls[0] == 1
    kept = open_run(tmp_nc)
    assert kept.sizes["time"] == 3 and float(kept.eta.max()) <= 1.0 + 1e-6


def _nan_source(k):
    explicit = k.explicit.copy()
    explicit[0, 9] = np.nan
    return dataclasses.replace(k, explicit=explicit)


@pytest.mark.parametrize("backend", ["fast", "fipy"])
def test_a_nan_coefficient_never_reaches_the_solvers(tmp_nc, monkeypatch, backend):
    """CG (ours and scipy's under FiPy) never stops on a NaN and pyamg raises on one: a non-finite
    coefficient stops the run before the first solve that would see it."""
    on_frame, calls = _poison_after_frame(monkeypatch, "step_coefficients", stepping, _nan_source)
    with pytest.raises(FieldFault, match=r"^the coefficient explicit \(1 NaN and 0 inf of \d+ values\) in the step from t = 0.1 s to "):
        run(isothermal(backend=backend, **SMALL), DISC, tmp_nc, on_frame=on_frame)
    assert calls[0] == 1 and open_run(tmp_nc).sizes["time"] == 3


def test_the_run_limits_blas_threads_and_restores_them(tmp_nc):
    """Inside the run (seen from on_frame) every BLAS pool has the requested thread count;
    after it, the caller's count is back."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    seen = []
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        run(isothermal(**SMALL), DISC, tmp_nc, on_frame=lambda i, f: seen.append(blas_threads()))
        after = blas_threads()
    assert before and all(s == {1} for s in seen) and len(seen) >= 2
    assert after == before
    with pytest.raises(ValueError, match=r"threads = 0 is not allowed; allowed: an integer >= 1"):
        run(isothermal(**SMALL), DISC, None, threads=0)


def test_until_ends_the_run_at_the_first_frame_that_meets_it_and_resume_keeps_it_ended(tmp_nc):
    """A criterion on the frame (here the time, which the frames must reach exactly) ends the run at
    that frame in the file and in memory; resuming an ended run adds no frame; one that holds on the
    first frame leaves only that frame."""
    def at_or_after(t_s):
        return lambda frame: frame.time.item() >= t_s - 1e-12

    full = run(isothermal(**SMALL), DISC, None)
    reports = []
    ended = run(isothermal(**SMALL), DISC, tmp_nc, until=at_or_after(0.1), progress=lambda done, total: reports.append((done, total)))
    assert ended.time.values.tolist() == full.time.values[:3].tolist()
    assert reports[-1] == pytest.approx((0.1, 0.1))  # the progress bar completes where the run ends
    # the stepping up to the stop is that of the uninterrupted run (same frames, bit for bit)
    np.testing.assert_array_equal(ended.eta.values, full.eta.values[:3])
    resumed = run(isothermal(**SMALL), DISC, tmp_nc, resume=True, until=at_or_after(0.1))
    assert resumed.sizes["time"] == 3
    in_memory = run(isothermal(**SMALL), DISC, None, until=lambda frame: True)
    assert in_memory.sizes["time"] == 1

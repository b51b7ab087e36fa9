"""Shared helpers for the tests: isothermal parameter sets on small grids."""

from __future__ import annotations

import pytest

from phasefield import ModelParameters


def isothermal(temperature_C: float = 700.0, **changes) -> ModelParameters:
    """Parameters held at one temperature (no ramp), with test-sized defaults overridable."""
    base = dict(start_temperature_C=temperature_C, hold_temperature_C=temperature_C, ramp_K_per_s=0.0)
    base.update(changes)
    return ModelParameters(**base)


@pytest.fixture
def tmp_nc(tmp_path):
    return tmp_path / "run.nc"


def small_epitaxy(**changes):
    """The epitaxy scenario shrunk for tests: 48 x 29 cells, 710 degC from the start, 3 s.

    ``time_tolerance`` 0.5, the loosest allowed: these tests check behaviour (output,
    resume, nucleation), not time accuracy, which tests/phasefield/numerics/test_stepping.py checks.
    """
    from scenarios.epitaxy import EpitaxyParameters

    base = dict(
        grid=48,
        domain_nm=(40.0, 24.0),
        nh4vo3_radius_nm=8.0,
        nah2po4_radius_nm=6.0,
        start_temperature_C=710.0,
        hold_temperature_C=710.0,
        ramp_K_per_s=0.0,
        duration_s=3.0,
        output_interval_s=0.5,
        time_tolerance=0.5,
    )
    base.update(changes)
    return EpitaxyParameters(**base)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """A finished small epitaxy run file (4 frames, 0-0.75 s; an NVP nucleus forms at 0.46 s),
    written once for every test that reads a run (views, command line); ~10 s on 2 cores."""
    from scenarios.epitaxy import run

    path = tmp_path_factory.mktemp("small_run") / "small.nc"
    run(small_epitaxy(duration_s=0.75, output_interval_s=0.25), path)
    return path

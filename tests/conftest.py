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

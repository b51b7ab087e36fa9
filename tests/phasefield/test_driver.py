"""The run loop: a drift of the conserved amounts stops the run and keeps its frames."""

from __future__ import annotations

import numpy as np
import pytest

import phasefield.numerics.stepping as stepping
from phasefield import Disc, Grain, Microstructure, SimulationError, open_run, run
from tests.conftest import isothermal


def test_a_leak_of_units_stops_the_run_with_the_frames_kept(tmp_nc, monkeypatch):
    """A transport that loses 1e-6 of the units per step (a fault the real one cannot make:
    its fluxes cancel) is caught at the next frame; the frames before it stay readable."""
    exact = stepping.transported

    def leaking(n, mu, mobility_face, dt, geometry):
        return exact(n, mu, mobility_face, dt, geometry) * (1.0 - 1e-6)

    p = isothermal(grid=24, domain_nm=(12.0, 12.0), interface_width_nm=2.0, duration_s=0.2, output_interval_s=0.05)
    micro = Microstructure(grains=(Grain("NaH2PO4"),), shapes=(Disc((6.0, 6.0), 4.0),))
    run(p, micro, tmp_nc)  # the real transport: no stop
    monkeypatch.setattr(stepping, "transported", leaking)
    with pytest.raises(SimulationError, match="conserved amounts drifted"):
        run(p, micro, tmp_nc.with_name("leak.nc"))
    kept = open_run(tmp_nc.with_name("leak.nc"))
    assert kept.sizes["time"] == 1 and np.isfinite(kept.n.values).all()

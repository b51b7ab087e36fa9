"""Both backends implement one protocol and are built by name."""

from __future__ import annotations

import pytest

from phasefield import Disc, Grain, Microstructure, ModelParameters, Simulation
from phasefield.model.parameters import BACKEND_NAMES
from phasefield.numerics.backend import BACKENDS, Backend
from phasefield.numerics.fast_backend import FastEquations
from phasefield.numerics.fipy_backend import FipyEquations


def test_every_allowed_name_has_a_backend():
    assert set(BACKENDS) == set(BACKEND_NAMES)


@pytest.mark.parametrize("name, kind", [("fast", FastEquations), ("fipy", FipyEquations)])
def test_make_backend_builds_the_named_backend(name, kind):
    p = ModelParameters(domain_nm=(16.0, 16.0), grid=16, backend=name)
    sim = Simulation(p, Microstructure(grains=(Grain("NVP"),), shapes=(Disc((8.0, 8.0), 4.0),)))
    assert isinstance(sim.equations, kind) and isinstance(sim.equations, Backend)
    assert sim.whole_step_equations is not sim.equations


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        ModelParameters(backend="petsc")

"""Units read from parameter names: the units the docstrings state, as UDUNITS strings."""

from __future__ import annotations

import dataclasses

import cf_units
import pytest

from phasefield import ModelParameters
from phasefield.model.parameter_units import NAME_UNITS, parameter_units
from phasefield.model.values import ParameterError
from scenarios.registry import scenarios

# The units in brackets in the docstrings of ModelParameters and the scenario classes (copied
# from them by hand, in their notation), one parameter of every name ending at least.
DOCSTRING_UNITS = {
    "domain_nm": "nm",
    "hold_temperature_C": "degC",
    "ramp_K_per_s": "K/s",
    "duration_s": "s",
    "critical_temperature_K": "K",
    "reaction_entropy_J_m3K": "J/(m^3 K)",
    "chemical_stiffness_J_m3": "J/m^3",
    "interface_energy_J_m2.NH4VO3/NVP": "J/m^2",
    "interface_mobility_m4_Js.NH4VO3/NVP": "m^4/(J s)",
    "mobility_activation_J_mol": "J/mol",
    "diffusivity_m2_s.NVP": "m^2/s",
    "nucleation_prefactor_per_m_s": "1/(m s)",
    "crystallization_prefactor_per_m2_s": "1/(m^2 s)",
    "phase_facet_angles_deg.NVP": "degree",
    # no unit in the name: a count, a ratio, a tolerance, relative energies
    "grid": "1",
    "seed": "1",
    "time_tolerance": "1",
    "v_site_overlap": "1",
    "phase_facet_energies.NVP": "1",
}


@pytest.mark.parametrize("key, stated", sorted(DOCSTRING_UNITS.items()))
def test_units_from_the_name_are_those_the_docstring_states(key, stated):
    assert cf_units.Unit(parameter_units(ModelParameters, key)) == cf_units.Unit(stated)


def test_every_ending_is_a_valid_udunits_string_and_every_ending_is_used():
    fields = {f.name for sc in scenarios().values() for f in dataclasses.fields(sc.parameters)}
    for ending, unit in NAME_UNITS:
        cf_units.Unit(unit)  # raises on a string UDUNITS does not read
        assert any(name.endswith(ending) for name in fields), ending


def test_scenario_fields_and_unknown_keys():
    from scenarios.coalescence import CoalescenceParameters
    from scenarios.epitaxy import EpitaxyParameters

    assert parameter_units(EpitaxyParameters, "nh4vo3_radius_nm") == "nm" and parameter_units(EpitaxyParameters, "nvp_slots") == "1"
    assert parameter_units(CoalescenceParameters, "neck_width_nm") == "nm"
    with pytest.raises(ParameterError, match="no_such_key"):
        parameter_units(ModelParameters, "no_such_key")

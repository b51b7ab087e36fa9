"""Parameters: validation before any work, overrides, units, serialisation."""

from __future__ import annotations

import json
import math
import pickle

import pytest

from phasefield import ModelParameters, SolverUnits, apply_overrides
from phasefield.model.parameters import SOLVER_MEMORY_FACTOR, grid_memory_bytes
from phasefield.model.values import ParameterError


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(hold_temperature_C=-300.0), r"hold_temperature_C = -300.0 .*above absolute zero"),
        (dict(interface_mobility_m4_Js={"NH4VO3/NVP": 0.0}), r"interface_mobility_m4_Js\[NH4VO3/NVP\] = 0.0 .*> 0"),
        (dict(grid=16), r"interface_width_nm = 2.0 .*>= 2 grid cells"),
        (dict(interface_energy_J_m2={"NVP/Quartz": 0.3}), r"phase = 'Quartz' is unknown; allowed: surroundings"),
        (dict(interface_energy_J_m2={"NVP-NH4VO3": 0.3}), r"phase pair = 'NVP-NH4VO3' is malformed; allowed: 'A/B'"),
        (dict(diffusivity_m2_s={"NaH2PO4": -1.0}), r"diffusivity_m2_s\[NaH2PO4\] = -1.0"),
        (dict(duration_s=float("nan")), r"duration_s = nan .*finite"),
        (dict(backend="gpu"), r"backend = 'gpu' .*'fast' or 'fipy'"),
        (dict(time_scheme="rk4"), r"^time_scheme = 'rk4' is not allowed; allowed: 'doubling' or 'bdf2' or 'bdf2-linear'$"),
        (dict(output_interval_s=50.0), r"output_interval_s = 50.0 .*duration_s"),
        (dict(order_parameter_amg_after=-1), r"^order_parameter_amg_after = -1 is not allowed; allowed: an integer >= 0 \(0: never\)$"),
        (dict(order_parameter_amg_after=2.5), r"^order_parameter_amg_after = 2.5 is not allowed; allowed: an integer$"),
    ],
)
def test_bad_values_are_refused_with_name_value_and_allowed(changes, message):
    with pytest.raises(ValueError, match=message):
        ModelParameters(**changes)


def test_overrides_parse_scalars_lists_and_pairs():
    p = apply_overrides(
        ModelParameters(),
        ["hold_temperature_C=720", "domain_nm=48,32", "interface_energy_J_m2.NVP/NH4VO3=0.25", "seed=7", "backend=fipy"],
    )
    assert p.hold_temperature_C == 720.0 and p.domain_nm == (48.0, 32.0) and p.seed == 7 and p.backend == "fipy"
    assert p.interface_energy("NVP", "NH4VO3") == 0.25
    assert p.interface_energy("NVP", "surroundings") == ModelParameters().interface_energy("NVP", "surroundings")


@pytest.mark.parametrize(
    "override, message",
    [
        ("hold_temperature_C", r"override 'hold_temperature_C' is malformed; allowed: key=value"),
        ("colour=blue", r"parameter 'colour' is unknown to ModelParameters"),
        ("grid=12.5", r"override grid = '12.5' is not a valid int"),
        ("hold_temperature_C=hot", r"override hold_temperature_C = 'hot' is not a valid float"),
        ("seed.NVP/NH4VO3=1", r"seed is not a mapping"),
    ],
)
def test_malformed_overrides_are_refused(override, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(ModelParameters(), [override])


def test_pair_keys_are_canonical_in_either_order():
    a = ModelParameters(interface_energy_J_m2={"NVP/NH4VO3": 0.3})
    b = ModelParameters(interface_energy_J_m2={"NH4VO3/NVP": 0.3})
    assert a == b and a.interface_energy("NH4VO3", "NVP") == 0.3


def test_parameters_round_trip_through_json_and_toml(tmp_path):
    p = apply_overrides(ModelParameters(), ["seed=3", "interface_energy_J_m2.NH4VO3/NVP=0.21"])
    assert ModelParameters.from_dict(json.loads(p.to_json())) == p
    assert pickle.loads(pickle.dumps(p)) == p  # process pools and dask ship parameters by pickle
    toml = tmp_path / "p.toml"
    toml.write_text('hold_temperature_C = 725.0\ndomain_nm = [32.0, 32.0]\n[interface_energy_J_m2]\n"NH4VO3/NVP" = 0.3\n')
    q = ModelParameters.from_toml(toml)
    assert q.hold_temperature_C == 725.0 and q.domain_nm == (32.0, 32.0) and q.interface_energy("NH4VO3", "NVP") == 0.3


def test_heating_program_and_driving_force():
    p = ModelParameters(start_temperature_C=600.0, ramp_K_per_s=20.0, hold_temperature_C=710.0)
    assert p.temperature_K(0.0) == pytest.approx(873.15)
    assert p.temperature_K(2.5) == pytest.approx(923.15)
    assert p.temperature_K(100.0) == pytest.approx(983.15)
    assert p.nvp_driving_force_J_m3(p.critical_temperature_K - 10) == pytest.approx(10 * p.reaction_entropy_J_m3K)
    assert p.nvp_driving_force_J_m3(p.critical_temperature_K + 10) < 0


def test_arrhenius_doubles_where_the_activation_energy_says():
    p = ModelParameters()
    T_ref = p.reference_temperature_K
    # exp(-Q/R (1/T - 1/T_ref)) = 2  =>  1/T = 1/T_ref - R ln 2 / Q
    T2 = 1.0 / (1.0 / T_ref - 8.314462618 * math.log(2.0) / p.diffusion_activation_J_mol)
    assert p.diffusivity("NaH2PO4", T2) == pytest.approx(2.0 * p.diffusivity("NaH2PO4", T_ref), rel=1e-12)


def test_solver_units_make_the_reference_interface_dimensionless():
    p = ModelParameters()
    u = SolverUnits.from_parameters(p)
    assert u.length_m == pytest.approx(p.dx_nm * 1e-9)
    sigma_ref = max(p.interface_energy_J_m2.values())
    assert u.energy_J_m3 == pytest.approx(sigma_ref / (p.interface_width_nm * 1e-9))
    L_ref = 4 * p.default_interface_mobility_m4_Js / (3 * p.interface_width_nm * 1e-9)
    assert u.time_s * L_ref * u.energy_J_m3 == pytest.approx(1.0)


def test_toml_tables_merge_entry_by_entry_like_set(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text('[interface_energy_J_m2]\n"NVP/NH4VO3" = 0.25\n[diffusivity_m2_s]\nNVP = 1e-17\n')
    from_file = ModelParameters.from_toml(toml)
    from_set = apply_overrides(ModelParameters(), ["interface_energy_J_m2.NVP/NH4VO3=0.25", "diffusivity_m2_s.NVP=1e-17"])
    assert from_file == from_set
    assert from_file.interface_energy("NVP", "surroundings") == ModelParameters().interface_energy("NVP", "surroundings")
    assert from_file.diffusivity_m2_s["NaH2PO4"] == ModelParameters().diffusivity_m2_s["NaH2PO4"]


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(reference_temperature_K=1.0), r"reference_temperature_K = 1.0 .*>= 273.15 K"),
        (dict(diffusion_activation_J_mol=1e9), r"diffusion_activation_J_mol = 1000000000.0 .*in \[0, 1e\+06\]"),
        (dict(diffusivity_m2_s={"NVP": float("inf")}), r"diffusivity_m2_s\[NVP\] = inf .*finite"),
        (dict(hold_temperature_C="hot"), r"hold_temperature_C = 'hot' .*a finite number"),
        (dict(domain_nm=64.0), r"domain_nm = 64.0 .*a list of numbers"),
        (dict(interface_energy_J_m2=0.3), r"interface_energy_J_m2 = 0.3 .*a mapping"),
        (dict(grid=10**6), r"grid = 1000000 is not allowed: .*GiB available"),
        (dict(grid=True), r"grid = True .*an integer"),
    ],
)
def test_types_non_finite_values_physical_bounds_and_memory(changes, message):
    with pytest.raises(ParameterError, match=message):
        ModelParameters(**changes)


def test_memory_estimate_scales_with_cells_and_fields():
    p = ModelParameters(grid=64, domain_nm=(64.0, 32.0))
    assert grid_memory_bytes(p) == 64 * 32 * p.order_parameter_fields() * 8 * SOLVER_MEMORY_FACTOR[2]

"""Every bad input of the command line: exit status 2 and one line naming the parameter or file,
before any work (no output file), never a traceback; --debug shows the traceback."""

from __future__ import annotations

import pytest

from phasefield import apply_overrides
from scenarios.cli import main
from scenarios.epitaxy import EpitaxyParameters

TOML = {
    "hot": ('hold_temperature_C = "hot"\n', "hold_temperature_C"),
    "table_for_scalar": ("[grid]\nx = 1\n", "grid"),
    "scalar_for_list": ("domain_nm = 64\n", "domain_nm"),
    "scalar_for_mapping": ("interface_energy_J_m2 = 0.3\n", "interface_energy_J_m2"),
    "unknown_phase_in_table": ('[diffusivity_m2_s]\nQuartz = 1e-17\n', "diffusivity_m2_s"),
    "unknown_pair_in_table": ('[interface_energy_J_m2]\n"NVP/Quartz" = 0.3\n', "interface_energy_J_m2"),
    "inf_in_table": ("[diffusivity_m2_s]\nNVP = inf\n", "diffusivity_m2_s[NVP]"),
    "bad_toml": ("grid = = 3\n", "bad_toml.toml"),
}

SETS = [
    (["epitaxy", "--set", "diffusivity_m2_s.NVP=inf"], "diffusivity_m2_s[NVP] = inf"),
    (["epitaxy", "--set", "diffusivity_m2_s.NVP=nan"], "diffusivity_m2_s[NVP] = nan"),
    (["epitaxy", "--set", "hold_temperature_C=inf"], "hold_temperature_C"),
    (["epitaxy", "--grid", "100000"], "grid = 100000"),
    (["epitaxy", "--set", "reference_temperature_K=1"], "reference_temperature_K = 1.0"),
    (["epitaxy", "--set", "mobility_activation_J_mol=1e9"], "mobility_activation_J_mol"),
    (["epitaxy", "--set", "domain_nm=64,64,64,64"], "domain_nm"),
    (["epitaxy", "--set", "domain_nm=64,36,20"], "domain_nm = (64.0, 36.0, 20.0) is too small"),  # 3D: the spheres need 36 nm along z
    (["epitaxy", "--set", "domain_nm=64,36,36", "--set", "phase_facet_angles_deg.NVP=0,90,180,270"], "phase_facet_angles_deg.NVP"),  # 2D facets in 3D
    (["trimming", "--set", "domain_nm=64,64,64"], "domain_nm"),
    (["epitaxy", "--set", "phase_facet_energies.NVP=1,1"], "phase_facet_energies"),
    (["epitaxy", "--set", "phase_facet_energies.Quartz=1,1"], "phase_facet_energies['Quartz']"),
    (["wulff", "--set", "phase_facet_energies.NVP=1,1,1,1,1,1"], "phase_facet_energies"),
    (["wulff", "--set", "facet_energies=1,1"], "facet_energies"),
    (["wulff", "--set", "facet_normals=1,0,0,-1,0,0,0,1,0,0,-1,0"], "facet_normals"),  # 3D facets on the 2D default box
    (["threshold", "--set", "hold_temperature_C=720"], "hold_temperature_C"),
    (["threshold", "--set", "workers=0"], "workers = 0"),
    (["epitaxy", "--set", "misfit_young_modulus_GPa=-76.5"], "misfit_young_modulus_GPa = -76.5"),
    (["epitaxy", "--set", "misfit_thickness_nm=nan"], "misfit_thickness_nm = nan"),
    (["epitaxy", "--set", "misfit_tolerance_deg=45"], "misfit_tolerance_deg = 45.0"),
    (["epitaxy", "--set", "misfit_max_multiple=-1"], "misfit_max_multiple = -1"),
    (["epitaxy", "--set", "misfit_strain=0.08"], "misfit_strain"),  # derived from misfit_max_multiple
    (["epitaxy", "--set", "nh4vo3_cif=no_such_file.cif"], "nh4vo3_cif = 'no_such_file.cif'"),
]

USER_FILES = {
    "syntax.py": ("import scenarios\nSCENARIO = (\n", "line 2"),
    "failing_import.py": ("import no_such_module_for_nvp_growth\n", "no_such_module_for_nvp_growth"),
    "no_scenario.py": ("X = 1\n", "defines no SCENARIO"),
}


def assert_one_line_refusal(capsys, code: int, names: str) -> None:
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nvp-growth: error: "), err
    assert names in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("case", sorted(TOML))
def test_bad_toml_is_refused_on_one_line(tmp_path, capsys, case):
    text, names = TOML[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    out = tmp_path / "out.nc"
    assert_one_line_refusal(capsys, main(["run", "epitaxy", "--params", str(path), "--out", str(out)]), names)
    assert not out.exists()


def test_threshold_string_for_list_is_refused_like_set(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('temperatures_C = "705"\n')  # once iterated into 7, 0, 5 degC
    assert_one_line_refusal(capsys, main(["run", "threshold", "--params", str(path), "--show-params"]), "temperatures_C = '705'")


@pytest.mark.parametrize("args, names", SETS, ids=[" ".join(a) for a, _ in SETS])
def test_bad_set_is_refused_on_one_line(tmp_path, capsys, args, names):
    out = tmp_path / "out.nc"
    assert_one_line_refusal(capsys, main(["run", *args, "--out", str(out)]), names)
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(USER_FILES))
def test_bad_user_scenario_file_is_refused_on_one_line(tmp_path, capsys, name):
    text, detail = USER_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    code = main(["run", str(path), "--out", str(tmp_path / "out.nc")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(path) in err and detail in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["garbage", "empty", "directory", "missing"])
def test_bad_cif_is_refused_on_one_line(tmp_path, capsys, kind):
    path = tmp_path / "x.cif"
    if kind == "garbage":
        path.write_text("this is not a CIF\n")
    elif kind == "empty":
        path.write_text("")
    elif kind == "directory":
        path.mkdir()
    assert_one_line_refusal(capsys, main(["crystal-report", "--cif", f"NH4VO3={path}"]), str(path))


def test_bad_params_path_is_refused_on_one_line(tmp_path, capsys):
    assert_one_line_refusal(capsys, main(["run", "epitaxy", "--params", str(tmp_path), "--show-params"]), str(tmp_path))
    missing = tmp_path / "missing.toml"
    assert_one_line_refusal(capsys, main(["run", "epitaxy", "--params", str(missing), "--show-params"]), str(missing))


def test_debug_shows_the_traceback(capsys):
    with pytest.raises(ValueError, match="reference_temperature_K"):
        main(["--debug", "run", "epitaxy", "--set", "reference_temperature_K=1", "--show-params"])


def test_a_facet_mapping_entry_takes_effect_on_epitaxy(capsys):
    n = len(EpitaxyParameters().phase_facet_angles_deg["NVP"])
    energies = ",".join(["1.5"] * n)
    p = apply_overrides(EpitaxyParameters(), [f"phase_facet_energies.NVP={energies}"])
    assert p.phase_facet_energies["NVP"] == (1.5,) * n
    assert p.phase_facet_energies["NH4VO3"] == EpitaxyParameters().phase_facet_energies["NH4VO3"]
    assert main(["run", "epitaxy", "--set", f"phase_facet_energies.NVP={energies}", "--show-params"]) == 0
    assert f"'NVP': ({', '.join(['1.5'] * n)})" in capsys.readouterr().out


def test_version_and_run_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("nvp-growth ")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--show-params" in out and all(name in out for name in ("epitaxy", "below-tc", "threshold", "trimming", "wulff"))


def test_scenarios_refuse_a_box_of_other_dimensions_at_construction_and_pickle_derived_fields():
    import pickle

    from scenarios.threshold import ThresholdParameters
    from scenarios.trimming import TrimmingParameters
    from scenarios.wulff import WulffParameters

    with pytest.raises(ValueError, match=r"domain_nm = \(64.0, 64.0, 64.0\) .*allowed: 2 lengths"):
        TrimmingParameters(domain_nm=(64.0, 64.0, 64.0))
    with pytest.raises(ValueError, match=r"domain_nm = \(64.0, 64.0, 64.0, 64.0\) .*allowed: 2 or 3 lengths"):
        EpitaxyParameters(domain_nm=(64.0, 64.0, 64.0, 64.0))
    for p in (WulffParameters(facet_angles_deg=(0, 90, 180, 270), facet_energies=(1, 1.3, 1, 1.3)), ThresholdParameters(temperatures_C=(690.0,))):
        assert pickle.loads(pickle.dumps(p)) == p and type(p).from_dict(p.to_dict()) == p


@pytest.mark.parametrize("args", [["run", "epitaxy", "--grid", "abc"], ["run"], ["no-such-command"], ["run", "epitaxy", "--resume", "--overwrite"]])
def test_usage_errors_are_one_line_too(capsys, args):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("nvp-growth: error: ")

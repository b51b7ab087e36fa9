"""A user scenario file (README, Command line: a Python file defining SCENARIO = scenarios.Scenario(...),
run as `nvp-growth run my_scenario.py`): its own parameter class and fields, --set on them,
--show-params and the run file. Bad files are refused in tests/scenarios/test_cli_bad_input.py."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.integrate import quad

from phasefield import open_run
from scenarios.cli import main

USER_FILE = '''
"""One NaH2PO4 disc of radius disc_radius_nm relaxing at 650 degC, in the middle of a 16 nm box."""
from dataclasses import dataclass

import phasefield
import scenarios


@dataclass(frozen=True)
class OneDiscParameters(phasefield.ModelParameters):
    disc_radius_nm: float = 4.0
    start_temperature_C: float = 650.0
    hold_temperature_C: float = 650.0


def run(p, out=None, **options):
    micro = phasefield.Microstructure(grains=(phasefield.Grain("NaH2PO4"),), shapes=(phasefield.Disc((8.0, 8.0), p.disc_radius_nm),))
    return phasefield.run(p, micro, out, **options)


SCENARIO = scenarios.Scenario(name="one-disc", summary="a NaH2PO4 disc relaxing", parameters=OneDiscParameters, run=run)
'''


def _painted_disc_area(radius_nm: float, width_nm: float) -> float:
    """The grain area (sum of h) of a disc painted with the tanh profile, by quadrature [nm^2]."""

    def h(d):
        eta = 0.5 * (1.0 - math.tanh(2.0 * d / width_nm))
        return eta**2 / (eta**2 + (1.0 - eta) ** 2)

    return quad(lambda rho: 2.0 * math.pi * rho * h(rho - radius_nm), 0.0, radius_nm + 20.0 * width_nm, limit=200)[0]

# a small, short run (the file keeps ModelParameters' defaults for the rest)
SMALL = ["--grid", "32", "--set", "domain_nm=16,16", "--set", "ramp_K_per_s=0", "--set", "duration_s=0.2", "--set", "output_interval_s=0.1"]


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "one_disc.py"
    path.write_text(USER_FILE)
    return path


def test_a_user_scenario_file_runs_with_its_own_parameters(user_file, tmp_path, capsys):
    """--set reaches the file's own field: the grain painted with r = 5 nm (the file's default is 4)
    has at t = 0 the area of its profile, int 2 pi rho h(rho - r) d rho with eta = (1 - tanh(2 d / l)) / 2
    and h = eta^2 / (eta^2 + (1 - eta)^2) (README, Output and The model), integrated by scipy's quad:
    79.186 nm^2 (pi r^2 = 78.54; r = 4 would give ~51). Tolerance 1e-4: cells of l/4 on a smooth
    radial profile (measured 8e-6). The P-bearing units are conserved to 1e-12 (README, Output:
    amount) and no V appears."""
    out = tmp_path / "disc.nc"
    assert main(["run", str(user_file), *SMALL, "--set", "disc_radius_nm=5", "--show-params"]) == 0
    assert "disc_radius_nm" in capsys.readouterr().out
    assert main(["run", str(user_file), *SMALL, "--set", "disc_radius_nm=5", "--out", str(out), "-q"]) == 0
    ds = open_run(out, chunks=None)
    assert json.loads(ds.attrs["parameters"])["disc_radius_nm"] == 5.0
    assert list(ds.grain_phase.values) == ["surroundings", "NaH2PO4"]
    assert float(ds.grain_area.isel(time=0, grain=1)) == pytest.approx(_painted_disc_area(5.0, 2.0), rel=1e-4)
    phosphorus = ds.amount.sel(species="P-bearing unit").values
    assert np.abs(phosphorus / phosphorus[0] - 1).max() < 1e-12
    assert not ds.amount.sel(species="V-bearing unit").values.any()
    assert float(ds.time[-1]) == pytest.approx(0.2)


def test_the_parameters_of_a_user_scenario_run_come_back_once_its_file_is_loaded(user_file, tmp_path):
    """ds.nvp.parameters of a run from a user file: in a fresh process (the class is not importable
    by name) it is refused naming the file, never running the file's code by itself; after
    scenarios.load_file(file) it is the run's parameter object, with the file's own field."""
    out = tmp_path / "disc.nc"
    assert main(["run", str(user_file), *SMALL, "--set", "disc_radius_nm=5", "--out", str(out), "-q"]) == 0
    script = (
        "import sys, phasefield, scenarios\n"
        f"ds = phasefield.open_run({str(out)!r})\n"
        "try:\n    ds.nvp.parameters\nexcept ValueError as err:\n    print('refused:', err)\n"
        f"scenarios.load_file({str(user_file)!r})\n"
        "p = ds.nvp.parameters\n"
        "print('back:', type(p).__name__, p.disc_radius_nm)\n"
    )
    elsewhere = tmp_path / "elsewhere"  # not the file's folder: python -c puts its cwd on sys.path
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    refused, back = done.stdout.splitlines()
    assert refused.startswith("refused: parameters_class = 'one_disc.OneDiscParameters'") and str(user_file) in refused
    assert back == "back: OneDiscParameters 5.0"

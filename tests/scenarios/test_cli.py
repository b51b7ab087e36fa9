"""The nvp-growth command line: list, run (with overrides, TOML, resume), errors, the sweep,
the progress line, a run stopped by a guard."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import xarray as xr

import phasefield.numerics.stepping as stepping
from phasefield import open_run
from scenarios.cli import main, remaining_wall_s

SMALL = """
grid = 48
domain_nm = [40.0, 24.0]
nh4vo3_radius_nm = 8.0
nah2po4_radius_nm = 6.0
start_temperature_C = 715.0
ramp_K_per_s = 0.0
duration_s = 1.5
output_interval_s = 0.5
time_tolerance = 0.5  # the loosest allowed: these tests check the command line, not time accuracy
"""


@pytest.fixture
def small_toml(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_list_names_every_scenario(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("epitaxy", "below-tc", "threshold"):
        assert name in out


def test_bad_override_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "x.nc"
    assert main(["run", "epitaxy", "--out", str(out), "--set", "hold_temperature_C=-300"]) == 2
    err = capsys.readouterr().err
    assert "hold_temperature_C = -300.0" in err and "allowed" in err
    assert not out.exists()
    assert main(["run", "no-such-scenario"]) == 2
    from scenarios.registry import scenarios

    err = capsys.readouterr().err
    assert "unknown; allowed: " + ", ".join(sorted(scenarios())) + ", or a .py file" in err


def test_run_with_toml_and_overrides_then_resume(tmp_path, small_toml, capsys):
    out = tmp_path / "e.nc"
    assert main(["run", "epitaxy", "--params", str(small_toml), "--out", str(out), "--seed", "4", "--set", "hold_temperature_C=715", "-q"]) == 0
    ds = xr.load_dataset(out, decode_timedelta=False)
    assert ds.sizes["time"] == 4 and ds.attrs["seed"] == 4 and float(ds.T[-1]) == pytest.approx(988.15)
    ds.close()
    assert main(["run", "epitaxy", "--params", str(small_toml), "--out", str(out)]) == 2  # exists, no --resume
    assert "--resume" in capsys.readouterr().err
    assert main(["run", "epitaxy", "--params", str(small_toml), "--out", str(out), "--seed", "4", "--set", "hold_temperature_C=715", "--resume", "-q"]) == 0


def test_crystal_report_prints_the_papers_numbers_and_asks_for_a_cif(capsys):
    assert main(["crystal-report"]) == 0
    out = capsys.readouterr().out
    assert "d(2 0 2) NVP" in out and "3.5749" in out
    assert "needs an NH4VO3 CIF" in out
    assert main(["crystal-report", "--cif", "NH4VO3"]) == 2
    assert "PHASE=PATH" in capsys.readouterr().err


def test_progress_shows_simulated_time_the_eta_and_each_nucleus(tmp_path, small_toml, capsys):
    """A high nucleation rate plants NVP in the first interval; each nucleus gets a line with its
    formation time, the same times the run file records."""
    out = tmp_path / "p.nc"
    rate = "nucleation_prefactor_per_m_s=1e16"  # 18x the default: a nucleus in the first 0.1 s
    assert main(["run", "epitaxy", "--params", str(small_toml), "--out", str(out), "--set", "duration_s=0.5", "--set", "output_interval_s=0.25", "--set", rate]) == 0
    err = capsys.readouterr().err
    assert "t = 0.25/0.5 s" in err and "t = 0.5/0.5 s" in err and "ETA 00:00" in err
    lines = re.split(r"[\r\n]", err)  # tqdm clears its bar with a carriage return before a line
    formed = [float(m[1]) for line in lines if (m := re.match(r"t = (\S+) s: NVP nucleus formed \(grain \d, r = ", line))]
    recorded = json.loads(open_run(out).attrs["nucleus_formation_times_s"])
    assert formed and formed == pytest.approx(recorded, abs=1e-3) and formed[0] <= 0.1


def test_remaining_wall_time_is_the_last_frames_rate():
    assert remaining_wall_s([(10.0, 1.0)], 5.0) is None  # one frame: no rate yet
    assert remaining_wall_s([(10.0, 1.0), (14.0, 2.0), (30.0, 3.0)], 5.0) == pytest.approx(2.0 * 20.0 / 2.0)
    assert remaining_wall_s([(10.0, 1.0), (14.0, 5.0)], 5.0) == 0.0


def test_a_nan_stops_the_run_with_one_line_and_the_frames_kept(tmp_path, small_toml, capsys, monkeypatch):
    """A guard's stop is one line (no traceback), exit status 1, and the first frame is kept."""
    exact = stepping.transported

    def with_nan(*args):
        n = exact(*args)
        n[0, 3] = np.nan
        return n

    monkeypatch.setattr(stepping, "transported", with_nan)
    out = tmp_path / "nan.nc"
    assert main(["run", "epitaxy", "--params", str(small_toml), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    stop = [line for line in err.splitlines() if line.startswith("nvp-growth")]
    assert stop == [stop[0]] and "Traceback" not in err
    assert re.fullmatch(r"nvp-growth: the run stopped: n \(1 NaN and 0 inf of \d+ values\) in the step from t = 0 s to \S+ s; the frames up to t = 0 s are kept", stop[0])
    assert open_run(out).sizes["time"] == 1

"""Sweeps on a dask.distributed LocalCluster (2 processes): one run file per member, the combined
Dataset, finished members kept and changed ones rerun, a killed member resumed, cluster runs equal
to serial ones, and bad input refused on one line before any cluster starts or file is written."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import netCDF4
import numpy as np
import psutil
import pytest

import scenarios.sweep as sweep_module
from phasefield import ParameterError, open_run
from phasefield.io.output import locked, missing_cf_attributes, run_attrs
from scenarios.cli import main
from scenarios.epitaxy import SCENARIO as EPITAXY
from scenarios.sweep import SchedulerUnreachable, plan, sweep, value_text
from tests.conftest import small_epitaxy
from tests.scenarios.test_cli_bad_input import assert_one_line_refusal

# one worker runs this module (pyproject: --dist loadgroup), so its module-scoped run is computed once
pytestmark = pytest.mark.xdist_group("test_sweep")

SHORT = {"duration_s": 0.2, "output_interval_s": 0.1}
"""3 frames; one member takes 2-4 s alone on the small grid."""

OVER = {"hold_temperature_C": ["712", "690"], "interface_energy_J_m2.NH4VO3/NVP": ["0.2", "0.3"]}
"""A 2 x 2 grid, values not sorted, one key a pair entry: above and below T_c = 700 degC (NVP nucleates
at 712 degC within 0.2 s with the cheaper NH4VO3/NVP boundary), and two boundary energies."""

NUCLEATING_FILE = "hold_temperature_C=712,interface_energy_J_m2.NH4VO3-NVP=0.2.nc"


def _spawned_processes() -> list[psutil.Process]:
    """Children of this process other than multiprocessing's resource tracker (which lives as
    long as its parent and ends with it)."""
    alive = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                alive.append(p)
        except psutil.NoSuchProcess:  # ended meanwhile (a zombie too)
            pass
    return alive


@pytest.fixture(autouse=True)
def no_process_left_behind():
    """Every cluster a test starts is closed when it ends: no worker or nanny process outlives it."""
    before = {p.pid for p in _spawned_processes()}
    yield
    assert [p for p in _spawned_processes() if p.pid not in before] == []


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("sweep") / "grid"
    lines: list[str] = []
    start = time.perf_counter()
    ds = sweep("epitaxy", OVER, small_epitaxy(**SHORT), prefix, workers=2, on_member=lines.append)
    print(f"2 x 2 sweep on 2 workers: {time.perf_counter() - start:.1f} s")
    yield SimpleNamespace(ds=ds, prefix=prefix, lines=lines)
    ds.close()


def test_one_file_per_member_and_the_combined_dataset_holds_each_members_run(swept):
    names = sorted(p.name for p in swept.prefix.glob("*.nc"))
    assert names == sorted(f"hold_temperature_C={t},interface_energy_J_m2.NH4VO3-NVP={e}.nc" for t in ("712", "690") for e in ("0.2", "0.3"))
    ds = swept.ds
    assert ds.eta.dims == ("hold_temperature_C", "interface_energy_J_m2.NH4VO3-NVP", "time", "grain", "y", "x")
    assert list(ds.hold_temperature_C.values) == [712.0, 690.0]  # the order given, not sorted
    assert list(ds["interface_energy_J_m2.NH4VO3-NVP"].values) == [0.2, 0.3]
    assert ds.hold_temperature_C.attrs["units"] == "degC" and ds["interface_energy_J_m2.NH4VO3-NVP"].attrs["units"] == "J m-2"
    assert missing_cf_attributes(ds) == []
    for path in swept.prefix.glob("*.nc"):
        run = open_run(path)
        stored = json.loads(run.attrs["parameters"])  # what the member really ran with, from its own file
        at = {"hold_temperature_C": stored["hold_temperature_C"], "interface_energy_J_m2.NH4VO3-NVP": stored["interface_energy_J_m2"]["NH4VO3/NVP"]}
        member = ds.sel(at)
        for name, var in run.data_vars.items():  # the combined file is a copy: equal bit for bit
            np.testing.assert_array_equal(member[name].values, var.values, err_msg=f"{name} at {at}")
        assert int(member.n_nuclei) == run.attrs["n_nuclei"] and float(member.wall_time_s) == run.attrs["wall_time_s"]
        assert str(member.run_file.values) == f"grid/{path.name}"
    # the members differ: the grid is not one run copied four times
    assert not np.array_equal(ds.eta.sel(hold_temperature_C=712.0).values, ds.eta.sel(hold_temperature_C=690.0).values)
    assert not np.array_equal(ds.eta.isel({"interface_energy_J_m2.NH4VO3-NVP": 0}).values, ds.eta.isel({"interface_energy_J_m2.NH4VO3-NVP": 1}).values)


def test_each_member_reports_its_start_nuclei_and_end(swept):
    for path in swept.prefix.glob("*.nc"):
        label = path.stem
        mine = [line[len(label) + 2 :] for line in swept.lines if line.startswith(label + ": ")]
        assert mine[0] == "started" and mine[-1].startswith("done (")
        formed = [float(m[1]) for line in mine if (m := re.match(r"t = (\S+) s: NVP nucleus formed", line))]
        assert formed == pytest.approx(json.loads(run_attrs(path)["nucleus_formation_times_s"]), abs=1e-4)  # printed to 4 digits
    assert any("nucleus formed" in line for line in swept.lines)  # the 712 degC, 0.2 J/m^2 member nucleates


def test_no_process_is_left_after_the_first_sweep(swept):
    assert _spawned_processes() == []  # the module's sweep ran before this test's own check began


def _cli_args(prefix) -> list[str]:
    base = small_epitaxy(**SHORT).to_dict()
    sets = ["grid", "nh4vo3_radius_nm", "nah2po4_radius_nm", "start_temperature_C", "ramp_K_per_s", "duration_s", "output_interval_s", "time_tolerance"]
    args = ["sweep", "epitaxy", "--out", str(prefix), "--set", "domain_nm=40,24"]
    for key in sets:
        args += ["--set", f"{key}={base[key]}"]
    return args + ["--over", "hold_temperature_C=712,690", "--over", "interface_energy_J_m2.NH4VO3/NVP=0.2,0.3"]


def test_a_second_sweep_keeps_finished_members_and_reruns_one_whose_parameters_changed(swept, tmp_path, capsys):
    prefix = tmp_path / "grid"
    shutil.copytree(swept.prefix, prefix)  # copy2 keeps the modification times
    files = sorted(prefix.glob("*.nc"))
    before = {p.name: (p.stat().st_mtime_ns, run_attrs(p)["wall_time_s"]) for p in files}

    assert main(_cli_args(prefix)) == 0
    err = capsys.readouterr().err
    assert err.count("kept (finished with the same parameters and package version)") == 4 and "started" not in err
    assert {p.name: (p.stat().st_mtime_ns, run_attrs(p)["wall_time_s"]) for p in files} == before

    changed = prefix / NUCLEATING_FILE
    with netCDF4.Dataset(changed, "a") as nc:  # as if written by an earlier sweep with another seed
        stored = json.loads(nc.getncattr("parameters"))
        nc.setncattr("parameters", json.dumps({**stored, "seed": stored["seed"] + 1}, sort_keys=True))
    assert main(_cli_args(prefix)) == 0
    err = capsys.readouterr().err
    assert err.count("kept (finished") == 3 and f"{changed.stem}: started" in err
    after = {p.name: (p.stat().st_mtime_ns, run_attrs(p)["wall_time_s"]) for p in files}
    assert {k: v for k, v in after.items() if k != changed.name} == {k: v for k, v in before.items() if k != changed.name}
    assert after[changed.name][0] > before[changed.name][0]
    rerun, first = open_run(changed), open_run(swept.prefix / NUCLEATING_FILE)
    assert json.loads(rerun.attrs["parameters"]) == json.loads(first.attrs["parameters"])
    for name, var in first.data_vars.items():  # the same member run twice on the cluster: the same numbers
        np.testing.assert_array_equal(rerun[name].values, var.values, err_msg=name)


def test_a_failing_member_is_reported_and_the_combined_file_is_not_written(swept, tmp_path, capsys):
    prefix = tmp_path / "grid"
    shutil.copytree(swept.prefix, prefix)
    busy = prefix / NUCLEATING_FILE
    busy.unlink()
    with locked(busy):  # as if another run were writing it: the member's run is refused
        assert main(_cli_args(prefix)) == 1
    err = capsys.readouterr().err
    assert err.count("kept (finished") == 3 and f"{busy.stem}: failed: RunLocked: {busy} is being written by another run" in err
    assert f"nvp-growth: 1 of 4 members failed ({busy.stem})" in err
    assert not (tmp_path / "grid.nc").exists() and not busy.exists()


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from scenarios.sweep import plan
    from tests.conftest import small_epitaxy

    from scenarios.epitaxy import run

    (member,) = plan("epitaxy", {over!r}, small_epitaxy(**{short!r}), {prefix!r}).members
    member.path.parent.mkdir()

    def on_frame(index, frame):
        if index == 1:
            os.kill(os.getpid(), signal.SIGKILL)

    run(member.params, member.path, on_frame=on_frame)
    """
)


def test_a_killed_member_resumes_and_ends_equal_to_the_uninterrupted_one(swept, tmp_path):
    prefix = tmp_path / "grid"
    one = {key: [values[0]] for key, values in OVER.items()}  # the nucleating member alone
    script = _KILLER.format(root=os.getcwd(), over=one, short=SHORT, prefix=str(prefix))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    killed = prefix / NUCLEATING_FILE
    assert open_run(killed).sizes["time"] == 2  # frames 0 and 0.1 s, the second still in the tail

    lines: list[str] = []
    ds = sweep("epitaxy", one, small_epitaxy(**SHORT), prefix, workers=2, on_member=lines.append)
    assert f"{killed.stem}: resumed at t = 0.1 s" in lines and "started" not in " ".join(lines)
    resumed, straight = open_run(killed), open_run(swept.prefix / NUCLEATING_FILE)
    assert resumed.attrs["n_steps"] == straight.attrs["n_steps"] and resumed.attrs["n_nuclei"] == straight.attrs["n_nuclei"]
    # exact: the state comes back from float64 frames unchanged, with the time step, error and random
    # generator of the last frame, and both runs reset their solvers at every frame
    for name, var in straight.data_vars.items():
        np.testing.assert_array_equal(resumed[name].values, var.values, err_msg=name)
    assert ds.sizes["hold_temperature_C"] == 1 and ds.sizes["interface_energy_J_m2.NH4VO3-NVP"] == 1
    ds.close()


def test_a_cluster_member_equals_the_same_member_run_serially_in_this_process(swept, tmp_path):
    """Bit for bit: the same code and parameters, one BLAS thread in the worker and here (the
    test runs with OMP/OPENBLAS_NUM_THREADS=1), so the same floating-point operations in the
    same order; the random generator is seeded from the parameters."""
    (member,) = plan("epitaxy", {"hold_temperature_C": [712.0], "interface_energy_J_m2.NH4VO3/NVP": [0.2]}, small_epitaxy(**SHORT), tmp_path / "x").members
    serial = EPITAXY.run(member.params, tmp_path / "serial.nc")
    on_cluster = open_run(swept.prefix / NUCLEATING_FILE)
    assert serial.attrs["n_steps"] == on_cluster.attrs["n_steps"] and serial.attrs["n_nuclei"] == on_cluster.attrs["n_nuclei"] > 0
    for name, var in on_cluster.data_vars.items():
        np.testing.assert_array_equal(serial[name].values, var.values, err_msg=name)


# ---- the grid, before anything runs ----------------------------------------------------------------
def test_list_values_split_on_semicolons_and_names_are_the_values_as_set_reads_them(tmp_path):
    grid = plan("epitaxy", {"domain_nm": "40,24;48,30", "seed": [3, 1]}, small_epitaxy(), tmp_path / "p")
    assert [m.label for m in grid.members] == ["domain_nm=40,24,seed=3", "domain_nm=40,24,seed=1", "domain_nm=48,30,seed=3", "domain_nm=48,30,seed=1"]
    assert grid.members[2].params.domain_nm == (48.0, 30.0) and grid.members[2].params.seed == 3
    assert grid.values == (((40.0, 24.0), (48.0, 30.0)), (3, 1))
    assert grid.members[0].path == tmp_path / "p" / "domain_nm=40,24,seed=3.nc"
    assert not (tmp_path / "p").exists() and not (tmp_path / "p.nc").exists()  # planning writes nothing


@pytest.mark.parametrize("value, text", [(705.0, "705"), (0.1, "0.1"), (1e-17, "1e-17"), (0.1000001, "0.1000001"), (1 / 3, "0.3333333333333333"), (3, "3"), ((40.0, 24.5), "40,24.5")])
def test_value_text_is_short_and_reads_back_to_the_same_value(value, text):
    assert value_text(value) == text
    back = tuple(float(t) for t in text.split(",")) if isinstance(value, tuple) else type(value)(text)
    assert back == value


def test_members_refused_by_validation_name_the_member(tmp_path):
    with pytest.raises(ParameterError, match=r"member hold_temperature_C=-300,seed=1: hold_temperature_C = -300.0 is not allowed"):
        plan("epitaxy", {"hold_temperature_C": "700,-300", "seed": "1,2"}, small_epitaxy(), tmp_path / "p")


# ---- bad input ---------------------------------------------------------------------------------------
BAD = [
    (["epitaxy", "--over", "no_such_key=1,2"], "no_such_key"),
    (["epitaxy", "--over", "hold_temperature_C=700,hot"], "hold_temperature_C = 'hot'"),
    (["epitaxy", "--over", "hold_temperature_C=700,-300"], "hold_temperature_C = -300.0"),
    (["epitaxy", "--over", "interface_energy_J_m2.NVP/Quartz=0.2,0.3"], "Quartz"),
    (["epitaxy", "--over", "seed.NVP=1,2"], "seed is not a mapping"),
    (["epitaxy", "--over", "seed=1,1.0"], "seed = '1.0' is not a valid int"),
    (["epitaxy", "--over", "hold_temperature_C=705,705.0"], "hold_temperature_C lists 705 twice"),
    (["epitaxy", "--over", "seed=1", "--over", "seed=2"], "--over seed is given twice"),
    (["epitaxy", "--over", "seed="], "--over seed has no values"),
    (["epitaxy", "--over", "seed"], "--over 'seed' is malformed"),
    (["no-such-scenario", "--over", "seed=1,2"], "no-such-scenario"),
    (["threshold", "--over", "workers=1,2"], "'threshold' is itself a sweep"),
    (["epitaxy", "--over", "seed=1,2", "--workers", "0"], "workers = 0"),
    (["epitaxy", "--over", "seed=1,2", "--set", "grid=abc"], "grid = 'abc'"),
]


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if a sweep starts a cluster or connects to one."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a cluster was started for bad input")

    monkeypatch.setattr(sweep_module, "_client", refuse)


@pytest.mark.parametrize("args, names", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_sweep_input_is_refused_on_one_line_before_any_cluster_or_file(tmp_path, capsys, no_cluster, args, names):
    out = tmp_path / "s"
    assert_one_line_refusal(capsys, main(["sweep", *args, "--out", str(out)]), names)
    assert list(tmp_path.iterdir()) == []


def test_an_output_prefix_in_a_missing_directory_is_refused(tmp_path, capsys, no_cluster):
    out = tmp_path / "missing" / "s"
    assert_one_line_refusal(capsys, main(["sweep", "epitaxy", "--over", "seed=1,2", "--out", str(out)]), str(tmp_path / "missing"))
    assert list(tmp_path.iterdir()) == []


def test_a_scheduler_that_does_not_answer_is_refused_within_the_connect_timeout(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT_S", 2.0)  # shorter than the 5 s of users: the same path, sooner
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        start = time.perf_counter()
        code = main(["sweep", "epitaxy", "--over", "seed=1,2", "--scheduler", address, "--out", str(tmp_path / "s")])
        waited = time.perf_counter() - start
    assert_one_line_refusal(capsys, code, f"--scheduler {address} does not answer within")
    # the connect timeout, plus planning and the client's start-up (1-2 s measured on this machine)
    assert waited < sweep_module.CONNECT_TIMEOUT_S + 5.0
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SchedulerUnreachable, match="udp://host:1"):  # an unknown protocol: refused without waiting
        sweep_module.connect("udp://host:1")


def test_scheduler_and_workers_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "epitaxy", "--over", "seed=1,2", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "3"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "--workers" in err

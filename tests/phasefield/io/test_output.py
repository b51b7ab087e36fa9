"""The run record: CF metadata, incremental frames, survival of a kill, exact resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr

from phasefield import open_run
from phasefield.io.output import RESUME_VARIABLES, last_frame, missing_cf_attributes, resume_state
from scenarios.epitaxy import run
from tests.conftest import small_epitaxy
from tests.scenarios.test_cli import SMALL as SMALL_TOML  # the command line's small epitaxy run

REQUIRED = ["T", "c", "eta", "grain_phase", "phase_map", "phase_fraction", "centroid_x", "centroid_y", "mean_V_valence", "n", "mu", "amount", "amount_in_surroundings", "free_energy"]


def test_file_reopens_with_xarray_and_every_variable_has_units(tmp_nc):
    p = small_epitaxy(duration_s=1.0)
    run(p, tmp_nc)
    ds = xr.load_dataset(tmp_nc, decode_timedelta=False)
    for name in REQUIRED:
        assert name in ds.variables, name
    assert missing_cf_attributes(ds) == []
    assert ds.attrs["Conventions"] == "CF-1.11"
    assert ds.sizes["time"] == 3
    assert ds.time.attrs["units"] == "s" and ds.x.attrs["units"] == "nm"
    assert ds.eta.dims == ("time", "grain", "y", "x")
    assert set(ds.phase.values) >= {"NH4VO3", "NaH2PO4", "NVP"}
    assert list(ds.grain_phase.values[:3]) == ["surroundings", "NH4VO3", "NaH2PO4"]
    params = json.loads(ds.attrs["parameters"])
    assert params["hold_temperature_C"] == p.hold_temperature_C and ds.attrs["seed"] == p.seed
    assert ds.attrs["n_steps"] > 0 and ds.attrs["wall_time_s"] > 0 and ds.attrs["package_version"]
    # parameters read back give the same object (the only way parameters reach the solver)
    assert type(p).from_dict(params) == p
    ds.close()


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from tests.conftest import small_epitaxy
    from scenarios.epitaxy import run

    def on_frame(index, frame):
        if index == {kill_after}:
            os.kill(os.getpid(), signal.SIGKILL)

    run(small_epitaxy(**{changes!r}), {path!r}, on_frame=on_frame)
    """
)


@pytest.mark.parametrize(
    "changes, kill_after, frames",
    [
        # the small epitaxy to 1.5 s in frames of 0.25 s, killed after frame 3 (0.75 s): past its nucleus (0.46 s)
        (dict(duration_s=1.5, output_interval_s=0.25), 3, 7),
        # every order parameter on reused AMG hierarchies after its first Jacobi-CG solve (forgotten
        # at each frame with the switch decisions); shorter, to keep it under ~30 s (the nucleus at 0.46 s)
        (dict(order_parameter_amg_after=1, duration_s=0.5, output_interval_s=0.25), 1, 3),
        # BDF2: a frame keeps the times and grain measures of its history (resume_state) and the
        # fields of the state before it (the frame file's bdf2_previous_*), so the resumed run takes
        # the same BDF2 steps after the frame; killed at 0.75 s, three frames after the nucleus (0.46 s)
        (dict(time_scheme="bdf2", duration_s=1.0, output_interval_s=0.25), 3, 5),
    ],
    ids=["default", "amg", "bdf2"],
)
def test_killed_run_keeps_frames_and_resumes_to_the_uninterrupted_state(tmp_path, changes, kill_after, frames):
    killed = tmp_path / "killed.nc"
    script = _KILLER.format(root=os.getcwd(), kill_after=kill_after, path=str(killed), changes=changes)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    kept = open_run(killed)
    assert kept.sizes["time"] == kill_after + 1  # frames 0..kill_after were complete before the kill
    if changes.get("time_scheme") == "bdf2":  # the resume carries a whole BDF2 history (three states)
        assert len(resume_state(killed)["bdf2_memory"]) == 3 and resume_state(killed)["bdf2_previous"]
        assert set(RESUME_VARIABLES) <= set(last_frame(killed).variables)
        assert not set(RESUME_VARIABLES) & set(kept.variables)  # open_run leaves them out

    p = small_epitaxy(**changes)
    resumed = run(p, killed, resume=True)
    straight = run(p, tmp_path / "straight.nc")
    assert resumed.sizes["time"] == straight.sizes["time"] == frames
    assert resumed.attrs["n_steps"] == straight.attrs["n_steps"]
    # same steps, same random draws: identical up to the float64 round trip of the file (exact here)
    np.testing.assert_allclose(resumed.eta.values, straight.eta.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(resumed.n.values, straight.n.values, rtol=0, atol=1e-12)
    assert int(resumed.attrs["n_nuclei"]) == int(straight.attrs["n_nuclei"])


def test_resume_refuses_other_parameters(tmp_path):
    path = tmp_path / "a.nc"
    run(small_epitaxy(duration_s=1.0), path)
    with pytest.raises(ValueError, match="different parameters.*hold_temperature_C"):
        run(small_epitaxy(duration_s=1.0, hold_temperature_C=720.0), path, resume=True)


def test_existing_file_is_not_overwritten(tmp_path):
    path = tmp_path / "a.nc"
    p = small_epitaxy(duration_s=0.5)
    run(p, path)
    with pytest.raises(FileExistsError):
        run(p, path)
    assert open_run(path).sizes["time"] == 2


# ---- interruption at any moment, disk full, bad places, the lock, signals ------------------------

_APPENDER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    sys.path.insert(0, {root!r})
    from phasefield.io.output import append_frame, frame_count, merge
    from tests.phasefield.io.test_output import big_frame

    path = sys.argv[1]
    n = frame_count(path)  # resume where the last kill left the run
    print("ready", flush=True)
    while True:
        print("writing", n, flush=True)
        n = append_frame(path, big_frame(n), {{"resume_state": json.dumps({{"frame": n}})}})
        print("done", n, flush=True)
        if n % 3 == 0:
            print("merging", flush=True)
            merge(path)
            print("merged", flush=True)
    """
)


def big_frame(index: int) -> xr.Dataset:
    """Frame ``index`` of the kill test: random values (slow to compress, so writes take time)."""
    values = np.random.default_rng(index).random((1, 400, 400))
    return xr.Dataset(
        {"f": (("time", "y", "x"), values, {"units": "1", "long_name": "test field"})},
        coords={"time": ("time", [float(index)], {"units": "s", "long_name": "time"})},
    )


def test_kill_at_random_moments_keeps_every_returned_frame_and_resumes(tmp_path):
    """20 SIGKILLs at random delays (fixed seed), landing in frame writes and merges alike: after
    each, every frame append_frame returned is read back with identical values, and the next
    writer continues the run from there."""
    from phasefield.io.output import frame_count, merge, tail_dir

    path = tmp_path / "run.nc"
    script = _APPENDER.format(root=os.getcwd())
    delays = np.random.default_rng(20261130).uniform(0.0, 1.5, size=20)
    landed = []
    for delay in delays:
        proc = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time_to_kill = time.monotonic() + delay
        while time.monotonic() < time_to_kill and proc.poll() is None:
            time.sleep(0.005)
        proc.kill()
        lines = proc.communicate()[0].split()
        proc.wait()
        returned = max((int(lines[i + 1]) for i, w in enumerate(lines) if w == "done"), default=0)
        landed.append(lines[-2] if lines and lines[-2] == "writing" else (lines[-1] if lines else "ready"))
        if not returned:
            continue
        n = frame_count(path)
        assert n >= returned
        ds = open_run(path)
        assert ds.sizes["time"] == n
        for i in range(n):
            np.testing.assert_array_equal(ds.f.isel(time=i).values, big_frame(i).f.isel(time=0).values)
        assert list(ds.time.values) == [float(i) for i in range(n)]
        assert json.loads(ds.attrs["resume_state"]) == {"frame": n - 1}
    assert "writing" in landed and ("merging" in landed or "merged" in landed), landed  # kills inside both kinds of write
    merge(path)
    whole = xr.load_dataset(path)  # after a merge the file alone holds the whole run
    assert whole.sizes["time"] == frame_count(path)
    whole.close()
    assert not tail_dir(path).exists() and not list(tmp_path.glob(".*.tmp"))


def _cli(tmp_path, out, *extra) -> list[str]:
    toml = tmp_path / "small.toml"
    toml.write_text(SMALL_TOML)
    return [sys.executable, "-m", "scenarios.cli", "run", "epitaxy", "--params", str(toml), "--out", str(out), "-q", *extra]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.getcwd(), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _file_size_limit(limit: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_file_size_limit_is_reported_as_disk_full_and_keeps_the_frames(tmp_path):
    """RLIMIT_FSIZE below the merged file (frames fit, the merge does not): one line saying the
    disk is full, exit 1, all 4 frames kept (open_run), and --resume completes the file. Measured:
    frame files 158-260 kB (those after the first also hold the fields of the state before them,
    BDF2's history), the merged file 477 kB."""
    out = tmp_path / "e.nc"
    proc = subprocess.run(_cli(tmp_path, out), env=_env(), capture_output=True, text=True, timeout=300, preexec_fn=_file_size_limit(300_000))
    err = proc.stderr.strip()
    assert proc.returncode == 1, proc.stderr
    assert len(err.splitlines()) == 1 and "disk is full" in err and str(out) in err and "Traceback" not in err
    assert open_run(out).sizes["time"] == 4
    proc = subprocess.run(_cli(tmp_path, out, "--resume"), env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ds = xr.load_dataset(out, decode_timedelta=False)
    assert ds.sizes["time"] == 4
    ds.close()


@pytest.fixture
def small_fs(tmp_path):
    """Mount a tmpfs of the given size (read-only if asked) under tmp_path; skip where mount is not allowed."""
    mounted = []

    def mount(size: str, *options: str):
        where = tmp_path / f"fs{len(mounted)}"
        where.mkdir()
        opts = ",".join((f"size={size}", *options))
        if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "--lazy", str(where)], capture_output=True)


def test_full_disk_during_a_frame_is_one_line_and_keeps_the_frames(tmp_path, small_fs, capsys):
    """A real ENOSPC (a 420 kB tmpfs holds two frames of the small run): one line, exit 1, the two
    frames kept; on a bigger disk --resume repeats the uninterrupted run."""
    from scenarios.cli import main

    disk = small_fs("420k")
    out = disk / "e.nc"
    argv = _cli(tmp_path, out)[3:]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "disk is full" in err and "frame 2" in err and str(out) in err
    assert open_run(out).sizes["time"] == 2
    assert not list(disk.rglob(".*.tmp"))


def test_bad_places_for_out_are_refused_in_one_line_naming_the_path(tmp_path, small_fs, capsys):
    from scenarios.cli import main

    for out, says in [
        (tmp_path, "is a directory"),
        (tmp_path / "missing" / "e.nc", "does not exist"),
    ]:
        assert main(_cli(tmp_path, out)[3:]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(out) in err and says in err, err
    if os.geteuid() == 0:  # root writes through permission bits: only a read-only mount refuses
        read_only = small_fs("1m", "ro")
    else:
        read_only = tmp_path / "ro"
        read_only.mkdir(mode=0o555)
    out = read_only / "e.nc"
    assert main(_cli(tmp_path, out)[3:]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(out) in err and "cannot write" in err, err


def test_a_second_writer_on_the_same_out_is_refused(tmp_path):
    """Two long runs started together on one --out: one is refused in one line naming the file
    while the other goes on (then stopped with SIGTERM, its frames kept)."""
    out = tmp_path / "e.nc"
    procs = [subprocess.Popen(_cli(tmp_path, out, "--overwrite", "--set", "duration_s=60"), env=_env(), stderr=subprocess.PIPE, text=True) for _ in range(2)]
    while all(p.poll() is None for p in procs):
        time.sleep(0.05)
    refused = next(p for p in procs if p.poll() is not None)
    writer = next(p for p in procs if p is not refused)
    err = refused.stderr.read().strip()
    assert refused.returncode == 1, err
    assert len(err.splitlines()) == 1 and "is being written by another run" in err and str(out) in err
    while not out.exists() and writer.poll() is None:
        time.sleep(0.05)
    writer.send_signal(signal.SIGTERM)
    assert writer.wait(timeout=300) == 143, writer.stderr.read()
    writer.stderr.close()
    assert open_run(out).sizes["time"] >= 1


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_at_a_safe_point_and_the_run_resumes_exactly(tmp_path, sig, status):
    """SIGINT / SIGTERM after the first frame: exit 130 / 143 with one line and no traceback, the
    finished frames merged into --out; after SIGINT, --resume repeats the uninterrupted run."""
    out = tmp_path / "e.nc"
    shorter = ("--set", "duration_s=1.0")  # frames at 0, 0.5, 1 s: still running 1 s after its first frame
    proc = subprocess.Popen(_cli(tmp_path, out, *shorter), env=_env(), stderr=subprocess.PIPE, text=True)
    while not out.exists() and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(sig)
    assert proc.wait(timeout=300) == status
    err = proc.stderr.read().strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("nvp-growth: interrupted at t = ") and f"are in {out}; continue with --resume" in err
    kept = xr.load_dataset(out, decode_timedelta=False)  # merged: the file alone has the frames
    n = kept.sizes["time"]
    assert f"frames up to {float(kept.time[-1]):.6g} s" in err
    kept.close()
    assert 1 <= n < 4
    if sig == signal.SIGINT:  # the stop is the same code path for both signals: one resume suffices
        proc = subprocess.run(_cli(tmp_path, out, "--resume", *shorter), env=_env(), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        from scenarios.cli import main

        straight = tmp_path / "straight.nc"
        assert main(_cli(tmp_path, straight, *shorter)[3:]) == 0
        a, b = open_run(out), open_run(straight)
        np.testing.assert_array_equal(a.eta.values, b.eta.values)
        assert a.attrs["n_steps"] == b.attrs["n_steps"]


def test_trimming_headline_outputs_are_in_the_file(tmp_path):
    """What the trimming scenario promises (facet_sharpness, boundary_normal_length) is in its file."""
    from scenarios.trimming import TrimmingParameters
    from scenarios.trimming import run as run_trimming

    out = tmp_path / "t.nc"
    returned = run_trimming(TrimmingParameters(grid=64, duration_s=0.2, output_interval_s=0.1), out)
    ds = xr.load_dataset(out, decode_timedelta=False)
    for name in ("facet_sharpness", "boundary_normal_length"):
        np.testing.assert_array_equal(ds[name].values, returned[name].values)
    assert missing_cf_attributes(ds) == []
    ds.close()


def test_wulff_comparison_is_in_the_file(tmp_path):
    """The Wulff scenario's comparison (vertices, attributes) goes through the run writer into its file."""
    from scenarios.wulff import WulffParameters
    from scenarios.wulff import run as run_wulff

    out = tmp_path / "w.nc"
    returned = run_wulff(WulffParameters(grid=48, duration_s=0.2, output_interval_s=0.1), out)
    ds = xr.load_dataset(out, decode_timedelta=False)
    np.testing.assert_array_equal(ds.wulff_x.values, returned.wulff_x.values)
    assert ds.attrs["hausdorff_nm"] == returned.attrs["hausdorff_nm"] and ds.sizes["time"] == 3
    assert missing_cf_attributes(ds) == []
    ds.close()

"""The run record: CF metadata, incremental frames, survival of a kill, exact resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import xarray as xr

from phasefield import open_run
from phasefield.output import missing_cf_attributes
from scenarios.epitaxy import run
from tests.conftest import small_epitaxy

REQUIRED = ["T", "c", "eta", "grain_phase", "phase_map", "phase_fraction", "centroid_x", "centroid_y", "mean_V_valence", "c_total", "free_energy"]


def test_file_reopens_with_xarray_and_every_variable_has_units(tmp_nc):
    p = small_epitaxy(duration_s=1.0)
    run(p, tmp_nc)
    ds = xr.open_dataset(tmp_nc, decode_timedelta=False)
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

    run(small_epitaxy(), {path!r}, on_frame=on_frame)
    """
)


def test_killed_run_keeps_frames_and_resumes_to_the_uninterrupted_state(tmp_path):
    killed = tmp_path / "killed.nc"
    script = _KILLER.format(root=os.getcwd(), kill_after=3, path=str(killed))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    kept = open_run(killed)
    assert kept.sizes["time"] == 4  # frames 0..3 were complete before the kill

    p = small_epitaxy()
    resumed = run(p, killed, resume=True)
    straight = run(p, tmp_path / "straight.nc")
    assert resumed.sizes["time"] == straight.sizes["time"] == 7
    assert resumed.attrs["n_steps"] == straight.attrs["n_steps"]
    # same steps, same random draws: identical up to the float64 round trip of the file (exact here)
    np.testing.assert_allclose(resumed.eta.values, straight.eta.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(resumed.c.values, straight.c.values, rtol=0, atol=1e-12)
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

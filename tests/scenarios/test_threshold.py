"""The threshold sweep reuses a finished member file only when it was written with the same
parameters and package version."""

from __future__ import annotations

import netCDF4

from phasefield.io.output import last_frame
from scenarios.epitaxy import SCENARIO as EPITAXY
from scenarios.sweep import reusable, run_member
from tests.conftest import small_epitaxy


def test_member_is_reused_only_with_the_same_parameters_and_version(tmp_path):
    path = tmp_path / "thr_T710C.nc"
    p = small_epitaxy(duration_s=0.5)
    run_member(EPITAXY, p, path)
    written = path.stat().st_mtime_ns
    assert reusable(path, p)
    run_member(EPITAXY, p, path)  # finished, same parameters: kept as it is
    assert path.stat().st_mtime_ns == written

    other = small_epitaxy(duration_s=0.5, seed=p.seed + 1)
    assert not reusable(path, other)
    run_member(EPITAXY, other, path)  # another seed: run again, not reused
    assert last_frame(path).attrs["seed"] == other.seed

    with netCDF4.Dataset(path, "a") as nc:  # as if written by another version of the package
        nc.setncattr("package_version", "0.0.0-other")
    assert not reusable(path, other)

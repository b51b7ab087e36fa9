"""Run records: one netCDF4 file per run, appended frame by frame, atomically.

xarray cannot grow the time dimension of an existing file
(``to_netcdf(mode="a")``), so the first frame is written by xarray (CF
attributes, compression, an unlimited ``time``) and later frames are appended
with the netCDF4 library. Every write goes to a copy that replaces the file
with :func:`os.replace` only once it is complete and synced: a crash or a kill
at any moment leaves the previous, complete file. The state needed to resume
exactly (adaptive time step, random generator, nucleated grains) is stored in
the global attribute ``resume_state`` (JSON) of the same file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import xarray as xr

COMPRESSION = {"zlib": True, "complevel": 4}


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if var.dtype.kind in "fiu" and var.ndim >= 1:
            enc[name] = dict(COMPRESSION)
    return enc


def append_frame(path: str | os.PathLike, frame: xr.Dataset, attrs: dict[str, Any]) -> int:
    """Append a one-time-step Dataset to the run file; returns the number of frames.

    Parameters
    ----------
    path
        The run file; created with the first frame.
    frame
        Variables with a leading ``time`` dimension of length 1, plus static
        variables and coordinates (written only with the first frame).
    attrs
        Global attributes to set or update with this frame (for example the
        step count, the wall time and ``resume_state``); values must be str,
        int or float.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if not path.exists():
        ds = frame.copy()
        ds.attrs.update(attrs)
        ds.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", unlimited_dims=["time"], encoding=_encoding(ds))
        _fsync_file(tmp)
        os.replace(tmp, path)
        return 1
    shutil.copyfile(path, tmp)
    with netCDF4.Dataset(tmp, "a") as nc:
        n = len(nc.dimensions["time"])
        for name, var in frame.variables.items():
            if "time" not in var.dims:
                continue
            target = nc.variables[name]
            values = np.asarray(var.values)
            if values.dtype.kind == "b":
                values = values.astype("i1")
            target[n : n + 1, ...] = values
        nc.setncatts({k: v for k, v in attrs.items()})
        count = len(nc.dimensions["time"])
    _fsync_file(tmp)
    os.replace(tmp, path)
    return count


def open_run(path: str | os.PathLike) -> xr.Dataset:
    """Read a run file fully into memory (time stays in seconds, not timedelta)."""
    with xr.open_dataset(path, decode_timedelta=False) as ds:
        return ds.load()


def resume_state(path: str | os.PathLike) -> dict[str, Any]:
    """The ``resume_state`` attribute of a run file, parsed."""
    with netCDF4.Dataset(path, "r") as nc:
        if "resume_state" not in nc.ncattrs():
            raise ValueError(f"{path}: no resume_state attribute; it was not written by nvp-growth")
        return json.loads(nc.getncattr("resume_state"))


def missing_cf_attributes(ds: xr.Dataset) -> list[str]:
    """Names of variables (and coordinates) lacking ``units`` or ``long_name``."""
    return [name for name, var in ds.variables.items() if "units" not in var.attrs or "long_name" not in var.attrs]

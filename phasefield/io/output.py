"""Run records: netCDF4 files that any interruption leaves readable, a frame costing a frame.

Layout of a run written to ``out``::

    out                        frame 0, or every frame up to the last merge (a netCDF4 file)
    out.d/frame-000123.nc      one self-contained netCDF4 file per later frame (the tail)
    out.lock                   held (``flock``) by the run that writes ``out``

Every file is written by xarray (CF attributes, compression, an unlimited
``time``) to a temporary file and reaches its name only by :func:`atomic_write`
(fsync, :func:`os.replace`, fsync of the directory). HDF5 never writes to a
named file, so a kill at any moment, also inside a write, leaves every finished
frame readable; a write that finds no room (disk full, file-size limit) is
reported as :class:`DiskFull`. Appending writes the frame only: its cost does
not grow with the run.

When a run ends or stops (finished, Ctrl-C, SIGTERM, an error) :func:`merge`
moves the tail into ``out`` (a copy of ``out`` plus appends, atomically
replacing it: linear, once) and removes ``out.d``. Then ``out`` holds the whole
run and ``xarray.open_dataset(out)`` shows it all. While a run is going, or
after a ``kill -9``, ``out`` holds only the frames up to the last merge:
:func:`open_run` reads ``out`` and the tail together (so does
``xr.open_mfdataset([out, *sorted(glob("out.d/frame-*.nc"))],
combine="nested", concat_dim="time", data_vars="minimal")``), and ``--resume``
continues from the last frame of either and merges at its end.

The state needed to resume exactly (adaptive time step, random generator,
nucleated grains) is the global attribute ``resume_state`` (JSON) of the last
frame's file; the global attributes of the run are those of its last frame.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import resource
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import netCDF4
import xarray as xr

from ..model.values import one_line

COMPRESSION = {"zlib": True, "complevel": 4}
#: Variables without ``time`` that a frame file may hold for an exact resume only (the fields of the
#: state before the frame, BDF2's history): :func:`open_run` leaves them out, :func:`merge` keeps
#: those of the last frame in the run file.
RESUME_VARIABLES = ("bdf2_previous_eta", "bdf2_previous_n")
_SEGMENT = re.compile(r"frame-(\d{6,})\.nc")
# errnos that mean "no room": no space, file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored), quota
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


class RunFileError(RuntimeError):
    """A run file could not be written; the message is one line naming the file."""


class DiskFull(RunFileError):
    """No room to write (disk full or file-size limit); the finished frames are kept."""


class RunLocked(RunFileError):
    """Another process is writing the same run file."""


class NotARunError(ValueError):
    """A file that is not a run record (not netCDF, or without frames in time)."""


class OutputPlaceError(ValueError):
    """The output path cannot hold a run file (a directory, a missing or read-only directory)."""


# ---- paths -------------------------------------------------------------------------------------
def tail_dir(path: Path) -> Path:
    """The directory of the frames written since the last merge: ``<out>.d``."""
    return path.with_name(path.name + ".d")


def lock_path(path: Path) -> Path:
    """The file whose ``flock`` marks the run being written: ``<out>.lock``."""
    return path.with_name(path.name + ".lock")


def _segment_path(path: Path, index: int) -> Path:
    return tail_dir(path) / f"frame-{index:06d}.nc"


def _temporary(path: Path) -> Path:
    # hidden and tagged by pid: never read as a frame, and removed by tidy() after a kill
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


# ---- atomic writes -----------------------------------------------------------------------------
def _fsync(path: Path) -> None:
    """Flush a file's or a directory's contents to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_synced(tmp: Path, path: Path) -> None:
    """Make the complete file ``tmp`` durable and give it the name ``path`` in one step."""
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(path.parent)  # the rename itself survives a crash only once the directory is synced


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Create ``path`` by ``write(tmp)`` on a temporary file that then replaces it.

    ``path`` is either its old self or all that ``write`` wrote, whenever the
    process dies. The temporary file is removed on any error.

    Raises
    ------
    DiskFull
        There was no room to write (see :func:`no_room`); ``path`` is unchanged.
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        write(tmp)
        replace_synced(tmp, path)
    except Exception as err:
        full = no_room(err, tmp)
        tmp.unlink(missing_ok=True)
        if full:
            raise DiskFull(f"{path}: the disk is full (no space left, or the file-size limit); it is unchanged; free space and try again") from err
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_dataset(path: str | os.PathLike, ds: xr.Dataset, unlimited: tuple[str, ...] = ("time",)) -> None:
    """Write ``ds`` as a new netCDF4 file (compressed, ``unlimited`` dimensions), atomically."""
    dims = [d for d in unlimited if d in ds.dims]
    atomic_write(path, lambda tmp: ds.to_netcdf(tmp, format="NETCDF4", engine="netcdf4", unlimited_dims=dims, encoding=_encoding(ds)))


def edit_atomically(path: Path, edit: Callable[[Path], None]) -> None:
    """Apply ``edit`` to a copy of ``path`` that then replaces it (cost: the file, once)."""

    def write(tmp: Path) -> None:
        shutil.copyfile(path, tmp)
        edit(tmp)

    atomic_write(path, write)


def no_room(err: BaseException, written: Path, margin: int = 1 << 20) -> bool:
    """Whether ``err``, raised while writing ``written``, means there was no room to write.

    netCDF4/HDF5 report a failed write as a bare "HDF error", so without an
    errno the file system is asked: less than ``margin`` bytes free, or
    ``written`` within ``margin`` of the file-size limit.
    """
    if isinstance(err, OSError) and err.errno in _NO_ROOM:
        return True
    if not isinstance(err, (OSError, RuntimeError)) or (isinstance(err, OSError) and (err.errno or 0) > 0):
        return False  # not an I/O failure, or another system error (netCDF4's own codes are negative errnos)
    try:
        free = shutil.disk_usage(written.parent).free
        size = written.stat().st_size if written.exists() else 0
    except OSError:
        return False
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return free < margin or (limit != resource.RLIM_INFINITY and size + margin > limit)


# ---- the place, the lock -----------------------------------------------------------------------
def check_place(path: Path) -> None:
    """Refuse, with one line naming the path, a place where no run file can be written."""
    if path.is_dir():
        raise OutputPlaceError(f"{path} is a directory; allowed: a file name, e.g. {path / 'run.nc'}")
    parent = path.parent
    if not parent.is_dir():
        raise OutputPlaceError(f"{path}: the directory {parent} does not exist; allowed: a file in an existing directory (create it first)")
    try:  # try it: permission bits say nothing for root or on a read-only mount
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OutputPlaceError(f"{path}: cannot write in {parent} ({err.strerror}); allowed: a writable directory") from None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the run's lock (``flock`` on ``<out>.lock``) while the block runs.

    The kernel releases it when the process ends, however it ends; the lock
    file stays (removing it would let a waiting process lock a dead inode).
    """
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise RunLocked(f"{path} is being written by another run (pid {holder}); allowed: wait for it to end, or choose another --out") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def tidy(path: Path) -> None:
    """Remove what a killed writer left: temporary files, frames already merged, an empty tail."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    tail = tail_dir(path)
    if not tail.is_dir():
        return
    for stale in tail.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    merged = _base_frames(path) if path.exists() else 0
    for index, part in _segments(path):
        if index < merged:
            part.unlink()
    if not any(tail.iterdir()):
        tail.rmdir()


def remove_run(path: Path) -> None:
    """Delete a run file and its tail (``--overwrite``)."""
    path.unlink(missing_ok=True)
    shutil.rmtree(tail_dir(path), ignore_errors=True)


# ---- writing -----------------------------------------------------------------------------------
def _encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compression for numeric arrays; no ``_FillValue`` on coordinate variables (CF 2.5.1: they
    must not have missing values, and xarray would give float ones a NaN fill)."""
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if var.dtype.kind in "fiu" and var.ndim >= 1:
            enc[name] = dict(COMPRESSION)
        if name in ds.dims:
            enc.setdefault(name, {})["_FillValue"] = None
    return enc


def append_frame(path: str | os.PathLike, frame: xr.Dataset, attrs: dict[str, Any]) -> int:
    """Add a one-time-step Dataset to the run; returns the number of frames.

    Once it returns, the frame survives any interruption. It writes the frame
    only: ``path`` itself for the first frame, else one file in the tail.

    Parameters
    ----------
    path
        The run file; created with the first frame.
    frame
        Variables with a leading ``time`` dimension of length 1, plus static
        variables and coordinates.
    attrs
        Global attributes of the run as of this frame (for example the step
        count, the wall time and ``resume_state``); values must be str, int or float.

    Raises
    ------
    DiskFull
        No room for the frame; the frames before it are kept.
    """
    path = Path(path)
    count = frame_count(path)
    ds = frame.copy()
    ds.attrs.update(attrs)
    target = path if count == 0 else _segment_path(path, count)
    try:
        target.parent.mkdir(exist_ok=True)
        write_dataset(target, ds)
    except (DiskFull, OSError) as err:
        if isinstance(err, DiskFull) or err.errno in _NO_ROOM:
            raise DiskFull(f"{path}: the disk is full (no space left, or the file-size limit) while writing frame {count}; "
                           f"the {count} finished frames are kept; free space, then continue with --resume") from err
        raise RunFileError(f"{target}: cannot write frame {count} ({err.strerror or err}); the {count} finished frames are kept") from err
    return count + 1


def _copy_frames(target: netCDF4.Dataset, part: Path) -> dict[str, Any]:
    """Append the frame of ``part`` to the open ``target``: raw values, bit for bit; returns the
    part's global attributes."""
    with netCDF4.Dataset(part, "r") as src:
        src.set_auto_maskandscale(False)
        n = len(target.dimensions["time"])
        k = len(src.dimensions["time"])
        for name, var in src.variables.items():
            if "time" in var.dimensions:
                target.variables[name][n : n + k, ...] = var[...]
        return {a: src.getncattr(a) for a in src.ncattrs()}


def _copy_resume_variables(target: netCDF4.Dataset, part: Path) -> None:
    """Put the :data:`RESUME_VARIABLES` of ``part`` (the last frame) into the open ``target``, bit for bit."""
    with netCDF4.Dataset(part, "r") as src:
        src.set_auto_maskandscale(False)
        for name in RESUME_VARIABLES:
            if name not in src.variables:
                continue
            var = src.variables[name]
            if name not in target.variables:
                out = target.createVariable(name, var.dtype, var.dimensions, zlib=True, complevel=COMPRESSION["complevel"])
                out.setncatts({a: var.getncattr(a) for a in var.ncattrs() if a != "_FillValue"})
            target.variables[name][...] = var[...]


def _set_attributes(nc: netCDF4.Dataset, attrs: dict[str, Any]) -> None:
    """Set global attributes, deleting any old value first: overwriting the run's attributes in
    place (they grow with a run: grain_table, resume_state) made netCDF-C 4.10 leave an HDF5 object
    open and segfault on close (not reduced to a small case; the 3-frame crystallization run of
    tests/phasefield/model/test_crystallization.py::test_crystal_seeds_conserve_both_species_and_land_in_the_amorphous_particle)."""
    for name in attrs:
        if name in nc.ncattrs():
            nc.delncattr(name)
    nc.setncatts(attrs)


def merge(path: str | os.PathLike) -> None:
    """Move the tail into the run file, so that it alone holds the whole run.

    Atomic: a kill leaves the run file as it was and the tail in place.

    Raises
    ------
    DiskFull
        No room for the merged copy; every frame stays where it was.
    """
    path = Path(path)
    parts = _tail(path)
    if parts:

        def add(tmp: Path) -> None:
            with netCDF4.Dataset(tmp, "a") as nc:
                nc.set_auto_maskandscale(False)
                for part in parts:
                    attrs = _copy_frames(nc, part)
                _copy_resume_variables(nc, parts[-1])
                _set_attributes(nc, attrs)  # the run's attributes as of its last frame

        try:
            edit_atomically(path, add)
        except DiskFull as err:
            raise DiskFull(f"{path}: the disk is full (no space left, or the file-size limit) while merging the {len(parts)} frames of "
                           f"{tail_dir(path)} into it; every finished frame is kept there; free space, then continue with --resume") from err
    tidy(path)


def add_to_run(path: str | os.PathLike, extra: xr.Dataset, attrs: dict[str, Any]) -> None:
    """Add variables and global attributes to a finished run file (merged first), atomically."""
    path = Path(path)
    merge(path)

    def add(tmp: Path) -> None:
        if extra.variables:
            extra.to_netcdf(tmp, mode="a", engine="netcdf4", encoding=_encoding(extra))
        with netCDF4.Dataset(tmp, "a") as nc:
            _set_attributes(nc, attrs)

    edit_atomically(path, add)


# ---- reading -----------------------------------------------------------------------------------
def _base_frames(path: Path) -> int:
    with netCDF4.Dataset(path, "r") as nc:
        return len(nc.dimensions["time"])


def _segments(path: Path) -> list[tuple[int, Path]]:
    tail = tail_dir(path)
    if not tail.is_dir():
        return []
    found = ((_SEGMENT.fullmatch(p.name), p) for p in tail.iterdir())
    return sorted((int(m.group(1)), p) for m, p in found if m)


def _tail(path: Path, merged: int | None = None) -> list[Path]:
    """The tail's frames that follow the run file's ``merged`` frames, in order, up to a gap."""
    expected = _base_frames(path) if merged is None else merged
    parts = []
    for index, part in _segments(path):
        if index < expected:
            continue  # merged already: a kill came between the merge and the cleanup
        if index > expected:
            break
        parts.append(part)
        expected += 1
    return parts


def frame_count(path: str | os.PathLike) -> int:
    """Number of finished frames of a run (0 if there is no run file)."""
    path = Path(path)
    if not path.exists():
        return 0
    merged = _base_frames(path)
    return merged + len(_tail(path, merged))


def _load(path: Path) -> xr.Dataset:
    with xr.open_dataset(path, decode_timedelta=False) as ds:
        return ds.load()


#: Chunks of a lazily opened run: one frame each, so a frame costs only its own read.
FRAME_CHUNKS = {"time": 1}


def open_run(path: str | os.PathLike, chunks: dict[str, int] | None = FRAME_CHUNKS, variables: Sequence[str] | None = None) -> xr.Dataset:
    """Open a whole run (the run file and its tail, also while it is being written).

    Time stays in seconds; the global attributes are those of the last frame.

    Parameters
    ----------
    path
        The run file.
    chunks
        Dask chunks; the default :data:`FRAME_CHUNKS` (one frame each) opens lazily, so
        that a run larger than memory opens and a frame costs one frame's read. The files
        stay open until ``ds.close()`` (or the Dataset is collected); a lazy Dataset of a
        run still being written reads its frames from ``path.d/`` when asked, so if the run
        finishes meanwhile (it merges and removes them) open it again. None: read into
        memory and close the files, a snapshot that stays valid whatever the run does next.
        Files are read through h5py (engine ``h5netcdf``), not netCDF-C, which is not
        reentrant: a lazy Dataset closed by the garbage collector inside another netCDF-C
        call made the next read fail ("NetCDF: HDF error"; segfaults in the test suite).
    variables
        Read only these data variables (with the coordinates and global attributes), e.g.
        ``["phase_map", "T"]`` for a movie of a large run; None: all.

    Raises
    ------
    FileNotFoundError
        No run file at ``path``.
    NotARunError
        The file is not netCDF or has no ``time`` dimension.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (or is not a file); allowed: a run file written by `nvp-growth run`")
    try:
        files = [str(f.absolute()) for f in (path, *_tail(path))]  # xarray matches attrs_file to absolute paths
        with warnings.catch_warnings():
            # netCDF4 stores 1-D time series in chunks of 512 frames: one frame per dask chunk
            # splits them, which costs nothing at their size
            warnings.filterwarnings("ignore", message="The specified chunks separate the stored chunks", category=UserWarning)
            ds = _open_frames(files, chunks if chunks is not None else {})
    except KeyError as err:
        raise NotARunError(f"{path} is not a run file (no time dimension); allowed: a run file written by `nvp-growth run`") from err
    except (OSError, ValueError) as err:
        raise NotARunError(f"{path} is not a readable netCDF file ({one_line(err)[:120]}); allowed: a run file written by `nvp-growth run`") from err
    missing = [v for v in variables or () if v not in ds.variables]
    if missing:
        ds.close()
        raise NotARunError(f"{path} is not a run: it has no {', '.join(missing)}; allowed: a run file written by `nvp-growth run` (with {', '.join(variables)})")
    chosen = ds if variables is None else ds[list(variables)]
    if chunks is None:
        with ds:
            return chosen.load()
    return chosen


def _open_frames(files: list[str], chunks: dict[str, int]) -> xr.Dataset:
    return xr.open_mfdataset(
        files,
        engine="h5netcdf",
        combine="nested",
        concat_dim="time",
        data_vars="minimal",
        coords="minimal",
        compat="override",
        join="override",
        attrs_file=files[-1],
        decode_timedelta=False,
        drop_variables=RESUME_VARIABLES,
        chunks=chunks,
    )


def last_frame(path: str | os.PathLike) -> xr.Dataset:
    """The last finished frame of a run, with the run's global attributes as of that frame."""
    path = Path(path)
    parts = _tail(path)
    return _load(parts[-1] if parts else path).isel(time=-1)


def run_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """The global attributes of a run as of its last finished frame, without reading its data."""
    path = Path(path)
    parts = _tail(path)
    with netCDF4.Dataset(parts[-1] if parts else path, "r") as nc:
        return {name: nc.getncattr(name) for name in nc.ncattrs()}


def resume_state(path: str | os.PathLike) -> dict[str, Any]:
    """The ``resume_state`` attribute of a run's last frame, parsed."""
    attrs = run_attrs(path)
    if "resume_state" not in attrs:
        raise ValueError(f"{path}: no resume_state attribute; it was not written by nvp-growth")
    return json.loads(attrs["resume_state"])


def missing_cf_attributes(ds: xr.Dataset) -> list[str]:
    """Names of variables (and coordinates) lacking ``units`` or ``long_name``."""
    return [name for name, var in ds.variables.items() if "units" not in var.attrs or "long_name" not in var.attrs]


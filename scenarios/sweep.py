"""Parameter sweeps: one run of a scenario per member of a grid of values, on dask.distributed.

:func:`sweep` takes, for each swept key, a list of values; every combination (the cartesian
product, in the order given) is a member. It builds every member's parameters (validating
them) before anything starts, then runs the members in worker processes: a
``LocalCluster`` (``workers`` processes of one thread and one BLAS thread each) or the
cluster of a given scheduler. Each member writes its own run file. A member whose file was
written with the same parameters and package version is kept when finished and resumed
from its last frame when not (the driver's exact resume); any other file is replaced.
The runs are then combined, with a dimension per key, into one Dataset.

Files, for ``out = PREFIX`` (a trailing ``.nc`` is dropped)::

    PREFIX/KEY=VALUE[,KEY=VALUE ...].nc   one run file per member, keys in the order swept
    PREFIX.nc                             the combined Dataset

Values in names are written as ``--set`` reads them (``705``, ``40,24``); a ``/`` of a pair
key becomes ``-`` (``interface_energy_J_m2.NH4VO3-NVP=0.25``), also in dimension names.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import threading
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from phasefield import ModelParameters, ParameterError, RunInterrupted, apply_overrides
from phasefield.driver import output_times_s
from phasefield.numerics.parallel import refuse_in_parallel
from phasefield.io.output import RESUME_VARIABLES, check_place, frame_count, run_attrs, tail_dir, write_dataset
from phasefield.model.overrides import override_type, parse_override
from phasefield.model.parameter_units import parameter_units
from phasefield.model.parameters import available_memory_bytes, grid_memory_bytes
from phasefield.model.values import mapping_key, one_line, show
from phasefield.numerics.stepping import package_version

from .registry import Scenario, get

CONNECT_TIMEOUT_S = 5.0
"""How long a scheduler may take to answer before the sweep is refused [s]."""

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Environment of the local workers: one process per member, so one BLAS thread each."""

MEMBER_ATTRS = {
    "n_steps": "accepted time steps",
    "n_rejected_steps": "rejected time steps",
    "n_nuclei": "NVP nucleation events",
    "n_refused_nuclei": "NVP nuclei refused (no free grain slot)",
    "n_crystal_nuclei": "crystal nuclei planted in the amorphous precursor",
    "wall_time_s": "wall time of the run",
}
"""Global attributes of a run that the combined Dataset holds as variables over the keys."""

_RUN_ONLY_ATTRS = ("parameters", "resume_state", "nucleus_formation_times_s", "n_merged_crystal_nuclei")


class SchedulerUnreachable(ValueError):
    """The scheduler given does not answer; the message is one line naming its address."""


class SweepIncomplete(RuntimeError):
    """Members failed; the others are kept, and running the sweep again retries only the failed ones."""


@dataclass(frozen=True)
class Member:
    """One run of a sweep.

    Parameters
    ----------
    index
        Position along each key.
    params
        Its parameters (validated).
    path
        Its run file.
    """

    index: tuple[int, ...]
    params: ModelParameters
    path: Path

    @property
    def label(self) -> str:
        """``key=value,...``: the file name without ``.nc``."""
        return self.path.stem


@dataclass(frozen=True)
class Grid:
    """The members of a sweep and where they go.

    Parameters
    ----------
    scenario
        What each member runs.
    base
        Parameters the members share.
    keys
        The swept keys, in order.
    values
        Each key's values (as the parameters hold them).
    members
        Every combination, the last key varying fastest.
    prefix
        Members go to ``prefix/``, the combined Dataset to ``prefix.nc``.
    """

    scenario: Scenario
    base: ModelParameters
    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    members: tuple[Member, ...]
    prefix: Path

    @property
    def combined_path(self) -> Path:
        return self.prefix.with_name(self.prefix.name + ".nc")


# ---- the grid ----------------------------------------------------------------------------------
def dimension_name(key: str) -> str:
    """The key as a dimension and file name (netCDF names and file names exclude ``/``)."""
    return key.replace("/", "-")


def value_text(value: Any) -> str:
    """A value as ``--set`` reads it: shortest decimal of a float, comma-separated lists."""
    if isinstance(value, tuple):
        return ",".join(value_text(v) for v in value)
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def split_values(cls: type, key: str, text: str) -> list[str]:
    """The values of ``--over key=text``: separated by ``,``, or by ``;`` when each value is itself
    a list (``domain_nm=40,24;48,24``).

    Raises
    ------
    ParameterError
        An unknown or derived key.
    """
    separator = ";" if typing.get_origin(override_type(cls, key, text)) is tuple else ","
    return [t.strip() for t in text.split(separator)]


def _lookup(params: ModelParameters, key: str) -> Any:
    """The value that ``params`` holds for the override key ``key`` (a field or a mapping entry)."""
    name, dot, entry = key.partition(".")
    value = getattr(params, name)
    return value[mapping_key(name, entry)] if dot else value


def _key_values(cls: type, key: str, values: str | Sequence[Any]) -> list[Any]:
    """A key's values: a string split as ``--over`` does, each string parsed as ``--set`` does."""
    override_type(cls, key)  # an unknown key is refused whatever its values
    values = split_values(cls, key, values) if isinstance(values, str) else list(values)
    if not values or values == [""]:
        raise ParameterError(f"--over {key} has no values; allowed: {key}=V1,V2,... (one or more)")
    return [parse_override(cls, key, v) if isinstance(v, str) else v for v in values]


def plan(
    scenario: Scenario | str,
    over: Mapping[str, str | Sequence[Any]],
    base: ModelParameters | Mapping[str, Any] | Sequence[str] = (),
    out: str | Path | None = None,
) -> Grid:
    """Every member of a sweep, its parameters built and validated, before anything runs.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario name or a ``.py`` file defining ``SCENARIO``.
    over
        Key -> values. A key is a parameter or one mapping entry (``key.A/B``); a string of
        values is split as ``--over`` does (:func:`split_values`), and each string value is
        parsed as ``--set`` does. Several keys: their cartesian product.
    base
        The members' other parameters: a parameter object of the scenario, or overrides
        (``["key=value", ...]`` or a mapping) of its defaults.
    out
        ``PREFIX`` (default: the scenario's name; a trailing ``.nc`` is dropped).

    Raises
    ------
    ParameterError
        An unknown scenario, key or value, a key given twice or a value listed twice,
        parameters refused by validation (naming the member), or an output place where
        nothing can be written.
    """
    scenario = get(scenario) if isinstance(scenario, str) else scenario
    if scenario.is_sweep:
        raise ParameterError(f"scenario = {scenario.name!r} is itself a sweep (its members run on workers, which cannot start their own); allowed: a scenario that makes one run, e.g. epitaxy")
    cls = scenario.parameters
    if isinstance(base, ModelParameters):
        if type(base) is not cls:
            raise ParameterError(f"base = {type(base).__name__}(...) is not allowed; allowed: {cls.__name__} (the parameters of {scenario.name}) or overrides")
    else:
        base = apply_overrides(cls(), base)
    if not over:
        raise ParameterError("--over is missing; allowed: one or more --over KEY=V1,V2,...")
    keys = tuple(str(k).strip() for k in over)
    raw = [_key_values(cls, key, over[original]) for key, original in zip(keys, over)]
    prefix = _prefix(out, scenario)
    members = tuple(_member(base, keys, combo, prefix) for combo in itertools.product(*(list(enumerate(r)) for r in raw)))
    values = tuple(_values_along(members, k, key, len(r)) for k, (key, r) in enumerate(zip(keys, raw)))
    for key, vals in zip(keys, values):
        names = [dimension_name(value_text(v)) for v in vals]  # distinct names: distinct files
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise ParameterError(f"--over {key} lists {twice} twice; allowed: distinct values")
    return Grid(scenario, base, keys, values, members, prefix)


def _member(base: ModelParameters, keys: tuple[str, ...], combo: tuple[tuple[int, Any], ...], prefix: Path) -> Member:
    index = tuple(i for i, _ in combo)
    changes = {key: value for key, (_, value) in zip(keys, combo)}
    try:
        params = apply_overrides(base, changes)
    except ParameterError as err:
        raise ParameterError(f"member {_label(changes)}: {err}") from None
    label = _label({key: _lookup(params, key) for key in keys})  # the values as held: 705 and 705.0 name one file
    return Member(index, params, prefix / f"{dimension_name(label)}.nc")


def _label(values: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={value_text(value)}" for key, value in values.items())


def _values_along(members: Sequence[Member], k: int, key: str, count: int) -> tuple[Any, ...]:
    """The values of the ``k``-th key as the members' parameters hold them."""
    holder: dict[int, ModelParameters] = {}
    for m in members:
        holder.setdefault(m.index[k], m.params)
    return tuple(_lookup(holder[i], key) for i in range(count))


def _prefix(out: str | Path | None, scenario: Scenario) -> Path:
    prefix = Path(out) if out is not None else Path(scenario.name)
    if prefix.suffix == ".nc":
        prefix = prefix.with_suffix("")
    check_place(prefix.with_name(prefix.name + ".nc"))
    if prefix.exists() and not prefix.is_dir():
        raise ParameterError(f"--out {prefix} is a file; allowed: a PREFIX whose member directory {prefix}/ is a directory or does not exist yet")
    return prefix


# ---- one member --------------------------------------------------------------------------------
def reusable(path: Path, params: ModelParameters) -> bool:
    """Whether the run file ``path`` was written with ``params`` by this package version."""
    if not path.exists():
        return False
    try:
        attrs = run_attrs(path)
    except (OSError, ValueError, KeyError):  # unreadable: run it again
        return False
    stored = attrs.get("parameters")
    same = stored is not None and json.loads(stored) == json.loads(params.to_json())
    return same and attrs.get("package_version") == package_version()


def finished(path: Path, params: ModelParameters) -> bool:
    """Whether ``path`` holds the whole run of ``params`` in one file (every frame, merged)."""
    return reusable(path, params) and frame_count(path) == len(output_times_s(params)) and not tail_dir(path).exists()


def run_member(scenario: Scenario, params: ModelParameters, path: Path, topic: str | None = None) -> dict[str, Any]:
    """Run one member here: keep it if finished, resume it from its last frame if unfinished,
    else run it anew (replacing a file of other parameters or another package version).

    Parameters
    ----------
    topic
        In a dask worker: the event topic to which its start, frames and nuclei are logged
        (:meth:`distributed.Worker.log_event`); None: report nothing.

    Returns
    -------
    dict
        ``action`` ("kept", "resumed", "ran") and the run's :data:`MEMBER_ATTRS`.
    """
    import dask
    from threadpoolctl import threadpool_limits

    report = _reporter(topic, path.stem)
    if finished(path, params):
        action = "kept"
    else:
        resume = reusable(path, params)
        times = output_times_s(params)
        report(kind="start", resumed_at_s=float(times[frame_count(path) - 1]) if resume else None)
        mode = {"resume": True} if resume else {"overwrite": True}
        # one BLAS thread per member (members share the machine); dask's synchronous scheduler, or
        # xarray would lock every frame write through the cluster's scheduler (a distributed Lock)
        with threadpool_limits(limits=1), dask.config.set(scheduler="synchronous"):
            scenario.run(params, path, progress=lambda t, _total: report(kind="frame", t=float(t)), on_nucleus=lambda n: report(kind="nucleus", line=n.describe()), **mode)
        action = "resumed" if resume else "ran"
    attrs = run_attrs(path)
    return {"action": action, **{k: np.asarray(attrs[k]).item() for k in MEMBER_ATTRS if k in attrs}}


def _on_worker(scenario: Scenario, params: ModelParameters, path: Path, topic: str) -> dict[str, Any]:
    """:func:`run_member` as a task: the member's own error comes back as its outcome, on one
    line (``action`` "failed", ``error``), not as a failed task that the worker would log with
    its traceback."""
    try:
        return run_member(scenario, params, path, topic)
    except Exception as err:  # any failure of the member's run is reported, the other members go on
        return {"action": "failed", "error": f"{type(err).__name__}: {one_line(err)}"}


def _reporter(topic: str | None, label: str) -> Callable[..., None]:
    if topic is None:
        return lambda **_: None
    from distributed import get_worker

    worker = get_worker()
    return lambda **msg: worker.log_event(topic, {"member": label, **msg})


# ---- what the caller sees ----------------------------------------------------------------------
class _Monitor:
    """The sweep's reports: the members' simulated time together (``progress(done_s, total_s)``)
    and a line per member state change and nucleus (``on_member(line)``). Worker events arrive
    on the client's event-loop thread, results on the caller's: one lock for both."""

    def __init__(self, members: Sequence[Member], progress: Callable[[float, float], None] | None, on_member: Callable[[str], None] | None):
        self.done = {m.label: 0.0 for m in members}
        self.closed: set[str] = set()  # members whose result came: a late event changes nothing
        self.total = sum(m.params.duration_s for m in members)
        self.progress = progress
        self.on_member = on_member
        self.lock = threading.Lock()

    def _say(self, label: str, text: str) -> None:
        if self.on_member is not None:
            self.on_member(f"{label}: {text}")

    def _advance(self, label: str, t: float) -> None:
        self.done[label] = t
        if self.progress is not None:
            self.progress(sum(self.done.values()), self.total)

    def kept(self, member: Member) -> None:
        with self.lock:
            self._say(member.label, "kept (finished with the same parameters and package version)")
            self._advance(member.label, member.params.duration_s)

    def event(self, event: tuple[float, dict[str, Any]]) -> None:
        """A worker's event (:func:`run_member`), as :meth:`distributed.Client.subscribe_topic` gives it."""
        msg = event[1]
        label = msg["member"]
        with self.lock:
            if label in self.closed:
                return
            if msg["kind"] == "start":
                at = msg["resumed_at_s"]
                self._say(label, "started" if at is None else f"resumed at t = {at:.6g} s")
                self._advance(label, at or 0.0)
            elif msg["kind"] == "frame":
                self._advance(label, msg["t"])
            else:
                self._say(label, msg["line"])

    def finished(self, member: Member, outcome: dict[str, Any]) -> None:
        with self.lock:
            self.closed.add(member.label)
            detail = f"{outcome.get('n_nuclei', 0)} nuclei, {outcome.get('n_steps', 0)} steps, {outcome.get('wall_time_s', 0.0):.1f} s wall time of the run"
            self._say(member.label, f"done ({detail})" if outcome["action"] != "kept" else "kept (finished meanwhile)")
            self._advance(member.label, member.params.duration_s)

    def failed(self, member: Member, error: str) -> None:
        with self.lock:
            self.closed.add(member.label)
            self._say(member.label, f"failed: {error}")


# ---- the cluster -------------------------------------------------------------------------------
@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the scheduler at ``scheduler``, or of a LocalCluster of ``workers`` processes
    (closed with the block, however it ends)."""
    from distributed import Client, LocalCluster  # here: every command imports this module, few sweep

    if scheduler is None:
        # memory_limit 0: no worker is paused or restarted for its memory; plan() checked it
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=ONE_THREAD, memory_limit=0) as cluster:
            with Client(cluster, set_as_default=False) as client:
                yield client
        return
    with connect(scheduler) as client:
        yield client


def connect(address: str) -> Any:
    """A client of the scheduler at ``address``.

    Raises
    ------
    SchedulerUnreachable
        A malformed address, or no answer within :data:`CONNECT_TIMEOUT_S`.
    """
    from distributed import Client
    from distributed.comm import parse_address
    from distributed.comm.registry import get_backend

    allowed = "allowed: the address of a running dask scheduler (e.g. tcp://HOST:8786), or no --scheduler for a local cluster"
    try:
        get_backend(parse_address(address)[0])
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as err:  # anything the connection raises (OSError, ValueError, garbage from a non-dask server)
        raise SchedulerUnreachable(f"--scheduler {address} does not answer within {CONNECT_TIMEOUT_S:g} s ({type(err).__name__}: {one_line(err)}); {allowed}") from None


def _check_memory(members: Sequence[Member], workers: int) -> None:
    """Refuse local workers whose concurrent members would not fit in memory."""
    need = sum(sorted(grid_memory_bytes(m.params) for m in members)[-workers:])
    free = available_memory_bytes()
    if free is not None and need > free:
        raise ParameterError(
            f"workers = {workers} is not allowed: {min(workers, len(members))} members at once need ~{need / 2**30:.3g} GiB, {free / 2**30:.3g} GiB available; allowed: fewer --workers or a coarser grid"
        )


def _run(client: Any, scenario: Scenario, members: Sequence[Member], monitor: _Monitor) -> list[Member]:
    """Run ``members`` on ``client``'s cluster; returns those that failed."""
    from distributed import as_completed

    topic = f"nvp-growth-sweep-{uuid.uuid4().hex}"
    client.subscribe_topic(topic, monitor.event)
    failed = []
    try:
        futures = {client.submit(_on_worker, scenario, m.params, m.path, topic, key=f"{m.label}-{uuid.uuid4().hex}", pure=False): m for m in members}
        for future in as_completed(futures, loop=client.loop):
            member = futures[future]
            try:
                outcome = future.result()
            except Exception as err:  # the task itself was lost (its worker died 3 times: KilledWorker)
                outcome = {"action": "failed", "error": f"{type(err).__name__}: {one_line(err)}"}
            if outcome["action"] == "failed":
                monitor.failed(member, outcome["error"])
                failed.append(member)
            else:
                monitor.finished(member, outcome)
    finally:
        client.unsubscribe_topic(topic)
    return failed


# ---- the combined Dataset ----------------------------------------------------------------------
def combine(grid: Grid) -> xr.Dataset:
    """The members' runs along a dimension per key, written to ``PREFIX.nc``; returns it opened.

    Variables keep their meaning and units; each key is a coordinate with the key's units
    (:func:`phasefield.model.parameter_units.parameter_units`; list values as text); the
    runs' step counts, nuclei and wall times (:data:`MEMBER_ATTRS`) and their file names are
    variables over the keys. Runs of unequal shapes (another ``grid`` or ``duration_s``) are
    aligned on the union of their coordinates, NaN where a run has no value.
    """
    import dask

    shape = tuple(len(v) for v in grid.values)
    dims = [dimension_name(k) for k in grid.keys]
    paths = np.empty(shape, dtype=object)
    for m in grid.members:
        paths[m.index] = str(m.path)
    coords = {dim: (dim, _coordinate(values), _coordinate_attrs(grid, key)) for dim, key, values in zip(dims, grid.keys, grid.values)}
    per_member = _member_variables(grid, dims, shape)
    with dask.config.set(scheduler="synchronous"):  # netCDF reads are not thread-safe; the cluster is closed
        with xr.open_mfdataset(
            paths.tolist(),
            engine="h5netcdf",  # read through h5py while netCDF-C writes the combined file
            combine="nested",
            concat_dim=dims,
            data_vars="all",
            coords="different",
            compat="equals",
            join="outer",
            combine_attrs="drop_conflicts",
            decode_timedelta=False,
            drop_variables=RESUME_VARIABLES,
        ) as runs:
            # the keys first, in the order given (xarray's nested combine puts the innermost first)
            combined = runs.drop_encoding().assign_coords(coords).assign(per_member).transpose(*dims, ...)
            for name in (*MEMBER_ATTRS, *_RUN_ONLY_ATTRS):
                combined.attrs.pop(name, None)
            combined.attrs.update(
                title=f"nvp-growth sweep of {grid.scenario.name} over {', '.join(grid.keys)}",
                sweep=json.dumps({"scenario": grid.scenario.name, "over": {k: [_jsonable(v) for v in vals] for k, vals in zip(grid.keys, grid.values)}}),
                history=f"written by nvp-growth {package_version()} (scenarios.sweep) from the runs in {grid.prefix.name}/",
                base_parameters=grid.base.to_json(),
            )
            write_dataset(grid.combined_path, combined)
    # lazy, through h5py: netCDF-C is not reentrant (phasefield.open_run)
    return xr.open_dataset(grid.combined_path, engine="h5netcdf", decode_timedelta=False)


def _coordinate(values: tuple[Any, ...]) -> np.ndarray:
    if any(isinstance(v, tuple) for v in values):
        return np.array([value_text(v) for v in values], dtype=object)
    return np.array(values)


def _coordinate_attrs(grid: Grid, key: str) -> dict[str, str]:
    what = "values, comma-separated" if any(isinstance(v, tuple) for v in grid.values[grid.keys.index(key)]) else "value"
    return {"units": parameter_units(grid.scenario.parameters, key), "long_name": f"swept parameter {key} ({what})"}


def _member_variables(grid: Grid, dims: list[str], shape: tuple[int, ...]) -> dict[str, xr.Variable]:
    out: dict[str, xr.Variable] = {}
    attrs = {m.index: run_attrs(m.path) for m in grid.members}
    for name, meaning in MEMBER_ATTRS.items():
        if all(name in a for a in attrs.values()):
            data = np.empty(shape, dtype=float if name == "wall_time_s" else np.int64)
            for index, a in attrs.items():
                data[index] = a[name]
            out[name] = xr.Variable(dims, data, {"units": "s" if name == "wall_time_s" else "1", "long_name": f"{meaning} of each member"})
    files = np.empty(shape, dtype=object)
    for m in grid.members:
        files[m.index] = str(m.path.relative_to(grid.prefix.parent))
    out["run_file"] = xr.Variable(dims, files, {"units": "1", "long_name": "run file of each member, relative to this file"})
    return out


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ---- the sweep ---------------------------------------------------------------------------------
def sweep(
    scenario: Scenario | str,
    over: Mapping[str, str | Sequence[Any]],
    base: ModelParameters | Mapping[str, Any] | Sequence[str] = (),
    out: str | Path | None = None,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: Callable[[float, float], None] | None = None,
    on_member: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Run a scenario for every combination of values, one process per member.

    Parameters
    ----------
    scenario, over, base, out
        As :func:`plan`: the scenario, key -> values, the shared parameters, ``PREFIX``.
    scheduler
        Address of a running dask scheduler (``tcp://HOST:8786``); its workers need this
        package and the member files' directory. None: a LocalCluster of ``workers``
        processes, started only if some member needs running, closed at the end.
    workers
        Processes of the LocalCluster (at most one per member to run).
    progress
        ``progress(done_s, total_s)``: the simulated time of all members together, after
        every frame of any member.
    on_member
        ``on_member(line)``: a line per member state change (kept, started, resumed at t,
        done, failed) and per nucleus, starting with the member's ``key=value`` label.

    Returns
    -------
    xarray.Dataset
        The combined Dataset (:func:`combine`), read lazily from ``PREFIX.nc``.

    Raises
    ------
    ParameterError
        Bad input (:func:`plan`; ``workers`` below 1 or too many for the memory), before
        any cluster starts and any file is written.
    SchedulerUnreachable
        The scheduler does not answer (nothing written).
    SweepIncomplete
        Some members failed (each reported through ``on_member``); the others are kept
        and the combined Dataset is not written.
    phasefield.RunInterrupted
        Ctrl-C: the cluster is closed; the members' finished frames are kept and the next
        sweep resumes them.
    """
    refuse_in_parallel("a sweep", "run it without mpirun (its members run in worker processes: --workers N)")
    if not (isinstance(workers, int) and workers >= 1):
        raise ParameterError(f"workers = {show(workers)} is not allowed; allowed: an integer >= 1")
    grid = plan(scenario, over, base, out)
    todo = [m for m in grid.members if not finished(m.path, m.params)]
    if scheduler is None and todo:
        _check_memory(todo, workers)
    monitor = _Monitor(grid.members, progress, on_member)
    with contextlib.ExitStack() as stack:
        if todo or scheduler is not None:  # a scheduler is asked even with nothing to run: a wrong address is said at once
            stack.enter_context(_interrupt_as_run_interrupted())
            client = stack.enter_context(_client(scheduler, min(workers, max(len(todo), 1))))
        for member in grid.members:
            if member.label not in {m.label for m in todo}:
                monitor.kept(member)
        if todo:
            grid.prefix.mkdir(exist_ok=True)
            failed = _run(client, grid.scenario, todo, monitor)
            if failed:
                labels = "; ".join(m.label for m in failed)
                raise SweepIncomplete(f"{len(failed)} of {len(grid.members)} members failed ({labels}); the others are in {grid.prefix}/; run the sweep again to retry the failed ones")
    return combine(grid)


@contextlib.contextmanager
def _interrupt_as_run_interrupted() -> Iterator[None]:
    """Ctrl-C or SIGTERM while members run: :class:`phasefield.RunInterrupted` ends the block, so
    that the cluster closes, and the user reads one line. Outside the main thread signals
    cannot be caught: Ctrl-C is then left as it is."""

    def stop(signum: int) -> RunInterrupted:
        return RunInterrupted("sweep interrupted; the members' finished frames are kept; run the same sweep again to resume them", signum)

    def on_sigterm(signum, _frame):
        raise stop(signum)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main else None
    try:
        yield
    except KeyboardInterrupt as err:
        if isinstance(err, RunInterrupted):
            raise
        raise stop(signal.SIGINT) from None
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)

"""The run driver: frames at output times, nucleation events, resume, clean stop on signals.

:func:`run` advances a :class:`phasefield.numerics.stepping.Simulation` from frame to
frame, samples nucleation at its interval, writes every frame through
:mod:`phasefield.io.output`, and resumes a run from its last frame.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits

from .io import output
from .io.output import RESUME_VARIABLES, append_frame, last_frame, open_run, resume_state
from .model.grains import Microstructure
from .model.nucleation import Nucleus
from .model.parameters import ModelParameters
from .numerics.allocation import reuse_heap_memory
from .numerics.backend import require_parallel_backend
from .numerics.guards import FieldFault
from .numerics.parallel import Ranks, ranks as mpi_ranks
from .io.frames import grain_table_attribute, resume_fields
from .model.tracking import GrainTable
from .numerics.stepping import Simulation, SimulationError, State, check_slots

CONSERVATION_TOLERANCE = 1e-8
"""Largest drift of a species' integral, relative to the total amount of units, that a run
accepts; the transport conserves it to round-off (~1e-13 over a default run), so more means
a fault (a non-finite or corrupted field), and the run stops with its frames kept."""

log = logging.getLogger(__name__)


def output_times_s(p: ModelParameters) -> np.ndarray:
    """Frame times: 0, interval, 2 interval, ..., ending exactly at the duration."""
    n = math.ceil(p.duration_s / p.output_interval_s - 1e-9)
    return np.minimum(np.arange(n + 1) * p.output_interval_s, p.duration_s)


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a run at a safe point; the run file holds every finished frame.

    ``str()`` is the one line for the user; ``signum`` the signal (exit status 128 + signum).
    """

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum = signum

    def __reduce__(self):  # picklable (a sweep's worker process sends it back)
        return type(self), (str(self), self.signum)


def _interrupted(signum: int, time_s: float, last_frame_s: float, out: Path | None) -> RunInterrupted:
    return RunInterrupted(f"interrupted at t = {time_s:.6g} s; frames up to {last_frame_s:.6g} s are in {out}; continue with --resume", signum)


@dataclass
class _StopRequest:
    """The signal asking the run to stop (0: none yet)."""

    signum: int = 0


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[_StopRequest]:
    """Turn SIGINT and SIGTERM into a stop request checked at safe points; ignore SIGXFSZ.

    With SIGXFSZ ignored, a write past the file-size limit fails with EFBIG (reported as
    disk full) instead of killing the process. Outside the main thread signals cannot be
    caught: the request then never comes.
    """
    request = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def ask(signum, _frame):
        request.signum = signum

    wanted = {signal.SIGINT: ask, signal.SIGTERM: ask, signal.SIGXFSZ: signal.SIG_IGN}
    previous = {sig: signal.signal(sig, handler) for sig, handler in wanted.items()}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stopping_before_steps(step: Callable, request: _StopRequest, stop: Callable[[], None], ranks: Ranks) -> Callable:
    """``step`` that first calls ``stop`` (which raises) once a stop was requested: the step
    under way finishes, the next one does not start. Under MPI a request to any rank stops
    all of them before the same step (they would otherwise wait for each other in a solve)."""

    def checked(*args, **kwargs):
        if ranks.max(request.signum):
            stop()
        return step(*args, **kwargs)

    return checked


def run(
    params: ModelParameters,
    micro: Microstructure,
    out: str | Path | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[float, float], None] | None = None,
    on_frame: Callable[[int, xr.Dataset], None] | None = None,
    on_nucleus: Callable[[Nucleus], None] | None = None,
    until: Callable[[xr.Dataset], bool] | None = None,
    threads: int = 1,
) -> xr.Dataset:
    """Run a simulation, appending frames to ``out`` as it goes.

    Parameters
    ----------
    params
        Parameters (validated on construction).
    micro
        Initial microstructure.
    out
        netCDF file to write (see :mod:`phasefield.io.output`); ``None`` keeps
        frames in memory only. The run holds a lock on it: a second run on the
        same file is refused (:class:`phasefield.io.output.RunLocked`).
    resume
        Continue the run recorded in ``out`` from its last frame (the
        parameters must be the same).
    overwrite
        Replace an existing ``out`` (under the lock, so never one being written).
    progress
        Called as ``progress(time_s, duration_s)`` after every frame.
    on_frame
        Called as ``on_frame(index, frame)`` after each frame is written; ``frame`` carries the
        run's attributes at that frame (``n_steps``, ``n_rejected_steps``, ``wall_time_s``, ...).
    on_nucleus
        Called as ``on_nucleus(nucleus)`` for each nucleus planted (NVP, or a crystal in the amorphous precursor)
        (:class:`phasefield.model.nucleation.Nucleus`: formation time, grain slot,
        centre, radius, orientation), right after it is planted.
    until
        Called as ``until(frame)`` with each frame (the first included, and on resume the
        last one written); True ends the run there, before ``duration_s`` (a stop criterion
        such as a consumed precursor). The run file then ends at that frame.
    threads
        BLAS and OpenMP threads during the run (threadpoolctl; restored after). One by
        default: the solves are small sparse work, and two BLAS threads fighting for a busy
        core made a 128^2 step 13-80x slower (the dot products of CG); one costs nothing
        on a quiet machine (``benchmarks/bench_threads.py``).

    Under ``mpirun -np N`` (``backend="fipy"`` only, see :mod:`phasefield.numerics.parallel`)
    every rank steps the same replicated state and the solves are distributed; rank 0 alone
    takes the lock, writes ``out`` and calls ``progress``, ``on_frame`` and ``on_nucleus``;
    every rank returns the run.

    Returns
    -------
    xarray.Dataset
        The whole run (read back from ``out`` when given).

    Raises
    ------
    RunInterrupted
        SIGINT or SIGTERM (main thread only): raised after the step under way
        or the frame write under way; the finished frames are merged into ``out``.
    phasefield.io.output.DiskFull, phasefield.io.output.OutputPlaceError
        No room to write; ``out`` is a directory or in a missing or read-only one.
    SimulationError
        The run cannot go on; the finished frames are merged into ``out``. Its subclass
        :class:`phasefield.numerics.guards.FieldFault`: a NaN or inf in a field (raised at
        the step that made it) or order parameters out of their bounds
        (:func:`phasefield.numerics.guards.out_of_bounds`, checked after every step).
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads = {threads!r} is not allowed; allowed: an integer >= 1")
    check_slots(params, micro)
    ranks = mpi_ranks()
    require_parallel_backend(params, ranks)
    if not ranks.is_root:  # reports come from rank 0
        progress = on_frame = on_nucleus = None
    reuse_heap_memory()  # a step's big temporaries reuse heap memory (numerics.allocation)
    if out is None:
        _check_start(None, resume)
        with threadpool_limits(limits=threads):
            in_memory = _run_frames(params, micro, None, resume, _StopRequest(), progress, on_frame, on_nucleus, ranks, until)
        ranks.release_solvers()
        return in_memory
    out = Path(out)
    with contextlib.ExitStack() as held:
        ranks.agree(lambda: _start_file(held, out, resume, overwrite))
        request = held.enter_context(_stop_on_signals())
        held.enter_context(threadpool_limits(limits=threads))
        try:
            _run_frames(params, micro, out, resume, request, progress, on_frame, on_nucleus, ranks, until)
        except BaseException:
            if ranks.is_root:
                _merge_keeping_error(out)
            raise
        ranks.agree(lambda: output.merge(out))
    ranks.release_solvers()
    return open_run(out)


def _start_file(held: contextlib.ExitStack, out: Path, resume: bool, overwrite: bool) -> None:
    """Take the lock on ``out`` (held until ``held`` closes), replace or tidy it, and check that
    it can be started or resumed (on rank 0 alone under MPI)."""
    output.check_place(out)
    held.enter_context(output.locked(out))
    if overwrite:
        output.remove_run(out)
    output.tidy(out)
    _check_start(out, resume)


def _check_start(out: Path | None, resume: bool) -> None:
    """Resume needs a run file; a new run must not replace one."""
    if resume and (out is None or not out.exists()):
        raise FileNotFoundError(f"--resume needs an existing run file; {out} does not exist")
    if not resume and out is not None and out.exists():
        raise FileExistsError(f"{out} exists; pass resume=True (--resume) to continue it or choose another file")


def _merge_keeping_error(out: Path) -> None:
    """Merge the tail after a failure; a failing merge is logged, not raised over the first error."""
    if not out.exists():
        return
    try:
        output.merge(out)
    except Exception as err:  # the frames stay in the tail, which open_run and --resume read
        log.info("%s", err)


def _run_frames(
    params: ModelParameters,
    micro: Microstructure,
    out: Path | None,
    resume: bool,
    request: _StopRequest,
    progress: Callable[[float, float], None] | None = None,
    on_frame: Callable[[int, xr.Dataset], None] | None = None,
    on_nucleus: Callable[[Nucleus], None] | None = None,
    ranks: Ranks | None = None,
    until: Callable[[xr.Dataset], bool] | None = None,
) -> xr.Dataset | None:
    """The frame loop of :func:`run`; returns the in-memory run when ``out`` is None.

    Under MPI, rank 0 alone writes ``out``, and after each frame the ranks check that their
    replicated states are the same bit for bit (:class:`phasefield.numerics.parallel.RanksDiverged`)."""
    ranks = ranks or Ranks()
    sim = Simulation(params, micro)
    times = output_times_s(params)
    to_solver = 1.0 / sim.units.time_s
    rng = np.random.default_rng(params.seed)
    frames: list[xr.Dataset] = []
    wall0 = time.perf_counter()
    wall_before = 0.0
    if resume:
        state, rng, first, wall_before = _load_state(sim, out)
    else:
        state = sim.initial_state()
        first = 1
        frame = _emit(sim, state, rng, out, frames, 0, wall_before, on_frame, ranks)
    written = [float(times[first - 1])]  # time of the last finished frame, for the stop message
    if until is not None and until(sim.frame(state) if resume else frame):
        first = len(times)  # the criterion already holds: no step
    totals = state.n.sum(axis=1)  # conserved: checked at every frame

    def stop() -> None:
        raise _interrupted(request.signum, sim.time_s(state), written[-1], out)

    sim.take_step = _stopping_before_steps(sim.take_step, request, stop, ranks)
    nuc_dt = params.nucleation_interval_s * to_solver
    for index in range(first, len(times)):
        t_frame = times[index] * to_solver
        sim.reset_solvers(state)
        while state.time < t_frame:
            t_nuc = state.nucleation_index * nuc_dt
            target = min(t_frame, t_nuc)
            try:
                state = sim.advance(state, target)
            except FieldFault as fault:  # NaN, inf or out of bounds: stopped at the step that made it
                raise FieldFault(f"{fault}; the frames up to t = {written[-1]:.6g} s are kept") from None
            if state.time >= t_nuc - 1e-12 * max(t_nuc, 1.0):
                for nucleus in sim.nucleate(state, rng):
                    if on_nucleus is not None:
                        on_nucleus(nucleus)
                state.nucleation_index += 1
        _check_conservation(state, totals, sim.time_s(state), written[-1])
        _require_same_state(ranks, state, sim.time_s(state))
        wall = wall_before + time.perf_counter() - wall0
        frame = _emit(sim, state, rng, out, frames, index, wall, on_frame, ranks)
        written.append(float(times[index]))
        if progress is not None:
            progress(sim.time_s(state), params.duration_s)
        if until is not None and until(frame):
            if progress is not None:  # the run ends here: a progress bar completes at this time
                progress(sim.time_s(state), sim.time_s(state))
            break
        if ranks.max(request.signum) and index < len(times) - 1:
            stop()
    if out is None:
        return xr.concat(frames, dim="time", data_vars="minimal", coords="minimal", compat="override").assign_attrs(frames[-1].attrs)
    return None


def _check_conservation(state: State, totals: np.ndarray, time_s: float, last_frame_s: float) -> None:
    drift = np.abs(state.n.sum(axis=1) - totals) / max(float(np.abs(totals).sum()), 1e-300)
    if not (drift.max() <= CONSERVATION_TOLERANCE):
        raise SimulationError(
            f"the conserved amounts drifted by {drift.max():.2g} of the total at t = {time_s:.6g} s (allowed: "
            f"{CONSERVATION_TOLERANCE:g}); the frames up to t = {last_frame_s:.6g} s are kept"
        )


def _require_same_state(ranks: Ranks, state: State, time_s: float) -> None:
    """Every rank's replicated state is the same bit for bit (else all raise RanksDiverged)."""
    scalars = np.array([state.time, state.dt, state.error, state.n_steps, state.n_rejected, state.nuclei, state.crystals, state.refused])
    ranks.require_identical(f"fields at t = {time_s:.6g} s", state.eta, state.n, state.orientation_deg, state.active, state.grains.owner, scalars)


def _emit(sim: Simulation, state: State, rng, out, frames, index: int, wall: float, on_frame, ranks: Ranks) -> xr.Dataset:
    """Write (or keep) the frame of ``state`` with the run's attributes; returns the frame."""
    ds = sim.frame(state)
    previous = sim.bdf2_previous(state)
    attrs = sim.static_attrs()
    attrs.update(
        n_steps=state.n_steps,
        n_rejected_steps=state.n_rejected,
        n_nuclei=state.nuclei,
        n_refused_nuclei=state.refused,
        n_crystal_nuclei=state.crystals,
        n_merged_crystal_nuclei=state.merged,
        nucleus_formation_times_s=json.dumps(state.formed_s),
        nucleus_sites_nm=json.dumps(state.sites_nm),
        n_reassigned_grains=state.reassigned,
        n_unresolved_contacts=len(state.unresolved),
        grain_table=grain_table_attribute(state.grains),
        wall_time_s=wall,
        resume_state=json.dumps(
            {
                "frame": index,
                "time": state.time,
                "dt": state.dt,
                "error": state.error,
                "n_steps": state.n_steps,
                "n_rejected": state.n_rejected,
                "nucleation_index": state.nucleation_index,
                "nuclei": state.nuclei,
                "refused": state.refused,
                "crystals": state.crystals,
                "merged": state.merged,
                "formed_s": state.formed_s,
                "sites_nm": state.sites_nm,
                "grains": state.grains.records(),
                "reassigned": state.reassigned,
                "unresolved": state.unresolved,
                "bdf2_memory": sim.bdf2_memory(state),
                "bdf2_previous": previous is not None,  # the file holds RESUME_VARIABLES for this frame
                "rng": rng.bit_generator.state,
                "wall_time_s": wall,
            }
        ),
    )
    framed = ds.assign_attrs(attrs)  # a shallow copy: the frame with the run's attributes at it
    if out is not None:
        stored = ds if previous is None else ds.assign(resume_fields(sim.grid, *previous))
        ranks.agree(lambda: append_frame(out, stored, attrs))
    else:
        frames.append(framed)
    if on_frame is not None:
        on_frame(index, framed)
    return ds


def _load_state(sim: Simulation, path: Path):
    last = last_frame(path)
    rs = resume_state(path)
    stored = json.loads(last.attrs["parameters"])
    if stored != json.loads(sim.params.to_json()):
        diff = sorted(k for k in stored if stored.get(k) != json.loads(sim.params.to_json()).get(k))
        raise ValueError(f"{path} was written with different parameters ({', '.join(diff)}); resume needs the same ones")
    cells = sim.grid.coords_nm.shape[1]
    eta = np.asarray(last["eta"].values, dtype=float).reshape(len(sim.grains), cells)
    n = np.asarray(last["n"].values, dtype=float).reshape(-1, cells)
    state = State(
        time=rs["time"],
        eta=eta,
        n=n,
        orientation_deg=np.asarray(last["orientation"].values, dtype=float),
        active=np.asarray(last["active"].values).astype(bool),
        dt=rs["dt"],
        error=rs.get("error", 1.0),
        n_steps=rs["n_steps"],
        n_rejected=rs["n_rejected"],
        nucleation_index=rs["nucleation_index"],
        nuclei=rs["nuclei"],
        refused=rs.get("refused", 0),
        crystals=rs.get("crystals", 0),
        merged=rs.get("merged", 0),
        formed_s=list(rs.get("formed_s", [])),
        sites_nm=list(rs.get("sites_nm", [])),
        reassigned=rs.get("reassigned", 0),
        unresolved=list(rs.get("unresolved", [])),
    )
    owner = np.asarray(last["grain_id"].values, dtype=np.int64).reshape(len(sim.grains), cells)
    state.grains = GrainTable.from_records(owner, rs["grains"])
    sim.retrack(state)
    previous = None
    if rs.get("bdf2_previous") and all(name in last.variables for name in RESUME_VARIABLES):
        previous = tuple(last[name].values.reshape(field.shape) for name, field in zip(RESUME_VARIABLES, (eta, n)))
    sim.restore_bdf2_memory(rs.get("bdf2_memory", []), previous)
    rng = np.random.default_rng()
    rng.bit_generator.state = rs["rng"]
    return state, rng, rs["frame"] + 1, rs["wall_time_s"]

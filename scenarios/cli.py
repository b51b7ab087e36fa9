"""The ``nvp-growth`` command line.

    nvp-growth [--version] [--debug] list
    nvp-growth run NAME [--out FILE.nc] [--grid N] [--seed S] [--set key=value ...]
                        [--params FILE.toml] [--resume | --overwrite] [--show-params]
    nvp-growth sweep NAME --over key=v1,v2,... [--over key2=...] [--scheduler ADDRESS | --workers N]
                          [--out PREFIX] [--grid N] [--seed S] [--set key=value ...] [--params FILE.toml]
    nvp-growth crystal-report [--cif PHASE=PATH ...]
    nvp-growth movie RUN.nc [--out FILE.mp4|.gif] [--view phases|c|tem] [--fps N]
                            [--region x0,x1,y0,y1] [--pixel NM] [--thickness NM] [-q]
    nvp-growth tem RUN.nc --time T [--region x0,x1,y0,y1] [--pixel NM] [--spots N]
                          [--thickness NM] [--out FILE.png|.svg|.pdf]
    nvp-growth plot RUN.nc|SUMMARY.nc [--out FILE.png|.svg|.pdf]
    nvp-growth export RUN.nc --time T --out FILE [...]     (scenarios/structure_commands.py)
    nvp-growth hrtem --out FILE.png|FILE.nc [...]

Bad input (unknown scenario, key or phase, a value refused by validation, a
malformed override, a grid too large for the memory, an unreadable TOML, CIF or
scenario file, a scheduler that does not answer; for the views a file that is not a run, a time outside
the run, an unknown view, a region outside the box, an unsupported extension) is reported on one line with the
parameter or file, the value and what is allowed, before any work starts; the exit status is then 2. ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from phasefield import RunInterrupted, SimulationError, apply_overrides
from phasefield.io.output import RunFileError, check_place
from phasefield.model.values import ParameterError, one_line
from phasefield.model.phases import REGISTRY
from phasefield.numerics.backend import require_parallel_backend
from phasefield.numerics.parallel import launched_rank, ranks, refuse_in_parallel

NUCLEATION = REGISTRY.nucleation

from .registry import get, scenarios
from .sweep import SweepIncomplete, sweep
from .structure_commands import add_commands, cif_options, run_command


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nvp-growth")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, like every other refusal (subcommand parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"nvp-growth: error: {one_line(message)} (see {self.prog} --help)\n" if launched_rank() == 0 else None)


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="nvp-growth", description="Phase-field growth of Na3V2(PO4)3 from NH4VO3 and NaH2PO4 (in situ TEM scenarios).")
    ap.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    ap.add_argument("--debug", action="store_true", help="on an error, show the traceback instead of one line")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the scenarios and what they reproduce")
    names = ", ".join(sorted(scenarios()))
    run = sub.add_parser(
        "run",
        help="run a scenario (a name from `list` or a .py file defining SCENARIO)",
        description=f"Run a scenario: one of {names}, or a .py file defining SCENARIO. "
        "See its parameters and their defaults with --show-params; change them with --params and --set.",
    )
    run.add_argument("name", help=f"{names}, or path/to/file.py")
    run.add_argument("--out", type=Path, help="netCDF file to write (default: NAME.nc)")
    _add_parameter_options(run)
    group = run.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its last frame")
    group.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    run.add_argument("--show-params", action="store_true", help="print the resolved parameters and exit")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress line and no nucleation lines")
    sweep_ = sub.add_parser(
        "sweep",
        help="run a scenario for every combination of parameter values, one process per member (dask.distributed)",
        description="Run a scenario once per combination of the --over values, each in a worker process, one run file per member, "
        "then combine them with a dimension per key. Members finished with the same parameters and package version are kept, "
        "unfinished ones resume from their last frame.",
    )
    sweep_.add_argument("name", help=f"{names}, or path/to/file.py (not a sweep itself)")
    sweep_.add_argument("--over", action="append", required=True, metavar="KEY=V1,V2,...", help="values of a parameter, each read as --set reads it (values of a list parameter separated by ';'); several --over: every combination")
    where = sweep_.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on the dask scheduler at ADDRESS (default: a local cluster)")
    where.add_argument("--workers", type=int, default=2, metavar="N", help="processes of the local cluster (default: 2)")
    sweep_.add_argument("--out", type=Path, metavar="PREFIX", help="member runs in PREFIX/KEY=VALUE,....nc, the combined Dataset in PREFIX.nc (default: NAME)")
    _add_parameter_options(sweep_)
    sweep_.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no member lines")
    report = sub.add_parser("crystal-report", help="the paper's crystallographic numbers beside what the structures give")
    report.add_argument("--cif", action="append", default=[], metavar="PHASE=PATH", help="a CIF for a phase (e.g. NH4VO3=nh4vo3.cif)")
    _view_parsers(sub)
    add_commands(sub)
    return ap


def _view_parsers(sub) -> None:
    """The parsers of ``movie``, ``tem`` and ``plot`` (phasefield.view)."""
    from phasefield.view.movie import MOVIE_FORMATS, VIEWS
    from phasefield.view.outputs import FIGURE_FORMATS
    from phasefield.view.tem import DEFAULT_PIXEL_NM

    optics = argparse.ArgumentParser(add_help=False)
    optics.add_argument("--region", metavar="x0,x1,y0,y1", help="part of the box to show, nm (default: all of it)")
    optics.add_argument("--pixel", type=float, default=DEFAULT_PIXEL_NM, metavar="NM", help=f"pixel of the TEM-like image, nm (default {DEFAULT_PIXEL_NM})")
    optics.add_argument("--thickness", type=float, default=20.0, metavar="NM", help="specimen thickness for the mass-thickness contrast, nm (default 20)")
    optics.add_argument("--cif", action="append", default=[], metavar="PHASE=PATH", help="a CIF whose atoms and cell set a phase's density (NH4VO3: else Z = 4, not read)")
    movie = sub.add_parser("movie", parents=[optics], help="a movie of every frame of a run (also of one still being written)")
    movie.add_argument("run", type=Path, help="run file (RUN.nc)")
    movie.add_argument("--out", type=Path, help=f"movie to write, {' or '.join(MOVIE_FORMATS)} (default: RUN.mp4)")
    movie.add_argument("--view", choices=VIEWS, default="phases", help="phases (colour per phase), c (P-bearing fraction) or tem (TEM-like image)")
    movie.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    movie.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    tem = sub.add_parser("tem", parents=[optics], help="a TEM-like image of one frame and the strongest FFT spots of a region")
    tem.add_argument("run", type=Path, help="run file (RUN.nc)")
    tem.add_argument("--time", type=float, required=True, help="time of the frame, s (the nearest frame is drawn)")
    tem.add_argument("--spots", type=int, default=6, help="how many FFT spots to list (default 6)")
    tem.add_argument("--out", type=Path, help=f"figure to write, {', '.join(FIGURE_FORMATS)} (default: RUN_t<time>s.png)")
    plot = sub.add_parser("plot", help="the timeline of a run, or NVP fraction vs hold temperature of a threshold summary")
    plot.add_argument("run", type=Path, help="run file, or the summary of a threshold sweep")
    plot.add_argument("--out", type=Path, help=f"figure to write, {', '.join(FIGURE_FORMATS)} (default: RUN.png)")


def _add_parameter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grid", type=int, help="cells along x (resolution; the box size stays)")
    parser.add_argument("--seed", type=int, help="random seed (nucleation)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a parameter; lists comma-separated; pairs as key.A/B=value")
    parser.add_argument("--params", type=Path, help="TOML file of parameters (applied before --set)")


def _parameters(args, scenario):
    """The scenario's parameters from --params, then --set, --grid and --seed."""
    cls = scenario.parameters
    params = cls.from_toml(args.params) if args.params else cls()
    overrides = list(args.overrides)
    if args.grid is not None:
        overrides.append(f"grid={args.grid}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    return apply_overrides(params, overrides)


def _resolve(args) -> tuple[object, object, Path]:
    scenario = get(args.name)
    params = _parameters(args, scenario)
    out = args.out or Path(f"{scenario.name}.nc")
    if out.exists() and not (args.resume or args.overwrite or args.show_params):
        raise FileExistsError(f"--out {out} exists; allowed: --resume to continue it, --overwrite to replace it, or another --out")
    if args.resume and not out.exists():
        raise FileNotFoundError(f"--resume: {out} does not exist; run without --resume to start it")
    return scenario, params, out


ETA_FRAMES = 4
"""Frames over which the ETA's rate (wall time per simulated second) is measured. That cost is
not steady: `epitaxy --grid 64 --set duration_s=12` took 26-38 wall s per simulated s up to
6 s, 60-108 from the approach to T_c through the nucleation at 7.6 s to 10.5 s, and 20-38 in
the last 1.5 s. The mean since the start lags such a change by the whole run; the last 4 frames
(2 simulated s at the default interval) catch up with it within a few frames. Neither foresees
a change to come: the ETA is the current pace, not a forecast."""


def remaining_wall_s(samples: Sequence[tuple[float, float]], total_s: float) -> float | None:
    """Wall time left to reach ``total_s`` at the rate of ``samples``.

    Parameters
    ----------
    samples
        (wall time, simulated time) in s, oldest first: the last frames.
    total_s
        Simulated time at the end of the run.

    Returns
    -------
    float or None
        (total_s - newest simulated time) x wall time per simulated second between the oldest and
        the newest sample; None while the samples span no simulated time.
    """
    (wall0, sim0), (wall1, sim1) = samples[0], samples[-1]
    if not sim1 > sim0:
        return None
    return max(total_s - sim1, 0.0) * (wall1 - wall0) / (sim1 - sim0)


class _Progress:
    """The progress line on stderr: simulated time / duration, elapsed wall time and the ETA; a
    line above it for each nucleus."""

    def __init__(self, name: str, duration_s: float):
        from tqdm import tqdm

        self.bar = tqdm(total=duration_s, desc=name, file=sys.stderr, bar_format="{desc}: {percentage:3.0f}%|{bar}| t = {n:.4g}/{total:.4g} s [{elapsed}{postfix}]")
        self.samples: deque[tuple[float, float]] = deque(maxlen=ETA_FRAMES + 1)

    def frame(self, done: float, total: float) -> None:
        """``progress`` of :func:`phasefield.run`: called after every frame."""
        self.samples.append((time.perf_counter(), done))
        left = remaining_wall_s(self.samples, total)
        self.bar.total, self.bar.n = total, done
        self.bar.set_postfix_str("" if left is None else f"ETA {self.bar.format_interval(left)}", refresh=False)
        self.bar.refresh()

    def nucleus(self, nucleus) -> None:
        """``on_nucleus`` of :func:`phasefield.run`: one line, above the bar."""
        self.note(nucleus.describe())

    def note(self, line: str) -> None:
        """A line above the bar."""
        self.bar.write(line, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def _cmd_list() -> int:
    for name, sc in sorted(scenarios().items()):
        print(f"{name:12s} {sc.summary}")
    return 0


def _cmd_run(args) -> int:
    if args.out is not None and not args.show_params:
        check_place(args.out)  # a directory, a missing or read-only one: said before anything else
    scenario, params, out = _resolve(args)
    if scenario.is_sweep:
        refuse_in_parallel(f"scenario {scenario.name} (a sweep)", "run it without mpirun (its members run in worker processes)")
    else:
        require_parallel_backend(params, ranks())  # as phasefield.run does, but before the progress bar
    if args.show_params:
        for key, value in params.to_dict().items():
            print(f"{key} = {value}")
        return 0
    options = {"overwrite": True} if args.overwrite else {}  # removed under the run's lock
    display = None
    if not args.quiet and launched_rank() == 0:  # under mpirun, rank 0 reports
        display = _Progress(scenario.name, params.duration_s)
        options.update(progress=display.frame, **({"on_member": display.note} if scenario.is_sweep else {"on_nucleus": display.nucleus}))
    try:
        ds = scenario.run(params, out, resume=args.resume, **options)
    finally:
        if display is not None:
            display.close()
    if launched_rank() != 0:
        return 0
    print(f"wrote {out}")
    if scenario.is_sweep:
        print(_per_member(ds))
    elif "phase_fraction" in ds:
        final = ds.phase_fraction.isel(time=-1)
        print("final area fractions: " + ", ".join(f"{ph}={float(final.sel(phase=ph)):.3f}" for ph in (NUCLEATION.parent, NUCLEATION.partner, NUCLEATION.product)))
        print(f"steps: {ds.attrs.get('n_steps')}, nuclei: {ds.attrs.get('n_nuclei')}, wall time: {ds.attrs.get('wall_time_s', 0):.1f} s")
    else:
        print(ds)
    return 0


def _over(items: Sequence[str]) -> dict[str, str]:
    """``--over KEY=V1,V2,...`` items as key -> the text of the values."""
    over: dict[str, str] = {}
    for item in items:
        key, eq, values = item.partition("=")
        if not eq or not key.strip():
            raise ParameterError(f"--over {item!r} is malformed; allowed: KEY=V1,V2,...")
        if key.strip() in over:
            raise ParameterError(f"--over {key.strip()} is given twice; allowed: each key once (its values in one list)")
        over[key.strip()] = values
    return over


def _cmd_sweep(args) -> int:
    scenario = get(args.name)
    base = _parameters(args, scenario)
    shown: list[_Progress] = []  # the bar appears with the first report: bad input shows none

    def display() -> _Progress:
        if not shown:
            shown.append(_Progress(f"sweep {scenario.name}", 1.0))
        return shown[0]

    reports = {} if args.quiet else {"progress": lambda done, total: display().frame(done, total), "on_member": lambda line: display().note(line)}
    try:
        ds = sweep(scenario, _over(args.over), base, args.out, scheduler=args.scheduler, workers=args.workers, **reports)
    finally:
        for bar in shown:
            bar.close()
    combined = Path(ds.encoding["source"])
    print(f"wrote {combined} ({ds.run_file.size} members; their runs are in {combined.with_suffix('')}/)")
    print(_per_member(ds))
    return 0


def _per_member(ds) -> str:
    """A table of a sweep's numbers per member (the variables over the swept keys only)."""
    keys = set(ds.run_file.dims)
    return ds[[name for name, var in ds.data_vars.items() if set(var.dims) <= keys and name != "run_file"]].to_dataframe().to_string()


def _cmd_crystal_report(args) -> int:
    import atomistic

    print(atomistic.crystal_report(cif_options(args.cif) or None))
    return 0


def _optics(args):
    """The phases' TEM contrast at --thickness (imports abTEM: only for the TEM views)."""
    from dataclasses import replace

    try:
        from .optics import CIF_PHASES, tem_optics
    except ModuleNotFoundError as err:
        raise ValueError(f"the TEM-like image needs {err.name} (electron scattering factors); allowed: install it, pip install 'nvp-growth[tem]'") from None
    cifs = cif_options(args.cif)
    for phase in cifs:
        if phase not in CIF_PHASES:
            raise ValueError(f"--cif {phase}=...: {phase!r} is not a crystal of the model; allowed: {', '.join(CIF_PHASES)}")
    return replace(tem_optics(cifs=tuple(sorted(cifs.items()))), thickness_nm=args.thickness)


def _region(args):
    from phasefield.view import Region

    return Region.parse(args.region) if args.region else None


def _cmd_movie(args) -> int:
    from phasefield.view import read_run, write_movie
    from phasefield.view.movie import MOVIE_FORMATS, VIEW_VARIABLES
    from phasefield.view.outputs import checked_output

    out = checked_output(args.out or args.run.with_suffix(".mp4"), MOVIE_FORMATS)
    region = _region(args)
    if args.cif and args.view != "tem":
        raise ValueError(f"--cif {args.cif[0]} is not allowed with --view {args.view}; allowed: --cif with --view tem (it sets a phase's density)")
    optics = _optics(args) if args.view == "tem" else None
    ds = read_run(args.run, VIEW_VARIABLES[args.view])
    write_movie(ds, out, view=args.view, fps=args.fps, optics=optics, pixel_nm=args.pixel, region=region, progress=not args.quiet)
    print(f"wrote {out} ({ds.sizes['time']} frames, {args.view} view)")
    return 0


def _cmd_tem(args) -> int:
    from phasefield.view import fft_spots, micrograph_figure, read_run, tem_image
    from phasefield.view.outputs import FIGURE_FORMATS, checked_output, save_figure
    from phasefield.view.tem import TEM_VARIABLES

    out = checked_output(args.out or args.run.with_name(f"{args.run.stem}_t{args.time:g}s.png"), FIGURE_FORMATS)
    region = _region(args)
    if args.spots < 1:
        raise ValueError(f"--spots {args.spots} is not allowed; allowed: an integer >= 1")
    optics = _optics(args)
    ds = read_run(args.run, TEM_VARIABLES)
    if region is not None:
        region.check_inside(ds)
    image = tem_image(ds, args.time, optics, pixel_nm=args.pixel)
    spots = fft_spots(image, region, count=args.spots)
    print(f"frame t = {image.attrs['time_s']:g} s, T = {image.attrs['temperature_K'] - 273.15:.1f} degC; FFT of "
          f"{spots.attrs['region_nm']} (FFT pixel {spots.attrs['fft_pixel_x_per_nm']:.3g} x {spots.attrs['fft_pixel_y_per_nm']:.3g} 1/nm):")
    for k in range(spots.sizes["spot"]):
        print(f"  spot {k + 1}: |g| = {float(spots.g[k]):.3f} 1/nm (d = {float(spots.d[k]):.4f} nm), angle {float(spots.angle[k]):.2f} deg, "
              f"amplitude {float(spots.amplitude[k]):.2f}")
    save_figure(micrograph_figure(image, spots, region), out)
    print(f"wrote {out}")
    return 0


def _cmd_plot(args) -> int:
    from phasefield.view.outputs import FIGURE_FORMATS, checked_output
    from phasefield.view.timeline import plot, plot_kind, read_plottable

    out = checked_output(args.out or args.run.with_suffix(".png"), FIGURE_FORMATS)
    ds = read_plottable(args.run)
    plot(ds, out)
    what = "NVP fraction vs hold temperature" if plot_kind(ds) == "sweep" else "timeline of the run"
    print(f"wrote {out} ({what})")
    return 0


_VIEW_COMMANDS = {"movie": _cmd_movie, "tem": _cmd_tem, "plot": _cmd_plot}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    shown = logging.StreamHandler()
    # also what libraries log below it on loggers they set lower (distributed: INFO); under mpirun rank 0 tells
    shown.setLevel(logging.WARNING if launched_rank() == 0 else logging.CRITICAL + 1)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", handlers=[shown])
    # under mpirun the ranks fail alike (replicated state, or an error rank 0 hands to all): rank 0 says it
    say = (lambda line: print(line, file=sys.stderr)) if launched_rank() == 0 else (lambda line: None)
    try:
        if args.command != "run":
            refuse_in_parallel(f"nvp-growth {args.command}", "nvp-growth run (its solves run in parallel); the other commands on one process")
        if args.command == "list":
            return _cmd_list()
        if args.command == "run":
            return _cmd_run(args)
        if args.command in _VIEW_COMMANDS:
            return _VIEW_COMMANDS[args.command](args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "crystal-report":
            return _cmd_crystal_report(args)
        return run_command(args)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        if args.debug:
            raise
        say(f"nvp-growth: error: {one_line(err)}")
        return 2
    except SimulationError as err:
        say(f"nvp-growth: the run stopped: {err}")
        return 1
    except SweepIncomplete as err:  # each failure was reported on its own line
        say(f"nvp-growth: {err}")
        return 1
    except RunFileError as err:  # disk full, another run on the same --out
        say(f"nvp-growth: error: {err}")
        return 1
    except RunInterrupted as err:  # Ctrl-C or SIGTERM, stopped at a safe point
        say(f"nvp-growth: {err}")
        return 128 + err.signum


if __name__ == "__main__":
    sys.exit(main())

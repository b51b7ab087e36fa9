"""The ``nvp-growth`` command line.

    nvp-growth [--version] [--debug] list
    nvp-growth run NAME [--out FILE.nc] [--grid N] [--seed S] [--set key=value ...]
                        [--params FILE.toml] [--resume | --overwrite] [--show-params]
    nvp-growth crystal-report [--cif PHASE=PATH ...]
    nvp-growth export RUN.nc --time T --out FILE [...]     (scenarios/structure_commands.py)
    nvp-growth hrtem --out FILE.png|FILE.nc [...]

Bad input (unknown scenario, key or phase, a value refused by validation, a
malformed override, a grid too large for the memory, an unreadable TOML, CIF or
scenario file) is reported on one line with the parameter or file, the value and
what is allowed, before any work starts; the exit status is then 2. ``--debug``
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
from phasefield.model.values import one_line
from phasefield.model.phases import REGISTRY

NUCLEATION = REGISTRY.nucleation

from .registry import get, scenarios
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
        self.exit(2, f"nvp-growth: error: {one_line(message)} (see {self.prog} --help)\n")


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
    run.add_argument("--grid", type=int, help="cells along x (resolution; the box size stays)")
    run.add_argument("--seed", type=int, help="random seed (nucleation)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a parameter; lists comma-separated; pairs as key.A/B=value")
    run.add_argument("--params", type=Path, help="TOML file of parameters (applied before --set)")
    group = run.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its last frame")
    group.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    run.add_argument("--show-params", action="store_true", help="print the resolved parameters and exit")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress line and no nucleation lines")
    report = sub.add_parser("crystal-report", help="the paper's crystallographic numbers beside what the structures give")
    report.add_argument("--cif", action="append", default=[], metavar="PHASE=PATH", help="a CIF for a phase (e.g. NH4VO3=nh4vo3.cif)")
    add_commands(sub)
    return ap


def _resolve(args) -> tuple[object, object, Path]:
    scenario = get(args.name)
    cls = scenario.parameters
    params = cls.from_toml(args.params) if args.params else cls()
    overrides = list(args.overrides)
    if args.grid is not None:
        overrides.append(f"grid={args.grid}")
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    params = apply_overrides(params, overrides)
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
        at = ", ".join(f"{x:.3g}" for x in nucleus.center_nm)
        self.bar.write(f"t = {nucleus.time_s:.4g} s: {nucleus.phase} nucleus formed (grain {nucleus.slot}, r = {nucleus.radius_nm:.2g} nm, at ({at}) nm)", file=sys.stderr)

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
    if args.show_params:
        for key, value in params.to_dict().items():
            print(f"{key} = {value}")
        return 0
    options = {"overwrite": True} if args.overwrite else {}  # removed under the run's lock
    display = None
    if not args.quiet:
        display = _Progress(scenario.name, params.duration_s)
        options.update(progress=display.frame, on_nucleus=display.nucleus)
    try:
        ds = scenario.run(params, out, resume=args.resume, **options)
    finally:
        if display is not None:
            display.close()
    print(f"wrote {out}")
    if "phase_fraction" in ds:
        final = ds.phase_fraction.isel(time=-1)
        print("final area fractions: " + ", ".join(f"{ph}={float(final.sel(phase=ph)):.3f}" for ph in (NUCLEATION.parent, NUCLEATION.partner, NUCLEATION.product)))
        print(f"steps: {ds.attrs.get('n_steps')}, nuclei: {ds.attrs.get('n_nuclei')}, wall time: {ds.attrs.get('wall_time_s', 0):.1f} s")
    else:
        print(ds)
    return 0


def _cmd_crystal_report(args) -> int:
    import atomistic

    print(atomistic.crystal_report(cif_options(args.cif) or None))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "crystal-report":
            return _cmd_crystal_report(args)
        return run_command(args)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        if args.debug:
            raise
        print(f"nvp-growth: error: {one_line(err)}", file=sys.stderr)
        return 2
    except SimulationError as err:
        print(f"nvp-growth: the run stopped: {err}", file=sys.stderr)
        return 1
    except RunFileError as err:  # disk full, another run on the same --out
        print(f"nvp-growth: error: {err}", file=sys.stderr)
        return 1
    except RunInterrupted as err:  # Ctrl-C or SIGTERM, stopped at a safe point
        print(f"nvp-growth: {err}", file=sys.stderr)
        return 128 + err.signum


if __name__ == "__main__":
    sys.exit(main())

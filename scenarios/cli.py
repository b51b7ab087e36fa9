"""The ``nvp-growth`` command line.

    nvp-growth [--version] [--debug] list
    nvp-growth run NAME [--out FILE.nc] [--grid N] [--seed S] [--set key=value ...]
                        [--params FILE.toml] [--resume | --overwrite] [--show-params]
    nvp-growth crystal-report [--cif PHASE=PATH ...]

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
from pathlib import Path
from typing import NoReturn

from phasefield import RunInterrupted, SimulationError, apply_overrides
from phasefield.io.output import RunFileError, check_place
from phasefield.model.values import one_line
from phasefield.model.phases import REGISTRY

NUCLEATION = REGISTRY.nucleation

from .registry import get, scenarios


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
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    report = sub.add_parser("crystal-report", help="the paper's crystallographic numbers beside what the structures give")
    report.add_argument("--cif", action="append", default=[], metavar="PHASE=PATH", help="a CIF for a phase (e.g. NH4VO3=nh4vo3.cif)")
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
    bar = None
    progress = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=round(params.duration_s, 6), unit="s", desc=scenario.name, bar_format="{l_bar}{bar}| {n:.3g}/{total:.3g} s [{elapsed}<{remaining}]")

        def progress(done: float, total: float) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        ds = scenario.run(params, out, resume=args.resume, progress=progress, **options)
    finally:
        if bar is not None:
            bar.close()
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

    cifs = {}
    for item in args.cif:
        if "=" not in item:
            raise ValueError(f"--cif {item!r} is malformed; allowed: PHASE=PATH")
        phase, path = item.split("=", 1)
        cifs[phase.strip()] = path.strip()
    print(atomistic.crystal_report(cifs or None))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "run":
            return _cmd_run(args)
        return _cmd_crystal_report(args)
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

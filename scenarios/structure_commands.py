"""The ``export`` and ``hrtem`` commands of ``nvp-growth``: atoms of a run's snapshot, and a
simulated HRTEM image of the NH4VO3/NVP interface or of such a snapshot.

    nvp-growth export RUN.nc --time T --out FILE [--format FMT] [--region X0,X1,Y0,Y1]
                      [--thickness NM] [--cif PHASE=PATH ...] [--seed S] [--bond-floor A]
    nvp-growth hrtem --out FILE.png|FILE.nc [--cif NH4VO3=PATH | --atoms FILE]
                     [--defocus-nm D] [--cs-mm C] [--aperture-mrad A] [--sampling A]
                     [--width-nm W]

Every input is checked before any work (the output's place and format, the run, the time, the
region, the CIFs); a refusal is one line and exit status 2 (see :mod:`scenarios.cli`). Files are
written whole or not at all (a temporary file, then renamed).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from phasefield.io.output import atomic_write, check_place
from phasefield.model.values import ParameterError, one_line

#: Output formats of ``hrtem`` by extension.
HRTEM_FORMATS = (".png", ".nc")


def cif_options(items: Sequence[str]) -> dict[str, str]:
    """``PHASE=PATH`` options as {phase: path}.

    Examples
    --------
    >>> cif_options(["NH4VO3=a.cif", " NaH2PO4 = b.cif"])
    {'NH4VO3': 'a.cif', 'NaH2PO4': 'b.cif'}
    """
    cifs = {}
    for item in items:
        phase, sep, path = item.partition("=")
        if not sep or not phase.strip() or not path.strip():
            raise ValueError(f"--cif {item!r} is malformed; allowed: PHASE=PATH")
        cifs[phase.strip()] = path.strip()
    return cifs


def _numbers(text: str, count: int, option: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise ValueError(f"{option} {text!r} is malformed; allowed: {count} comma-separated numbers")
    return values


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The ``export`` and ``hrtem`` subcommands."""
    export = sub.add_parser(
        "export",
        help="atoms of a run's snapshot (each grain filled with its crystal) in any ase.io format",
        description="Fill each grain of a 2D run's frame with its crystal in its orientation, extruded to a slab along z, "
        "and write the atoms with ase.io (format from the extension or --format).",
    )
    export.add_argument("run", type=Path, help="run file (netCDF written by `nvp-growth run`)")
    export.add_argument("--time", type=float, required=True, help="a frame time of the run, s")
    export.add_argument("--out", type=Path, required=True, help="atoms file (e.g. snapshot.extxyz, POSCAR with --format vasp)")
    export.add_argument("--format", help="ase.io format (default: from the extension of --out)")
    export.add_argument("--region", help="x0,x1,y0,y1 in nm (default the whole box)")
    export.add_argument("--thickness", type=float, help="slab thickness along z, nm (default 2)")
    export.add_argument("--cif", action="append", default=[], metavar="PHASE=PATH", help="a CIF for a phase (NH4VO3, NaH2PO4 need one)")
    export.add_argument("--seed", type=int, default=0, help="seed of the partly occupied sites (default 0)")
    export.add_argument("--bond-floor", type=float, help="shortest distance between atoms of different grains, Å (default: from the crystals)")
    hrtem = sub.add_parser(
        "hrtem",
        help="simulated HRTEM (abTEM multislice) of the NH4VO3/NVP interface or of an exported snapshot, with its indexed FFT",
        description="Multislice HRTEM image at the paper's 200 kV and its FFT with the spots indexed: of the (1 2 -1) NH4VO3 // "
        "(2 -1 0) NVP bicrystal seen along [0 1 2] NH4VO3 // [1 2 -1] NVP (needs --cif NH4VO3=PATH), or of a snapshot "
        "written by `nvp-growth export` as extxyz (--atoms), seen along its z.",
    )
    hrtem.add_argument("--out", type=Path, required=True, help="FILE.png (image and FFT) or FILE.nc (image, FFT and spots)")
    source = hrtem.add_mutually_exclusive_group()
    source.add_argument("--cif", action="append", default=[], metavar="NH4VO3=PATH", help="the NH4VO3 CIF of the interface")
    source.add_argument("--atoms", type=Path, help="an exported snapshot (extxyz) instead of the interface")
    hrtem.add_argument("--defocus-nm", type=float, help="defocus, nm, positive = underfocus (default Scherzer)")
    hrtem.add_argument("--cs-mm", type=float, help="spherical aberration, mm (default 0.609: 2 Å point resolution)")
    hrtem.add_argument("--aperture-mrad", type=float, help="objective aperture semi-angle, mrad (default the CTF's first zero at Scherzer)")
    hrtem.add_argument("--sampling", type=float, help="sampling, Å (default 0.1)")
    hrtem.add_argument("--width-nm", type=float, default=5.0, help="interface image width across the beam, nm (default 5)")


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``export`` or ``hrtem``; None for any other command."""
    if args.command == "export":
        return _cmd_export(args)
    if args.command == "hrtem":
        return _cmd_hrtem(args)
    return None


def _open_run(path: Path):
    from phasefield import open_run

    if not path.is_file():
        raise FileNotFoundError(f"run file {path} does not exist")
    try:
        return open_run(path)
    except (OSError, ValueError, KeyError) as err:  # not netCDF, or not one xarray reads
        reason = one_line(err).split(". ")[0]
        raise ParameterError(f"{path} is not a run file (a netCDF written by `nvp-growth run`): {reason}") from None


def _cmd_export(args: argparse.Namespace) -> int:
    from phasefield.export.atoms import DEFAULT_THICKNESS_NM, atoms_format, snapshot_atoms, write_atoms

    check_place(args.out)
    fmt = atoms_format(args.out, args.format)
    region = _numbers(args.region, 4, "--region") if args.region else None
    ds = _open_run(args.run)
    start = time.perf_counter()
    atoms = snapshot_atoms(
        ds, args.time, region_nm=region, thickness_nm=args.thickness if args.thickness is not None else DEFAULT_THICKNESS_NM,
        cifs=cif_options(args.cif), bond_floor_A=args.bond_floor, seed=args.seed, source=str(args.run),
    )
    write_atoms(atoms, args.out, fmt)
    info = atoms.info
    print(f"wrote {args.out} ({fmt}, {len(atoms)} atoms, t = {info['time_s']:g} s, {time.perf_counter() - start:.1f} s)")
    for grain, phase, units, floor, trim in zip(info["grains"], info["grain_phases"], info["grain_formula_units"], info["removed_below_floor"], info["removed_to_formula"]):
        print(f"  grain {grain}: {phase}, {units} formula units; removed {floor} atoms closer than the floor, {trim} to whole formula units")
    for phase, area in zip(info["empty_phases"], info["empty_area_nm2"]):
        print(f"  {phase}: {area:.1f} nm2 left empty (no structure for it)")
    print(f"  bond floor {info['bond_floor_A']:.3f} Å ({info['bond_floor_source']})")
    return 0


def _cmd_hrtem(args: argparse.Namespace) -> int:
    import atomistic
    from atomistic import hrtem

    check_place(args.out)
    suffix = args.out.suffix.lower()
    if suffix not in HRTEM_FORMATS:
        raise ValueError(f"--out {args.out}: the extension {suffix or '(none)'} is not allowed; allowed: {', '.join(HRTEM_FORMATS)}")
    settings = {"defocus_A": None if args.defocus_nm is None else 10.0 * args.defocus_nm, "aperture_mrad": args.aperture_mrad}
    if args.cs_mm is not None:
        settings["Cs_mm"] = args.cs_mm
    if args.sampling is not None:
        settings["sampling_A"] = args.sampling
    params = hrtem.ImagingParameters(**settings)
    if args.atoms is not None:
        specimen = hrtem.snapshot_specimen(_read_atoms(args.atoms))
    else:
        cifs = cif_options(args.cif)
        if set(cifs) != {"NH4VO3"}:
            raise ValueError(
                f"--cif {', '.join(sorted(cifs)) or '(none)'}: the interface needs exactly the NH4VO3 CIF (no NH4VO3 coordinates are "
                "bundled and none are invented); allowed: --cif NH4VO3=PATH, or --atoms FILE"
            )
        if not (args.width_nm > 0):
            raise ValueError(f"--width-nm {args.width_nm} is not allowed; allowed: > 0 nm")
        specimen = hrtem.interface_specimen(atomistic.bulk("NH4VO3", cif=cifs["NH4VO3"]), width_A=10.0 * args.width_nm)
    start = time.perf_counter()
    ds = hrtem.simulate_hrtem(specimen, params)
    table = hrtem.index_spots(ds, specimen, hrtem.fft_spots(ds))
    elapsed = time.perf_counter() - start
    if suffix == ".png":
        figure = hrtem.hrtem_figure(ds, table)
        atomic_write(args.out, lambda tmp: figure.savefig(tmp, format="png", dpi=150))
    else:
        atomic_write(args.out, lambda tmp: hrtem.hrtem_dataset(ds, table).to_netcdf(tmp, format="NETCDF4", engine="netcdf4"))
    print(f"wrote {args.out}: {specimen.description}; {elapsed:.1f} s")
    print(f"  {params.energy_keV:g} keV, Cs {params.Cs_mm:.3f} mm, defocus {params.defocus / 10:.1f} nm"
          f"{' (Scherzer)' if params.defocus_A is None else ''}, aperture {params.aperture:.1f} mrad, sampling {params.sampling_A:g} Å")
    shown = table[table["indexed"]].drop_duplicates(["kx", "ky", "phase", "h", "k", "l"])
    for _, row in shown.iterrows():
        print(f"  spot d = {row.d:.3f} Å (power {row.power:.2f}): {row.phase} ({row.h} {row.k} {row.l}), "
              f"d = {row.d_expected:.3f} Å here, {row.d_bulk:.3f} Å bulk, {row.offset_px:.2f} px off")
    print(f"  {len(table.drop_duplicates(['kx', 'ky']))} spots, {shown[['kx', 'ky']].drop_duplicates().shape[0]} indexed within one FFT pixel")
    return 0


def _read_atoms(path: Path):
    import ase.io

    if not path.is_file():
        raise FileNotFoundError(f"--atoms {path} does not exist")
    try:
        return ase.io.read(path)
    except Exception as err:  # ase.io raises anything on a file it cannot parse
        raise ValueError(f"--atoms {path} is not an atoms file ase.io can read: {type(err).__name__}: {one_line(err)}") from None

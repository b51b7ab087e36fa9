"""Atoms of a run's snapshot: each grain's region filled with its crystal in its orientation.

:func:`snapshot_atoms` turns one frame of a 2D run into an ``ase.Atoms`` slab, in these steps
(each a choice, said here once):

1. **Frame.** ``time_s`` must be one of the run's frame times (within
   :data:`TIME_TOLERANCE_S`): fields are not interpolated between frames, and a time outside
   the run or between frames is refused with the nearest frames named.
2. **Grains.** Every cell of the region belongs to the grain whose order parameter ``eta`` is
   largest there. The slab is the region extruded along z by ``thickness_nm``: the run's plane
   is the paper's HRTEM image and z its beam.
3. **Crystals.** A crystal grain's cells are filled with its conventional cell turned by
   :func:`atomistic.grain_frames.crystal_to_lab` (its zone axis along z, then its in-plane
   ``orientation``); an atom is kept where the cell under its (x, y) belongs to the grain and
   0 <= z < thickness. NVP and NZSP come from the bundled models, NH4VO3 and NaH2PO4 from a
   user's CIF (``cifs``; any phase's CIF replaces its bundled atoms), which must hold the
   phase's formula (:func:`atomistic.crystals.check_formula`); a phase with neither is refused
   with the CIF it needs. No coordinates are invented.
4. **Empty phases.** The surroundings (vacuum or support film) and the amorphous precursor are
   left empty (no glass is invented); the amorphous area is reported in
   ``info["empty_area_nm2"]``.
5. **Disorder.** Partly occupied sites (NVP Na2 at 2/3, NZSP Na2 at 0.8 and Si0.8P0.2) are
   filled per grain and site kind: round(occupancy x sites) sites of each species (largest
   remainders), picked at random with ``seed``; the others stay empty.
6. **Grain boundaries.** Of two atoms of different grains closer than the bond floor, the one
   whose own grain has the smaller order parameter in its cell is removed (on a tie the one of
   the higher grain index), closest pairs first. The floor is the shortest interatomic distance
   inside the crystals being exported (none of them holds a closer pair: 1.549 Å, P-O, in the
   NVP model; 1.605 Å, Si-O, in the NZSP model), and for a pair with an H atom the shortest
   distance with H inside them (an O-H or N-H bond of a CIF), or ``bond_floor_A`` for all.
7. **Formula units.** Each grain is trimmed to a whole number of formula units (charge
   neutral; a fractional formula such as NZSP's Na3.4Zr2Si2.4P0.6O12 counts in units of 5),
   removing of each element the surplus atoms nearest the grain's surface (the region's edge,
   neighbour grains, the slab's faces).

Atoms are in Å from the region's lower corner (``info["origin_nm"]``); the cell is the region
box times the thickness, not periodic. ``tags`` are grain indices. ``info`` holds the
provenance: run file, time and frame, region, thickness, grains (ids, phases, orientations,
structure sources, formula units, atoms removed by steps 6 and 7), the floor and its source,
the seed and the package versions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ase.io
import numpy as np
import xarray as xr
from ase import Atoms
from ase.io.formats import filetype, ioformats
from ase.neighborlist import neighbor_list
from scipy.ndimage import distance_transform_edt, map_coordinates
from scipy.spatial import cKDTree

from atomistic import CifError, MissingAtomsError, bulk, check_formula, formula_counts, phase_record
from atomistic.crystals import site_occupancies
from atomistic.grain_frames import VIEW_ZONES, crystal_to_lab

from ..io.output import atomic_write
from ..model.phases import REGISTRY
from ..model.values import ParameterError
from ..numerics.stepping import package_version

__all__ = [
    "DEFAULT_THICKNESS_NM",
    "MAX_ATOMS",
    "TIME_TOLERANCE_S",
    "BondFloor",
    "atoms_format",
    "bond_floor",
    "frame_index",
    "snapshot_atoms",
    "write_atoms",
]

#: Largest distance (s) between ``time_s`` and a frame time taken as that frame: frames are
#: written exactly at the output times, which are far coarser than this.
TIME_TOLERANCE_S = 1e-6

#: Slab thickness when none is given (nm): a thin TEM specimen; nothing in a 2D run sets it.
DEFAULT_THICKNESS_NM = 2.0

#: Largest slab exported (atoms, estimated from the grains' areas before any is built): about
#: 2 GB of intermediate arrays.
MAX_ATOMS = 5_000_000

#: Variables a run file must have to be exported.
RUN_VARIABLES = ("eta", "grain_phase", "orientation")

#: Formats ase.io can write that are not one file (a directory or a database server).
_NOT_FILES = frozenset({"bundletrajectory", "mysql", "postgresql"})

_NM = 10.0  # Å per nm


def frame_index(ds: xr.Dataset, time_s: float) -> int:
    """Index of the frame at ``time_s`` (within :data:`TIME_TOLERANCE_S`).

    Raises
    ------
    ParameterError
        The time is outside the run or between two frames (the message names the nearest).

    Examples
    --------
    >>> ds = xr.Dataset(coords={"time": [0.0, 0.5, 1.0]})
    >>> frame_index(ds, 0.5)
    1
    """
    times = np.asarray(ds["time"].values, dtype=float)
    if not np.isfinite(time_s):
        raise ParameterError(f"time = {time_s!r} s is not allowed; allowed: a frame time of the run, {_span(times)}")
    if time_s < times[0] - TIME_TOLERANCE_S or time_s > times[-1] + TIME_TOLERANCE_S:
        raise ParameterError(f"time = {time_s:g} s is outside the run; allowed: a frame time, {_span(times)}")
    i = int(np.argmin(np.abs(times - time_s)))
    if abs(times[i] - time_s) > TIME_TOLERANCE_S:
        before, after = times[times < time_s][-1], times[times > time_s][0]
        raise ParameterError(
            f"time = {time_s:g} s is not a frame time (fields are not interpolated); "
            f"allowed: a frame time, e.g. {before:g} or {after:g} s ({_span(times)})"
        )
    return i


def _span(times: np.ndarray) -> str:
    return f"{len(times)} frames from {times[0]:g} to {times[-1]:g} s"


@dataclass(frozen=True)
class _Grid:
    """The run's cells (centres x, y in nm, spacing dx) and the region's bounds."""

    x: np.ndarray
    y: np.ndarray
    dx: float
    bounds: tuple[float, float, float, float]

    @property
    def inside(self) -> np.ndarray:
        """(ny, nx) cells whose centres lie in the region."""
        x0, x1, y0, y1 = self.bounds
        return ((self.y >= y0) & (self.y <= y1))[:, None] & ((self.x >= x0) & (self.x <= x1))[None, :]

    def cell_of(self, xy_nm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cell under each point (nm)."""
        col = np.clip(np.floor((xy_nm[:, 0] - (self.x[0] - self.dx / 2)) / self.dx).astype(int), 0, len(self.x) - 1)
        row = np.clip(np.floor((xy_nm[:, 1] - (self.y[0] - self.dx / 2)) / self.dx).astype(int), 0, len(self.y) - 1)
        return row, col


def _grid(ds: xr.Dataset, region_nm) -> _Grid:
    x, y = np.asarray(ds["x"].values, float), np.asarray(ds["y"].values, float)
    dx = float(x[1] - x[0]) if len(x) > 1 else float(2 * x[0])
    box = tuple(round(float(b), 9) for b in (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dx / 2, y[-1] + dx / 2))
    allowed = f"x0 < x1 in [{box[0]:g}, {box[1]:g}] nm and y0 < y1 in [{box[2]:g}, {box[3]:g}] nm (the run's box)"
    if region_nm is None:
        return _Grid(x, y, dx, box)
    bounds = tuple(float(v) for v in region_nm)
    if len(bounds) != 4 or not all(np.isfinite(bounds)):
        raise ParameterError(f"region = {region_nm!r} is not allowed; allowed: four numbers x0, x1, y0, y1 with {allowed}")
    x0, x1, y0, y1 = bounds
    tol = 1e-9 * max(abs(v) for v in box)
    if not (box[0] - tol <= x0 < x1 <= box[1] + tol and box[2] - tol <= y0 < y1 <= box[3] + tol):
        raise ParameterError(f"region = {x0:g},{x1:g},{y0:g},{y1:g} nm is not allowed; allowed: {allowed}")
    grid = _Grid(x, y, dx, (x0, x1, y0, y1))
    if not grid.inside.any():
        raise ParameterError(f"region = {x0:g},{x1:g},{y0:g},{y1:g} nm holds no cell centre (cells are {dx:g} nm); allowed: a larger region")
    return grid


def _check_run(ds: xr.Dataset, source: str) -> None:
    missing = [v for v in RUN_VARIABLES if v not in ds.variables] + [c for c in ("time", "x", "y") if c not in ds.coords]
    if missing:
        raise ParameterError(f"{source} is not a run of nvp-growth: no {', '.join(missing)}; allowed: a run file written by `nvp-growth run`")
    if "z" in ds.dims:
        raise ParameterError(f"{source} is a 3D run; allowed: a 2D run (3D export is not written yet)")


def _crystals(phases: set[str], cifs: Mapping[str, str | os.PathLike[str]]) -> dict[str, Atoms]:
    """The structure of every crystal phase present and of every CIF given (each CIF is read
    and checked, used or not), refusing a missing or wrong one."""
    unknown = sorted(set(cifs) - set(VIEW_ZONES))
    if unknown:
        raise ParameterError(f"cif for {', '.join(unknown)} is not allowed; allowed: a CIF for {', '.join(VIEW_ZONES)}")
    out = {}
    for phase in sorted(set(phases) | set(cifs)):
        if phase in cifs:
            atoms = bulk(phase, cif=cifs[phase])
            check_formula(atoms, phase)
        else:
            try:
                atoms = bulk(phase)
            except MissingAtomsError as err:
                raise ParameterError(
                    f"the region holds {phase}, which has no bundled atoms (only its lattice); no coordinates are invented: "
                    f"pass a CIF of {phase}: --cif {phase}=PATH (Python: cifs={{{phase!r}: path}})"
                ) from err
        out[phase] = atoms
    return out


@dataclass(frozen=True)
class BondFloor:
    """Shortest distances allowed between atoms of different grains, Å: ``hydrogen`` for a
    pair with an H atom, ``heavy`` for the others, and where each comes from."""

    heavy: float
    hydrogen: float
    source: str

    def of_pairs(self, symbols: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """The floor of each pair (rows of atom indices)."""
        with_h = (symbols[pairs[:, 0]] == "H") | (symbols[pairs[:, 1]] == "H")
        return np.where(with_h, self.hydrogen, self.heavy)


def bond_floor(crystals: Mapping[str, Atoms]) -> BondFloor:
    """The shortest interatomic distances inside the crystals: between two non-H atoms, and of
    a pair with H (an X-H bond, far shorter than any bond of the frameworks, so H gets its own
    floor; without H both are the same).

    Examples
    --------
    >>> f = bond_floor({"NVP": bulk("NVP")})
    >>> round(f.heavy, 3), f.hydrogen == f.heavy
    (1.549, True)
    """
    found: dict[bool, tuple[float, str]] = {}
    for phase, atoms in crystals.items():
        symbols = np.array(atoms.get_chemical_symbols())
        i, j, d = neighbor_list("ijd", atoms, 3.0)
        with_h = (symbols[i] == "H") | (symbols[j] == "H")
        for h in (False, True):
            if np.any(with_h == h):
                k = np.flatnonzero(with_h == h)[np.argmin(d[with_h == h])]
                if d[k] < found.get(h, (np.inf, ""))[0]:
                    found[h] = (float(d[k]), f"{symbols[i[k]]}-{symbols[j[k]]} in {_origin(phase, atoms)}")
    if False not in found:
        raise ParameterError("no two non-H atoms of the crystals are within 3 Å; allowed: crystals with bonds (or give bond_floor_A)")
    heavy, where = found[False]
    hydrogen, where_h = found.get(True, found[False])
    source = f"shortest distances inside the exported crystals: {heavy:.4f} Å ({where})"
    if True in found:
        source += f"; with H {hydrogen:.4f} Å ({where_h})"
    return BondFloor(heavy, hydrogen, source)


def _origin(phase: str, atoms: Atoms) -> str:
    """Where a crystal's atoms come from, briefly: its CIF or the bundled model."""
    if atoms.info.get("status") == "user CIF":
        return f"{phase} (CIF {atoms.info['source']})"
    return f"{phase} (bundled {atoms.info.get('status', 'structure')})"


@dataclass(frozen=True)
class _Filled:
    """Atoms of the grains: positions (Å, lab frame), symbols, grain index, the order parameter
    of that grain in the atom's cell, depth below the grain's surface (Å)."""

    positions: np.ndarray
    symbols: np.ndarray
    grain: np.ndarray
    own_eta: np.ndarray
    depth: np.ndarray


def _lattice_cover(cell: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Integer translations n (rows) whose cells n @ cell + [0, 1)^3 @ cell cover the box."""
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    frac = corners @ np.linalg.inv(cell)
    n_lo = np.floor(frac.min(axis=0)).astype(int) - 1
    n_hi = np.ceil(frac.max(axis=0)).astype(int) + 1
    axes = [np.arange(a, b + 1) for a, b in zip(n_lo, n_hi)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)


def _fill(crystal: Atoms, rotation: np.ndarray, mine: np.ndarray, grid: _Grid, thickness_A: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions (Å) and site kinds of the crystal's atoms over the grain's cells ``mine``."""
    cell = np.asarray(crystal.cell) @ rotation.T  # rows: the turned cell vectors, Å
    sites = crystal.get_scaled_positions(wrap=True)
    kinds = np.asarray(crystal.arrays.get("spacegroup_kinds", np.arange(len(crystal))))
    rows, cols = np.nonzero(mine)
    half = grid.dx / 2
    lo = np.array([(grid.x[cols].min() - half) * _NM, (grid.y[rows].min() - half) * _NM, 0.0])
    hi = np.array([(grid.x[cols].max() + half) * _NM, (grid.y[rows].max() + half) * _NM, thickness_A])
    x0, x1, y0, y1 = (b * _NM for b in grid.bounds)
    kept_pos, kept_kind = [], []
    translations = _lattice_cover(cell, lo, hi)
    for chunk in np.array_split(translations, max(1, len(translations) * len(sites) // 2_000_000)):
        pos = ((chunk[:, None, :] + sites[None, :, :]) @ cell).reshape(-1, 3)
        kind = np.tile(kinds, len(chunk))
        ok = (pos[:, 2] >= 0) & (pos[:, 2] < thickness_A) & (pos[:, 0] >= x0) & (pos[:, 0] < x1) & (pos[:, 1] >= y0) & (pos[:, 1] < y1)
        pos, kind = pos[ok], kind[ok]
        row, col = grid.cell_of(pos[:, :2] / _NM)
        ok = mine[row, col]
        kept_pos.append(pos[ok])
        kept_kind.append(kind[ok])
    return np.concatenate(kept_pos), np.concatenate(kept_kind)


def _occupy(crystal: Atoms, kinds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A species for every site ("" = vacancy): per site kind, round(occupancy x sites) of each
    species (largest remainders), placed at random."""
    occupancy = site_occupancies(crystal)
    kind_species = {}
    for k, occ in zip(np.asarray(crystal.arrays.get("spacegroup_kinds", np.arange(len(crystal)))), occupancy):
        kind_species.setdefault(int(k), occ)
    symbols = np.full(len(kinds), "", dtype=object)
    for k, occ in kind_species.items():
        where = np.flatnonzero(kinds == k)
        n = len(where)
        if not n:
            continue
        species = sorted(occ)
        exact = np.array([occ[s] * n for s in species])
        counts = np.floor(exact).astype(int)
        extra = int(round(exact.sum())) - counts.sum()
        counts[np.argsort(-(exact - counts), kind="stable")[:extra]] += 1
        order = rng.permutation(where)
        start = 0
        for s, c in zip(species, counts):
            symbols[order[start:start + c]] = s
            start += c
    return symbols


def _depth(mine: np.ndarray, grid: _Grid, positions: np.ndarray, thickness_A: float) -> np.ndarray:
    """Distance (Å) of each atom below its grain's surface: the region's edge and other grains
    (the distance transform of the grain's cells, interpolated), or the slab's faces."""
    padded = np.pad(mine, 1)  # the region's edge is a surface too
    edt = distance_transform_edt(padded)[1:-1, 1:-1] * grid.dx * _NM
    rows = (positions[:, 1] / _NM - grid.y[0]) / grid.dx
    cols = (positions[:, 0] / _NM - grid.x[0]) / grid.dx
    in_plane = map_coordinates(edt, [rows, cols], order=1, mode="nearest") - 0.5 * grid.dx * _NM
    return np.minimum(in_plane, np.minimum(positions[:, 2], thickness_A - positions[:, 2]))


def _unit(formula: str) -> tuple[dict[str, int], int]:
    """The smallest whole-number multiple k of a formula unit and its atoms, e.g. 5 and
    Na17Zr10Si12P3O60 for NZSP's Na3.4Zr2Si2.4P0.6O12."""
    counts = formula_counts(formula)
    for k in range(1, 101):
        scaled = {e: n * k for e, n in counts.items()}
        if all(abs(v - round(v)) < 1e-9 for v in scaled.values()):
            return {e: int(round(v)) for e, v in scaled.items()}, k
    raise ValueError(f"formula {formula}: no whole multiple up to 100")


def _trim(symbols: np.ndarray, depth: np.ndarray, unit: Mapping[str, int]) -> tuple[np.ndarray, int]:
    """Keep a whole number of formula units: of each element the deepest atoms. Returns the
    mask of atoms kept and the number of units."""
    counts = {e: int(np.sum(symbols == e)) for e in unit}
    units = min(counts[e] // n for e, n in unit.items())
    keep = np.zeros(len(symbols), dtype=bool)
    for e, n in unit.items():
        where = np.flatnonzero(symbols == e)
        deepest = where[np.argsort(-depth[where], kind="stable")[: units * n]]
        keep[deepest] = True
    return keep, units


def _remove_close_pairs(positions: np.ndarray, symbols: np.ndarray, grains: np.ndarray, own_eta: np.ndarray, floor: BondFloor) -> np.ndarray:
    """Mask of atoms kept after removing, from each pair of different grains closer than the
    floor, the atom of lower own-grain eta (tie: higher grain index), closest pairs first."""
    pairs = cKDTree(positions).query_pairs(max(floor.heavy, floor.hydrogen), output_type="ndarray")
    pairs = pairs[grains[pairs[:, 0]] != grains[pairs[:, 1]]]
    d = np.linalg.norm(positions[pairs[:, 0]] - positions[pairs[:, 1]], axis=1)
    close = d < floor.of_pairs(symbols, pairs)
    pairs, d = pairs[close], d[close]
    keep = np.ones(len(positions), dtype=bool)
    for i, j in pairs[np.argsort(d, kind="stable")]:
        if keep[i] and keep[j]:
            lose_j = (own_eta[j], -grains[j]) < (own_eta[i], -grains[i])
            keep[j if lose_j else i] = False
    return keep


@dataclass(frozen=True)
class _Grains:
    """Who holds each cell of the region at a frame: ``owner`` (grain index, -1 outside the
    region), the crystal grains in it and their phases, and the area of the empty phases."""

    eta: np.ndarray
    owner: np.ndarray
    orientation: np.ndarray
    crystals: list[int]
    crystal_phases: list[str]
    empty_nm2: dict[str, float]

    @classmethod
    def of(cls, ds: xr.Dataset, frame: int, grid: _Grid) -> "_Grains":
        eta = np.asarray(ds["eta"].isel(time=frame).transpose("grain", "y", "x").values, dtype=float)
        phase = [str(p) for p in ds["grain_phase"].values]
        owner = np.where(grid.inside, np.argmax(eta, axis=0), -1)
        present = [int(g) for g in np.unique(owner) if g >= 0]
        crystals = [g for g in present if phase[g] in VIEW_ZONES]
        empty: dict[str, float] = {}
        for g in present:
            if phase[g] not in VIEW_ZONES and phase[g] != REGISTRY.surroundings:
                empty[phase[g]] = empty.get(phase[g], 0.0) + float((owner == g).sum() * grid.dx**2)
        if not crystals:
            held = ", ".join(f"{p} ({a:g} nm2)" for p, a in sorted(empty.items())) or "only the surroundings"
            time_s = float(ds["time"].values[frame])
            raise ParameterError(f"the region holds no crystal grain at t = {time_s:g} s ({held}); allowed: a region with a grain of {', '.join(VIEW_ZONES)}")
        orientation = np.asarray(ds["orientation"].isel(time=frame).values, dtype=float)
        return cls(eta, owner, orientation, crystals, [phase[g] for g in crystals], empty)


def _check_size(grains: _Grains, crystals: Mapping[str, Atoms], cell_area_nm2: float, thickness_nm: float) -> None:
    """Refuse a slab above :data:`MAX_ATOMS` (estimated from the grains' cells) before any is built."""
    estimate = sum(
        (grains.owner == g).sum() * cell_area_nm2 * thickness_nm * 1e3 * len(crystals[p]) / crystals[p].cell.volume
        for g, p in zip(grains.crystals, grains.crystal_phases)
    )
    if estimate > MAX_ATOMS:
        raise ParameterError(f"the slab would hold ~{estimate:.3g} atoms; allowed: <= {MAX_ATOMS:g} (choose a smaller --region or --thickness)")


def _filled(grains: _Grains, crystals: Mapping[str, Atoms], grid: _Grid, thickness_A: float, rng: np.random.Generator) -> _Filled:
    """Every crystal grain filled with its occupied sites, all grains together."""
    parts = []
    for g, phase in zip(grains.crystals, grains.crystal_phases):
        mine, crystal = grains.owner == g, crystals[phase]
        positions, kinds = _fill(crystal, crystal_to_lab(phase, grains.orientation[g], crystal), mine, grid, thickness_A)
        symbols = _occupy(crystal, kinds, rng)
        positions, symbols = positions[symbols != ""], symbols[symbols != ""]
        row, col = grid.cell_of(positions[:, :2] / _NM)
        parts.append(_Filled(positions, symbols, np.full(len(symbols), g), grains.eta[g][row, col], _depth(mine, grid, positions, thickness_A)))
    return _Filled(*(np.concatenate([getattr(part, f) for part in parts]) for f in ("positions", "symbols", "grain", "own_eta", "depth")))


def snapshot_atoms(
    ds: xr.Dataset,
    time_s: float,
    *,
    region_nm: tuple[float, float, float, float] | None = None,
    thickness_nm: float = DEFAULT_THICKNESS_NM,
    cifs: Mapping[str, str | os.PathLike[str]] | None = None,
    bond_floor_A: float | None = None,
    seed: int = 0,
    source: str | None = None,
) -> Atoms:
    """The atoms of one frame of a 2D run (see the module docstring for every step).

    Parameters
    ----------
    ds : xarray.Dataset
        A run (:func:`phasefield.open_run`).
    time_s : float
        A frame time of the run, s.
    region_nm : (x0, x1, y0, y1), optional
        Part of the box to export, nm (default the whole box).
    thickness_nm : float
        Slab thickness along z, nm.
    cifs : mapping, optional
        Phase name -> CIF path (needed for NH4VO3 and NaH2PO4 where they are in the region).
    bond_floor_A : float, optional
        Shortest distance allowed between atoms of different grains, Å (default: the shortest
        interatomic distance inside the exported crystals).
    seed : int
        Seed of the occupancy of partly occupied sites.
    source : str, optional
        The run file's name for the provenance.

    Returns
    -------
    ase.Atoms
        Positions in Å from the region's lower corner; ``tags`` the grain indices;
        ``info`` the provenance.

    Raises
    ------
    ParameterError
        Not a 2D run, a time that is not a frame time, a region outside the box, a thickness or
        floor <= 0, a slab above :data:`MAX_ATOMS`, a crystal phase without atoms or CIF.
    atomistic.CifError
        A CIF that cannot be read or does not hold the phase's formula.
    """
    name = source or str(ds.encoding.get("source", "the dataset"))
    _check_run(ds, name)
    frame = frame_index(ds, float(time_s))
    grid = _grid(ds, region_nm)
    if not (np.isfinite(thickness_nm) and thickness_nm > 0):
        raise ParameterError(f"thickness = {thickness_nm!r} nm is not allowed; allowed: > 0 nm")
    if bond_floor_A is not None and not (np.isfinite(bond_floor_A) and bond_floor_A > 0):
        raise ParameterError(f"bond_floor_A = {bond_floor_A!r} is not allowed; allowed: > 0 Å")
    grains = _Grains.of(ds, frame, grid)
    crystals = _crystals(set(grains.crystal_phases), dict(cifs or {}))
    _check_size(grains, crystals, grid.dx**2, thickness_nm)
    floor = BondFloor(float(bond_floor_A), float(bond_floor_A), "given (bond_floor_A)") if bond_floor_A is not None else bond_floor(crystals)
    filled = _filled(grains, crystals, grid, thickness_nm * _NM, np.random.default_rng(seed))
    keep = _remove_close_pairs(filled.positions, filled.symbols, filled.grain, filled.own_eta, floor)
    removed_floor = [int(np.sum(~keep & (filled.grain == g))) for g in grains.crystals]
    units, removed_trim = [], []
    for g, phase in zip(grains.crystals, grains.crystal_phases):
        where = np.flatnonzero(keep & (filled.grain == g))
        unit, per_unit = _unit(phase_record(phase).formula)
        kept, n_units = _trim(filled.symbols[where], filled.depth[where], unit)
        keep[where[~kept]] = False
        units.append(n_units * per_unit)
        removed_trim.append(int(np.sum(~kept)))

    x0, x1, y0, y1 = grid.bounds
    atoms = Atoms(
        symbols=list(filled.symbols[keep]),
        positions=filled.positions[keep] - [x0 * _NM, y0 * _NM, 0.0],
        cell=[(x1 - x0) * _NM, (y1 - y0) * _NM, thickness_nm * _NM],
        pbc=False,
        tags=filled.grain[keep],
    )
    atoms.info.update(
        run_file=name,
        time_s=float(ds["time"].values[frame]),
        frame=frame,
        region_nm=[x0, x1, y0, y1],
        origin_nm=[x0, y0],
        thickness_nm=float(thickness_nm),
        grains=grains.crystals,
        grain_phases=grains.crystal_phases,
        grain_orientations_deg=[float(grains.orientation[g]) for g in grains.crystals],
        grain_zone_axes=[" ".join(map(str, VIEW_ZONES[p])) for p in grains.crystal_phases],
        grain_sources=[str(crystals[p].info.get("source", "")) for p in grains.crystal_phases],
        grain_formula_units=units,
        removed_below_floor=removed_floor,
        removed_to_formula=removed_trim,
        bond_floor_A=floor.heavy,
        bond_floor_H_A=floor.hydrogen,
        bond_floor_source=floor.source,
        empty_phases=sorted(grains.empty_nm2),
        empty_area_nm2=[grains.empty_nm2[p] for p in sorted(grains.empty_nm2)],
        seed=int(seed),
        run_package_version=str(ds.attrs.get("package_version", "unknown")),
        package_version=package_version(),
    )
    return atoms


def atoms_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The ase.io format to write ``path`` in: ``format``, or the one its extension names.

    Raises
    ------
    ParameterError
        A format ase.io cannot write to one file, or an extension naming none.

    Examples
    --------
    >>> atoms_format("snapshot.extxyz"), atoms_format("POSCAR", "vasp")
    ('extxyz', 'vasp')
    """
    allowed = sorted(k for k, v in ioformats.items() if v.can_write and k not in _NOT_FILES)
    name = format if format is not None else filetype(os.fspath(path), read=False)
    if name not in allowed:
        what = f"format = {format!r}" if format is not None else f"the extension of {os.fspath(path)} ({name!r})"
        raise ParameterError(f"{what} is not a format ase.io can write; allowed: {', '.join(allowed)} (give it with --format)")
    return name


def write_atoms(atoms: Atoms, path: str | os.PathLike[str], format: str | None = None) -> str:
    """Write ``atoms`` with ase.io to ``path`` whole or not at all (temporary file, then
    renamed). Returns the format used."""
    fmt = atoms_format(path, format)
    atomic_write(Path(path), lambda tmp: ase.io.write(tmp, atoms, format=fmt))
    return fmt

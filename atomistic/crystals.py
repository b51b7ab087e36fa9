"""Crystal data of the paper's phases: lattices for all, atoms where a read source exists.

Every phase has a lattice (cell parameters + space group) in ``data/crystals.json`` with its
source and whether the numbers were checked against it. Atoms exist only for the NASICON
framework that was read (Na4Zr2Si3O12, Tran Qui et al. 1981) and for the two labelled models
built from it (NVP, NZSP). Any phase can be read from a user's CIF with
``bulk(name, cif=path)``; where neither exists, :class:`MissingAtomsError` says which phase
lacks atoms and how to pass a CIF.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any, Union

import ase.io
import numpy as np
from ase import Atoms
from ase.cell import Cell
from ase.spacegroup import crystal as _ase_crystal

__all__ = [
    "Crystal",
    "MissingAtomsError",
    "PhaseRecord",
    "bulk",
    "cell",
    "check_formula",
    "formula_units",
    "composition",
    "formula_counts",
    "phase_record",
    "phases",
    "site_occupancies",
    "structure",
]

log = logging.getLogger(__name__)

#: Anything the crystallography functions accept: a phase name, an ``ase.Atoms`` or an
#: ``ase.cell.Cell``.
Crystal = Union[str, Atoms, Cell]

#: Relative difference of cell lengths above which a user's CIF is reported as differing
#: from the bundled lattice (a different setting or a different phase).
_CIF_CELL_WARN = 0.03


class MissingAtomsError(LookupError):
    """A phase has a lattice in the package but no atomic coordinates."""


@dataclass(frozen=True)
class PhaseRecord:
    """The bundled data of one phase (lattice level), with provenance.

    Attributes
    ----------
    name : str
        Phase name used throughout the package ("NVP", "NH4VO3", ...).
    formula : str
        Formula unit, e.g. "Na3V2P3O12".
    description : str
        One line on what the phase is.
    spacegroup : int
        International Tables number.
    spacegroup_symbol : str
        Hermann-Mauguin symbol of the setting used (ASE setting 1; hexagonal axes for R).
    cellpar : tuple of float
        a, b, c in Angstrom; alpha, beta, gamma in degrees.
    cell_source : str
        Reference of the cell parameters.
    cell_status : str
        "read", "not re-read" or "model".
    cell_checked : bool
        Whether the cell numbers were checked against ``cell_source``.
    atoms_status : str or None
        "read", "model" or None (no bundled atoms: CIF input only).
    atoms_description : str
        What the bundled atoms are (the model recipe), or why there are none.
    oxidation_states : dict
        Formal oxidation state of each element (charge balance of the formula).
    """

    name: str
    formula: str
    description: str
    spacegroup: int
    spacegroup_symbol: str
    cellpar: tuple[float, float, float, float, float, float]
    cell_source: str
    cell_status: str
    cell_checked: bool
    atoms_status: str | None
    atoms_description: str
    oxidation_states: dict[str, int]

    def __post_init__(self) -> None:
        allowed = ("read", "not re-read", "model")
        if self.cell_status not in allowed:
            raise ValueError(
                f"PhaseRecord.cell_status = {self.cell_status!r} for {self.name}; allowed: {allowed}"
            )
        if self.atoms_status not in ("read", "model", None):
            raise ValueError(
                f"PhaseRecord.atoms_status = {self.atoms_status!r} for {self.name}; "
                "allowed: 'read', 'model', None"
            )
        if not 1 <= self.spacegroup <= 230:
            raise ValueError(
                f"PhaseRecord.spacegroup = {self.spacegroup} for {self.name}; allowed: 1..230"
            )
        if len(self.cellpar) != 6 or min(self.cellpar[:3]) <= 0:
            raise ValueError(
                f"PhaseRecord.cellpar = {self.cellpar} for {self.name}; "
                "allowed: six numbers with positive lengths"
            )


@lru_cache(maxsize=None)
def _data() -> dict[str, Any]:
    text = resources.files("atomistic").joinpath("data/crystals.json").read_text()
    return json.loads(text)


def _reference(key: str) -> str:
    source = _data()["sources"][key]
    database = source.get("database")
    return f"{source['reference']} ({database})" if database else source["reference"]


def phases() -> tuple[str, ...]:
    """Names of the bundled phases.

    Examples
    --------
    >>> phases()
    ('NH4VO3', 'NaH2PO4', 'NVP', 'NZSP', 'Na4Zr2Si3O12')
    """
    return tuple(_data()["phases"])


def _entry(name: str) -> dict[str, Any]:
    try:
        return _data()["phases"][name]
    except KeyError:
        raise ValueError(
            f"unknown phase {name!r}; bundled phases: {', '.join(phases())} "
            "(any other phase: bulk(name, cif=path))"
        ) from None


@lru_cache(maxsize=None)
def phase_record(name: str) -> PhaseRecord:
    """The bundled lattice-level record of a phase, with its sources.

    Examples
    --------
    >>> rec = phase_record("NVP")
    >>> rec.spacegroup, rec.cell_status, rec.atoms_status
    (167, 'read', 'model')
    """
    e = _entry(name)
    atoms = e["atoms"]
    if atoms is None:
        atoms_description = "none bundled (no source read offline): pass a CIF"
    elif atoms["status"] == "model":
        framework = _entry(atoms["framework"])["atoms"]["source"]
        atoms_description = (
            f"MODEL: {atoms['model']}; framework coordinates from {_reference(framework)}"
        )
    else:
        corrected = [site["label"] for site in atoms["sites"] if "correction" in site]
        atoms_description = "read: " + _reference(atoms["source"]) + (
            f"; corrected site(s) {', '.join(corrected)} (sign slip in the record, see "
            "data/crystals.json)" if corrected else ""
        )
    return PhaseRecord(
        name=name,
        formula=e["formula"],
        description=e["description"],
        spacegroup=int(e["spacegroup"]),
        spacegroup_symbol=e["spacegroup_symbol"],
        cellpar=tuple(float(x) for x in e["cellpar"]),  # type: ignore[arg-type]
        cell_source=_reference(e["cell_source"]) + (f" ({e['cell_note']})" if "cell_note" in e else ""),
        cell_status=e["cell_status"],
        cell_checked=bool(e["cell_checked_against_source"]),
        atoms_status=None if atoms is None else atoms["status"],
        atoms_description=atoms_description,
        oxidation_states=dict(e["oxidation_states"]),
    )


def cell(crystal: Crystal) -> Cell:
    """The lattice of a phase name, an ``Atoms`` or a ``Cell``, as an ``ase.cell.Cell`` (Å).

    For a phase name the cell is built from the bundled cell parameters with ASE's
    convention (a along x, b in the xy plane), the same orientation ``bulk`` uses.

    Examples
    --------
    >>> round(float(cell("NH4VO3").lengths()[1]), 2)
    11.79
    """
    if isinstance(crystal, str):
        return Cell.fromcellpar(list(phase_record(crystal).cellpar))
    if isinstance(crystal, Atoms):
        return crystal.cell.copy()
    if isinstance(crystal, Cell):
        return crystal.copy()
    return Cell(np.asarray(crystal, dtype=float))


def _occupancy(text: str) -> float:
    return float(Fraction(text))


def _framework_sites(name: str) -> list[dict[str, Any]]:
    return _entry(name)["atoms"]["sites"]


def _build(name: str) -> Atoms:
    e = _entry(name)
    atoms_data = e["atoms"]
    record = phase_record(name)
    if atoms_data["status"] == "read":
        sites = atoms_data["sites"]
        substitutions: dict[str, dict[str, str]] = {}
    else:
        sites = _framework_sites(atoms_data["framework"])
        substitutions = atoms_data["substitutions"]
    symbols: list[str] = []
    basis: list[list[float]] = []
    occupancies: list[float] = []
    for site in sites:
        species = substitutions.get(site["label"], {site["element"]: site["occupancy"]})
        for element, occ in species.items():
            symbols.append(element)
            basis.append(site["xyz"])
            occupancies.append(_occupancy(occ))
    atoms = _ase_crystal(
        symbols,
        basis=basis,
        occupancies=occupancies,
        spacegroup=record.spacegroup,
        cellpar=list(record.cellpar),
        onduplicates="keep",
    )
    atoms.info.update(
        phase=name,
        status=atoms_data["status"],
        model=atoms_data["status"] == "model",
        source=record.atoms_description,
        cell_source=record.cell_source,
        oxidation_states=dict(record.oxidation_states),
        Z=int(atoms_data["Z"]),
    )
    return atoms


def bulk(name: str, cif: str | os.PathLike[str] | None = None) -> Atoms:
    """The conventional cell of a phase as ``ase.Atoms``.

    Parameters
    ----------
    name : str
        Phase name ("NVP", "NZSP", "Na4Zr2Si3O12", "NH4VO3", "NaH2PO4") or, with ``cif``,
        any name for a phase read from that file.
    cif : path, optional
        A CIF to read with ``ase.io.read`` (e.g. an ICSD or COD file). Takes precedence over
        bundled atoms.

    Returns
    -------
    ase.Atoms
        A new object. ``info`` holds ``phase``, ``status`` ("read", "model" or "user CIF"),
        ``source`` and, for partial occupancies, ASE's ``occupancy`` mapping (site kind ->
        {element: occupancy}) with the ``spacegroup_kinds`` array.

    Raises
    ------
    MissingAtomsError
        The phase has a lattice only and no CIF was given; the message says how to pass one.

    Examples
    --------
    >>> nvp = bulk("NVP")
    >>> len(nvp), nvp.info["status"]
    (126, 'model')
    """
    if cif is not None:
        return _read_cif(name, cif)
    record = phase_record(name)
    if record.atoms_status is None:
        raise MissingAtomsError(
            f"{name} has no bundled atomic coordinates: only its lattice "
            f"({record.spacegroup_symbol}, cell from {record.cell_source}) is in the package, "
            f"because no source of its atom positions was available offline. Pass a CIF "
            f"(e.g. from ICSD or COD): atomistic.bulk({name!r}, cif='path/to/{name}.cif'), "
            f"or on the command line: nvp-growth crystal-report --cif {name}=path/to/{name}.cif"
        )
    return _cached_build(name).copy()


@lru_cache(maxsize=None)
def _cached_build(name: str) -> Atoms:
    return _build(name)


def structure(crystal: str | Atoms) -> Atoms:
    """The atoms of a phase name (:func:`bulk`) or an ``Atoms`` itself (not copied).

    Examples
    --------
    >>> len(structure("NZSP"))
    126
    """
    return bulk(crystal) if isinstance(crystal, str) else crystal


class CifError(ValueError):
    """A CIF that cannot be read; the message is one line naming the file."""


def _read_cif(name: str, path: str | os.PathLike[str]) -> Atoms:
    atoms = _read_cif_atoms(os.fspath(path))
    atoms.info.update(phase=name, status="user CIF", model=False, source=os.fspath(path))
    if name in phases():
        record = phase_record(name)
        atoms.info.setdefault("oxidation_states", dict(record.oxidation_states))
        bundled = np.array(record.cellpar[:3])
        read = atoms.cell.lengths()
        if np.max(np.abs(read - bundled) / bundled) > _CIF_CELL_WARN:
            log.warning(
                "%s: the CIF %s has cell lengths %s Å, the bundled lattice %s Å "
                "(a different setting or phase?)",
                name, os.fspath(path), np.round(read, 3).tolist(), bundled.tolist(),
            )
    return atoms


def _read_cif_atoms(path: str) -> Atoms:
    """The first structure of a CIF, refusing a missing path, a directory, an unreadable file,
    text that ASE cannot parse and a structure without atoms, naming the file."""
    if not os.path.exists(path):
        raise CifError(f"CIF {path} does not exist")
    if not os.path.isfile(path):
        raise CifError(f"CIF {path} is not a file")
    try:
        atoms = ase.io.read(path, format="cif")
    except Exception as err:  # ASE's parser raises anything (AssertionError, StopIteration, ...) on bad text
        detail = " ".join(str(err).split()) or "no data block with a cell and atom sites"
        raise CifError(f"CIF {path} is not a readable CIF: {type(err).__name__}: {detail}") from err
    if not isinstance(atoms, Atoms) or len(atoms) == 0:
        raise CifError(f"CIF {path} holds no atoms")
    return atoms


def site_occupancies(atoms: Atoms) -> list[dict[str, float]]:
    """Species and occupancy of every site, ``[{element: occupancy}, ...]``.

    Uses ASE's convention (``info["occupancy"]`` keyed by ``spacegroup_kinds``); a site
    without it is fully occupied by its own element.

    Examples
    --------
    >>> occ = site_occupancies(bulk("NZSP"))
    >>> sorted({tuple(sorted(o.items())) for o in occ if "P" in o})
    [(('P', 0.2), ('Si', 0.8))]
    """
    info = atoms.info.get("occupancy")
    kinds = atoms.arrays.get("spacegroup_kinds")
    symbols = atoms.get_chemical_symbols()
    if info is None or kinds is None:
        return [{s: 1.0} for s in symbols]
    return [{k: float(v) for k, v in info[str(kind)].items()} for kind in kinds]


def composition(atoms: Atoms) -> dict[str, float]:
    """Occupancy-weighted number of atoms of each element in the cell.

    Examples
    --------
    >>> {k: round(v, 6) for k, v in sorted(composition(bulk("NVP")).items())}
    {'Na': 18.0, 'O': 72.0, 'P': 18.0, 'V': 12.0}
    """
    total: dict[str, float] = {}
    for site in site_occupancies(atoms):
        for element, occ in site.items():
            total[element] = total.get(element, 0.0) + occ
    return total


#: Relative difference of the element ratios above which a structure is not the phase's formula:
#: CIF occupancies are printed to 3-4 decimals (2/3 as 0.667: 5e-4), a wrong phase differs by
#: whole elements.
_FORMULA_TOL = 0.01


def formula_counts(formula: str) -> dict[str, float]:
    """Atoms of each element in a formula unit, fractional counts allowed.

    Examples
    --------
    >>> formula_counts("Na3.4Zr2Si2.4P0.6O12")
    {'Na': 3.4, 'Zr': 2.0, 'Si': 2.4, 'P': 0.6, 'O': 12.0}
    >>> formula_counts("NaH2PO4")
    {'Na': 1.0, 'H': 2.0, 'P': 1.0, 'O': 4.0}
    """
    tokens = re.findall(r"([A-Z][a-z]?)(\d*\.?\d*)", formula)
    if not tokens or "".join(e + n for e, n in tokens) != formula:
        raise ValueError(f"formula {formula!r}: allowed are element symbols each with an optional count")
    counts: dict[str, float] = {}
    for element, number in tokens:
        counts[element] = counts.get(element, 0.0) + (float(number) if number else 1.0)
    return counts


def formula_units(atoms: Atoms, name: str) -> float:
    """Formula units of phase ``name`` in ``atoms`` (Z of a cell), refusing a composition that is not
    a multiple of the bundled formula.

    The occupancy-weighted composition (:func:`composition`) must be a multiple of the formula
    unit: the same elements, each ratio within 1 %; Z is the mean of the ratios.

    Raises
    ------
    CifError
        One line naming the structure's source (its CIF), what it holds and the formula needed.

    Examples
    --------
    >>> formula_units(bulk("NVP"), "NVP")
    6.0
    >>> formula_units(bulk("NZSP"), "NVP")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    atomistic.crystals.CifError: NVP: the structure from ... holds Na20.4O72P3.6Si14.4Zr12 per cell, not a multiple of NVP's Na3V2P3O12; allowed: a CIF of NVP
    """
    wanted = formula_counts(phase_record(name).formula)
    found = composition(atoms)
    source = atoms.info.get("source", "the given atoms")
    if set(found) == set(wanted):
        per_unit = [found[e] / wanted[e] for e in wanted]
        z = float(np.mean(per_unit))
        if z > 0 and all(abs(v - z) <= _FORMULA_TOL * z for v in per_unit):
            return z
    held = "".join(f"{e}{_count(n)}" for e, n in sorted(found.items()))
    raise CifError(
        f"{name}: the structure from {source} holds {held} per cell, not a multiple of "
        f"{name}'s {phase_record(name).formula}; allowed: a CIF of {name}"
    )


def check_formula(atoms: Atoms, name: str) -> None:
    """Refuse a structure whose composition is not the bundled formula of phase ``name``
    (:func:`formula_units`, its result unused).

    Examples
    --------
    >>> check_formula(bulk("NVP"), "NVP")
    """
    formula_units(atoms, name)


def _count(x: float) -> str:
    return f"{x:.3g}" if abs(x - round(x)) > 1e-6 else str(int(round(x)))

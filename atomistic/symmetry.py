"""Symmetry operations in a crystal's own basis, and the systematic absences they imply.

A reflection h (row vector of Miller indices) is systematically absent when some operation
(R, t) of the space group, x -> R x + t, leaves it invariant (h R = h) while its phase
exp(2 pi i h.t) differs from 1: the structure factor of the general position then cancels in
pairs, whatever the atoms. This needs only the space group, so peak positions and the
Donnay-Harker facet estimate work for lattice-only phases.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import spglib
from ase import Atoms
from ase.cell import Cell
from ase.spacegroup import Spacegroup

from .crystals import Crystal, phase_record

__all__ = [
    "allowed_reflections",
    "lattice_points",
    "spacegroup",
    "spglib_dataset",
    "symmetry_operations",
]


def spglib_dataset(atoms: Atoms, symprec: float = 1e-3) -> Any:
    """spglib's symmetry dataset of an ``Atoms`` (full site set, one species per site).

    spglib 2.8 given an ``ase.Atoms`` silently returns None, so the ``(cell, scaled
    positions, numbers)`` tuple is passed.

    Examples
    --------
    >>> from atomistic.crystals import bulk
    >>> spglib_dataset(bulk("NVP")).number
    167
    """
    with warnings.catch_warnings():
        # spglib 2.8 warns on every call unless its global error mode is switched; leave
        # that global alone and silence only this deprecation here.
        warnings.filterwarnings("ignore", "Set OLD_ERROR_HANDLING", DeprecationWarning)
        data = spglib.get_symmetry_dataset(
            (np.asarray(atoms.cell), atoms.get_scaled_positions(), atoms.numbers),
            symprec=symprec,
        )
    if data is None:
        raise ValueError(f"spglib found no symmetry for {atoms.get_chemical_formula()}")
    return data


def symmetry_operations(
    crystal: Crystal, symprec: float = 1e-3
) -> tuple[np.ndarray, np.ndarray]:
    """Rotations (n, 3, 3) and translations (n, 3) of the space group in the crystal's basis.

    A phase name uses the bundled space group (ASE setting 1, the setting of its cell); an
    ``Atoms`` uses spglib on its own cell, so any setting a CIF uses is honoured; a bare
    ``Cell`` has no known symmetry beyond P1.
    """
    if isinstance(crystal, str):
        return Spacegroup(phase_record(crystal).spacegroup).get_op()
    if isinstance(crystal, Atoms):
        data = spglib_dataset(crystal, symprec=symprec)
        return np.asarray(data.rotations), np.asarray(data.translations)
    if isinstance(crystal, Cell) or np.shape(crystal) == (3, 3):
        return np.eye(3, dtype=int)[None], np.zeros((1, 3))
    raise TypeError(f"expected a phase name, ase.Atoms or ase.cell.Cell, got {type(crystal)}")


def allowed_reflections(
    hkl: np.ndarray, rotations: np.ndarray, translations: np.ndarray, tol: float = 1e-6
) -> np.ndarray:
    """Boolean mask, True where a reflection is not systematically absent.

    Parameters
    ----------
    hkl : (n, 3) int array
        Miller indices in the basis of ``rotations``.
    rotations, translations : arrays
        Space-group operations x -> R x + t in the same basis.

    Examples
    --------
    >>> from ase.spacegroup import Spacegroup
    >>> rot, tr = Spacegroup(167).get_op()
    >>> allowed_reflections(np.array([[0, 0, 6], [0, 0, 9], [1, 0, 4]]), rot, tr).tolist()
    [True, False, True]
    """
    hkl = np.atleast_2d(np.asarray(hkl, dtype=int))
    absent = np.zeros(len(hkl), dtype=bool)
    for rot, trans in zip(rotations, translations):
        invariant = np.all(hkl @ rot == hkl, axis=1)
        phase = hkl @ trans
        shifted = np.abs(phase - np.round(phase)) > tol
        absent |= invariant & shifted
    return ~absent


def lattice_points(crystal: Crystal) -> np.ndarray:
    """Fractional coordinates of the lattice points in the conventional cell (centring).

    Examples
    --------
    >>> lattice_points("NVP").round(4).tolist()
    [[0.0, 0.0, 0.0], [0.6667, 0.3333, 0.3333], [0.3333, 0.6667, 0.6667]]
    """
    if isinstance(crystal, str):
        return np.asarray(Spacegroup(phase_record(crystal).spacegroup).subtrans, dtype=float)
    if isinstance(crystal, Atoms):
        recorded = crystal.info.get("spacegroup")
        if isinstance(recorded, Spacegroup):
            return np.asarray(recorded.subtrans, dtype=float)
        rotations, translations = symmetry_operations(crystal)
        pure = np.all(rotations == np.eye(3, dtype=int), axis=(1, 2))
        points = np.mod(translations[pure], 1.0)
        points[np.isclose(points, 1.0, atol=1e-6)] = 0.0
        return np.unique(np.round(points, 8), axis=0)
    return np.zeros((1, 3))


def spacegroup(crystal: str | Atoms, symprec: float = 1e-3) -> Spacegroup:
    """The space group of a phase name or an ``Atoms``.

    For an ``Atoms`` the group recorded by ASE's CIF reader or ``crystal`` is used; otherwise
    spglib finds it from the full site set (one species per site).

    Examples
    --------
    >>> spacegroup("NaH2PO4").no
    14
    """
    if isinstance(crystal, str):
        return Spacegroup(phase_record(crystal).spacegroup)
    recorded = crystal.info.get("spacegroup")
    if isinstance(recorded, Spacegroup):
        return recorded
    return Spacegroup(int(spglib_dataset(crystal, symprec=symprec).number))

"""Powder X-ray diffraction pattern (Cu K-alpha): peak positions for every phase, intensities
where atoms exist.

Positions: every reflection h with 2 theta <= ``two_theta_max`` from Bragg's law,
lambda = 2 d sin(theta), minus the space group's systematic absences
(:mod:`atomistic.symmetry`); this needs the lattice only. Reflections with the same d (within
1e-5 deg in 2 theta) form one peak; ``multiplicity`` counts them.

Intensities (relative, 100 for the strongest peak):

    I = sum_h |F_h|^2 (1 + cos^2 2theta) / (sin^2 theta cos theta),
    F_h = sum_j occ_j f_j(s) exp(2 pi i h . x_j),  s = sin(theta) / lambda,

with the neutral-atom form factors of Waasmaier & Kirfel (``data/scattering_factors.json``),
occupancy-weighted (mixed sites sum their species), the Lorentz-polarisation factor of an
unpolarised beam without monochromator, no temperature factor, absorption or anomalous
dispersion. Lattice-only phases get NaN intensities.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from ase import Atoms
from ase.utils.xrdebye import wavelengths

from .crystallography import index_box
from .crystals import Crystal, bulk, cell, phase_record, site_occupancies
from .symmetry import allowed_reflections, symmetry_operations

__all__ = ["CU_KALPHA", "atomic_form_factor", "powder_xrd"]

#: Cu K-alpha wavelength, Å: the 2:1 weighted mean of K-alpha1 and K-alpha2 from ASE's table
#: (``ase.utils.xrdebye.wavelengths``).
CU_KALPHA = (2.0 * wavelengths["CuKa1"] + wavelengths["CuKa2"]) / 3.0

#: Reflections closer than this in 2 theta (deg) are one peak.
_MERGE_TOL_DEG = 1e-5


@lru_cache(maxsize=None)
def _form_factor_table() -> dict[str, dict[str, object]]:
    text = resources.files("atomistic").joinpath("data/scattering_factors.json").read_text()
    return json.loads(text)["elements"]


def atomic_form_factor(element: str, s: np.ndarray | float) -> np.ndarray:
    """Neutral-atom X-ray form factor f0(s), electrons; s = sin(theta) / lambda in 1/Å.

    Examples
    --------
    >>> round(float(atomic_form_factor("V", 0.0)), 2)
    23.0
    """
    try:
        row = _form_factor_table()[element]
    except KeyError:
        raise ValueError(f"no X-ray form factor for {element!r} in data/scattering_factors.json") from None
    s2 = np.asarray(s, dtype=float) ** 2
    a, b = np.asarray(row["a"]), np.asarray(row["b"])
    return row["c"] + np.sum(a[:, None] * np.exp(-b[:, None] * s2.ravel()[None, :]), axis=0).reshape(s2.shape)


def _structure(crystal: Crystal) -> Atoms | None:
    """The atoms of a crystal, or None for a lattice-only input."""
    if isinstance(crystal, Atoms):
        return crystal
    if isinstance(crystal, str) and phase_record(crystal).atoms_status is not None:
        return bulk(crystal)
    return None


def _intensity(atoms: Atoms, hkl: np.ndarray, s: np.ndarray) -> np.ndarray:
    """|F_h|^2 of every reflection."""
    frac = atoms.get_scaled_positions()
    phases = np.exp(2j * np.pi * hkl @ frac.T)  # (n_refl, n_sites)
    occupancies = site_occupancies(atoms)
    elements = sorted({el for site in occupancies for el in site})
    weights = np.array([[site.get(el, 0.0) for el in elements] for site in occupancies])
    form = np.array([atomic_form_factor(el, s) for el in elements])  # (n_el, n_refl)
    f_site = (weights @ form).T  # (n_refl, n_sites)
    structure_factor = np.sum(f_site * phases, axis=1)
    return np.abs(structure_factor) ** 2


def powder_xrd(
    crystal: Crystal,
    two_theta_max: float = 90.0,
    *,
    two_theta_min: float = 0.0,
    wavelength: float = CU_KALPHA,
) -> pd.DataFrame:
    """Powder pattern: one row per peak.

    Parameters
    ----------
    crystal : phase name, ase.Atoms or ase.cell.Cell
        A phase name uses its bundled atoms where they exist (NVP, NZSP: labelled models) and
        its lattice + space group otherwise; an ``Atoms`` (e.g. ``bulk(name, cif=...)``) its
        own atoms and spglib symmetry; a ``Cell`` has no known absences.
    two_theta_max, two_theta_min : float
        Range, degrees.
    wavelength : float
        X-ray wavelength, Å (default Cu K-alpha, 1.5419 Å).

    Returns
    -------
    pandas.DataFrame
        Columns ``two_theta`` (deg), ``d`` (Å), ``h``, ``k``, ``l`` (one reflection of the
        strongest family of the peak), ``multiplicity`` (reflections in the peak),
        ``intensity`` (relative, 100 for the strongest; NaN without atoms) and ``families``
        (every family of the peak, as text). Sorted by 2 theta.

    Examples
    --------
    >>> xrd = powder_xrd("NH4VO3", 20)
    >>> xrd[["h", "k", "l"]].iloc[0].tolist(), round(float(xrd["d"].iloc[0]), 3)
    ([0, 2, 0], 5.895)
    """
    if not 0.0 <= two_theta_min < two_theta_max < 180.0:
        raise ValueError(
            f"two_theta range ({two_theta_min}, {two_theta_max}); allowed: 0 <= min < max < 180 deg"
        )
    lattice = np.asarray(cell(crystal))
    reciprocal = np.linalg.inv(lattice).T
    g_max = 2.0 * np.sin(np.radians(two_theta_max / 2.0)) / wavelength
    g_min = 2.0 * np.sin(np.radians(two_theta_min / 2.0)) / wavelength
    reach = np.floor(g_max * np.linalg.norm(lattice, axis=1)).astype(int)
    hkl = index_box(reach)
    g = np.linalg.norm(hkl @ reciprocal, axis=1)
    keep = (g > 0) & (g <= g_max) & (g >= g_min)
    hkl, g = hkl[keep], g[keep]
    rotations, translations = symmetry_operations(crystal)
    allowed = allowed_reflections(hkl, rotations, translations)
    hkl, g = hkl[allowed], g[allowed]
    theta = np.arcsin(np.clip(g * wavelength / 2.0, -1.0, 1.0))
    two_theta = np.degrees(2.0 * theta)
    atoms = _structure(crystal)
    if atoms is None:
        raw = np.full(len(hkl), np.nan)
    else:
        lorentz_polarisation = (1 + np.cos(2 * theta) ** 2) / (np.sin(theta) ** 2 * np.cos(theta))
        raw = _intensity(atoms, hkl, g / 2.0) * lorentz_polarisation
    return _merge_peaks(hkl, g, two_theta, raw, rotations)


def _family_key(h: np.ndarray, rotations: np.ndarray) -> tuple[int, ...]:
    """Canonical member of a reflection's family under the point group + Friedel: the one with
    the most non-negative indices, then the largest."""
    members = np.concatenate([h @ rotations, -(h @ rotations)])
    best = max(members.tolist(), key=lambda m: (sum(x >= 0 for x in m), m))
    return tuple(int(x) for x in best)


def _merge_peaks(
    hkl: np.ndarray, g: np.ndarray, two_theta: np.ndarray, raw: np.ndarray, rotations: np.ndarray
) -> pd.DataFrame:
    order = np.argsort(two_theta, kind="stable")
    hkl, g, two_theta, raw = hkl[order], g[order], two_theta[order], raw[order]
    point_group = np.unique(rotations, axis=0)
    starts = np.flatnonzero(np.diff(two_theta, prepend=-1.0) > _MERGE_TOL_DEG)
    stops = np.append(starts[1:], len(two_theta))
    rows = []
    for a, b in zip(starts, stops):
        families: dict[tuple[int, ...], float] = {}
        for h, value in zip(hkl[a:b], raw[a:b]):
            key = _family_key(h, point_group)
            families[key] = families.get(key, 0.0) + (0.0 if np.isnan(value) else value)
        strongest = max(families, key=lambda k: (families[k], k))
        rows.append(
            dict(
                two_theta=float(two_theta[a:b].mean()),
                d=float(1.0 / g[a:b].mean()),
                h=strongest[0], k=strongest[1], l=strongest[2],
                multiplicity=int(b - a),
                intensity=float(raw[a:b].sum()),
                families=" ".join("({} {} {})".format(*f) for f in sorted(families, reverse=True)),
            )
        )
    table = pd.DataFrame(rows)
    if len(table) and table["intensity"].notna().all() and table["intensity"].max() > 0:
        table["intensity"] = 100.0 * table["intensity"] / table["intensity"].max()
    return table

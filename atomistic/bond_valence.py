"""Bond-valence sums (Brown & Altermatt) of the cation sites of a structure.

The valence of a cation-oxygen bond of length R is s = exp((R0 - R) / b); the sum over a
cation's oxygen neighbours should equal its oxidation state. R0 and b come from I. D. Brown's
accumulated table (``data/bond_valence.json``, each row with its primary reference; b = 0.37 Å
for every cation of this package). A bond-valence sum far from the formal valence exposes a
wrong coordinate that a space-group check cannot see (crystals.md: the sign slip of y(O2) in
the NASICON record gives Zr 5.5 instead of 4).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from ase import Atoms
from ase.neighborlist import neighbor_list

from .crystals import site_occupancies

__all__ = ["bond_valence_parameter", "bond_valence_sums"]

#: Neighbours farther than this (Å) are ignored; at 3.5 Å a Na-O bond carries 0.01 v.u.
DEFAULT_CUTOFF = 3.5


@lru_cache(maxsize=None)
def _table() -> dict[str, Any]:
    text = resources.files("atomistic").joinpath("data/bond_valence.json").read_text()
    return json.loads(text)


def bond_valence_parameter(element: str, valence: int) -> tuple[float, float, str]:
    """R0 (Å), b (Å) and the reference of a cation-O(2-) bond.

    Examples
    --------
    >>> bond_valence_parameter("V", 3)[:2]
    (1.743, 0.37)
    """
    try:
        row = _table()["parameters"][f"{element}{valence}"]
    except KeyError:
        raise ValueError(
            f"no bond-valence parameter for {element}{valence:+d}-O in Brown's table "
            "(data/bond_valence.json)"
        ) from None
    return float(row["R0"]), float(row["b"]), str(row["reference"])


def bond_valence_sums(
    atoms: Atoms,
    oxidation_states: dict[str, int] | None = None,
    cutoff: float = DEFAULT_CUTOFF,
) -> pd.DataFrame:
    """Bond-valence sum of every cation site, counting its oxygen neighbours.

    Parameters
    ----------
    atoms : ase.Atoms
        The structure; partial occupancies (ASE's ``info["occupancy"]``) weight each
        neighbour by its occupancy. A mixed site is evaluated with the parameters of the
        element ASE put on it (its majority species).
    oxidation_states : dict, optional
        Formal oxidation state per element; default ``atoms.info["oxidation_states"]`` (set
        by :func:`atomistic.bulk`).
    cutoff : float
        Largest cation-oxygen distance counted, Å.

    Returns
    -------
    pandas.DataFrame
        One row per cation site: ``index``, ``element``, ``valence`` (expected),
        ``bvs`` (v.u.), ``deviation`` (bvs - valence), ``n_bonds``.

    Examples
    --------
    >>> from atomistic.crystals import bulk
    >>> bvs = bond_valence_sums(bulk("Na4Zr2Si3O12"))
    >>> bvs.groupby("element")["bvs"].mean().round(2).to_dict()
    {'Na': 0.84, 'Si': 4.08, 'Zr': 4.08}
    """
    states = oxidation_states or atoms.info.get("oxidation_states")
    if not states:
        raise ValueError(
            "bond_valence_sums needs oxidation_states={element: valence}; "
            f"{atoms.get_chemical_formula()} has none in atoms.info"
        )
    symbols = np.array(atoms.get_chemical_symbols())
    o_weight = np.array([site.get("O", 0.0) for site in site_occupancies(atoms)])
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    rows = []
    for index, element in enumerate(symbols):
        valence = states.get(element)
        if element == "O" or valence is None or valence <= 0:
            continue
        r0, b, _ = bond_valence_parameter(element, int(valence))
        mask = (i == index) & (o_weight[j] > 0)
        s = o_weight[j[mask]] * np.exp((r0 - d[mask]) / b)
        rows.append(
            dict(
                index=index,
                element=str(element),
                valence=int(valence),
                bvs=float(s.sum()),
                deviation=float(s.sum() - valence),
                n_bonds=int(mask.sum()),
            )
        )
    return pd.DataFrame(rows)

"""How closely the sites of two crystals coincide when superposed under an orientation relationship.

The metric (the overlay of the paper's Fig. 4d / 5k, made reproducible):

1. Crystal b is rotated into crystal a's frame by the relationship
   (:func:`atomistic.crystallography.orientation_matrix`); both are unstrained and infinite.
2. The registry is fixed by an anchor: one site of a is put on one site of b. Every pair
   (site i of a's cell, site j of b's cell) is tried and the best is kept.
3. The sites of a counted are those of a block of ``cells`` conventional cells of a centred on
   the anchor (fractional offsets in [-n_k / 2, n_k / 2)); for a pattern whose period divides
   the block the fraction is exact.
4. ``fraction`` = share of those sites with a site of b within ``r_tol`` (Å). With
   ``projected=True`` distances are measured perpendicular to the relationship's direction
   (atom columns seen down the zone axis, as in HRTEM) instead of in 3D.

``random_fraction`` is what uncorrelated sites would give, 1 - exp(-rho_b V_tol), with rho_b the
site density of b and V_tol the sphere (3D) or disc x column period (projected) of radius
r_tol: a fraction near it means no real registry.

Sites are the atoms of one element, or "lattice" for the lattice points (centring
translations) of a lattice-only phase, as the paper does for NaH2PO4 (Fig. 5k, S6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from ase import Atoms
from scipy.spatial import cKDTree

from .crystallography import OrientationRelationship, direction_vector, index_box, orientation_matrix
from .crystals import Crystal, cell, structure
from .symmetry import lattice_points

__all__ = ["OverlapResult", "site_overlap"]

LATTICE = "lattice"


@dataclass(frozen=True)
class OverlapResult:
    """Result of :func:`site_overlap`.

    Attributes
    ----------
    fraction : float
        Share of crystal a's counted sites with a site of b within ``r_tol``.
    n_sites, n_matched : int
        Counted sites of a, and how many of them are matched.
    r_tol : float
        Match distance, Å.
    random_fraction : float
        Fraction expected for uncorrelated sites (see module docstring).
    anchor : tuple of int
        (site index in a's cell, site index in b's cell) of the best registry.
    projected : bool
        Whether distances were measured perpendicular to the relationship's direction.
    sites : pandas.DataFrame
        Per counted site of a: ``x``, ``y``, ``z`` (Å, a's frame, relative to the anchor),
        ``distance`` to the nearest site of b (Å) and ``matched``.
    description : str
        The crystals, species, relationship and parameters, in words.
    """

    fraction: float
    n_sites: int
    n_matched: int
    r_tol: float
    random_fraction: float
    anchor: tuple[int, int]
    projected: bool
    sites: pd.DataFrame
    description: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"OverlapResult.fraction = {self.fraction}; allowed: [0, 1]")


def _sites(crystal: Crystal | Atoms, species: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Fractional site coordinates, the cell, and a label of a crystal's chosen sites."""
    if species == LATTICE:
        lattice = cell(crystal)
        name = crystal if isinstance(crystal, str) else crystal.info.get("phase", "crystal")
        return lattice_points(crystal), np.asarray(lattice), f"{name} lattice points"
    atoms = structure(crystal)
    mask = np.array(atoms.get_chemical_symbols()) == species
    if not mask.any():
        raise ValueError(f"{atoms.get_chemical_formula()} has no {species} sites")
    name = atoms.info.get("phase", atoms.get_chemical_formula())
    model = " (model)" if atoms.info.get("model") else ""
    return atoms.get_scaled_positions()[mask], np.asarray(atoms.cell), f"{name}{model} {species} sites"


def _images(frac: np.ndarray, lattice: np.ndarray, radius: float) -> np.ndarray:
    """Cartesian positions of all periodic images within ``radius`` of the origin."""
    reciprocal = np.linalg.inv(lattice).T
    grid = index_box(np.ceil(radius * np.linalg.norm(reciprocal, axis=1)).astype(int) + 1)
    points = ((frac[None, :, :] + grid[:, None, :]).reshape(-1, 3)) @ lattice
    return points[np.linalg.norm(points, axis=1) <= radius]


def site_overlap(
    crystal_a: Crystal | Atoms,
    crystal_b: Crystal | Atoms,
    relationship: OrientationRelationship,
    *,
    species_a: str = "V",
    species_b: str = "V",
    r_tol: float = 0.5,
    cells: tuple[int, int, int] = (4, 4, 4),
    projected: bool = False,
) -> OverlapResult:
    """Fraction of crystal a's sites that have a site of crystal b within ``r_tol``.

    Parameters
    ----------
    crystal_a, crystal_b : phase name or ase.Atoms
        The two crystals; a phase without bundled atoms needs ``bulk(name, cif=...)`` unless
        its species is ``"lattice"``.
    relationship : OrientationRelationship
        Parallel directions and planes of a and b.
    species_a, species_b : str
        Element whose sites are compared, or ``"lattice"`` for lattice points.
    r_tol : float
        Match distance, Å.
    cells : (int, int, int)
        Block of crystal a's conventional cells counted around the anchor.
    projected : bool
        Compare atom columns seen down the relationship's direction instead of 3D sites.

    Returns
    -------
    OverlapResult

    Examples
    --------
    >>> rel = OrientationRelationship((1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))
    >>> site_overlap("NVP", "NVP", rel).fraction
    1.0
    """
    if r_tol <= 0:
        raise ValueError(f"r_tol = {r_tol}; allowed: > 0 Å")
    if any(int(n) != n or n < 1 for n in cells):
        raise ValueError(f"cells = {cells}; allowed: three integers >= 1")
    frac_a, lat_a, label_a = _sites(crystal_a, species_a)
    frac_b, lat_b, label_b = _sites(crystal_b, species_b)
    rot = orientation_matrix(lat_a, lat_b, relationship)
    axis = direction_vector(lat_a, relationship.direction_a)
    axis = axis / np.linalg.norm(axis)
    half = np.asarray(cells, dtype=float) / 2.0
    offsets = index_box(np.ceil(half).astype(int) + 1)
    block_radius = float(half @ np.linalg.norm(lat_a, axis=1)) + 1.0
    period_b = float(np.linalg.norm(direction_vector(lat_b, relationship.direction_b)))
    # b's images out to one cell diagonal beyond the block: every nearest distance is exact
    reach_b = block_radius + float(np.linalg.norm(lat_b, axis=1).sum()) + (period_b if projected else 0.0)

    def flatten(points: np.ndarray) -> np.ndarray:
        return points - np.outer(points @ axis, axis) if projected else points

    blocks = []
    for anchor_a in frac_a:
        rel_frac = (frac_a[None, :, :] + offsets[:, None, :]).reshape(-1, 3) - anchor_a
        inside = np.all((rel_frac >= -half - 1e-9) & (rel_frac < half - 1e-9), axis=1)
        points_a = rel_frac[inside] @ lat_a
        blocks.append(_unique_rows(flatten(points_a)) if projected else points_a)
    # Anchor (i, j) puts a's site i on b's site j: query b's sites (one tree, rotated into a's
    # frame) at a's block shifted onto site j, |R b - (a + R b_j)|.
    anchors_b = (frac_b @ lat_b) @ rot.T
    reach = reach_b + float(np.linalg.norm(anchors_b, axis=1).max())
    tree = cKDTree(flatten(_images(frac_b, lat_b, reach) @ rot.T))
    best = None
    for j, anchor_b in enumerate(anchors_b):
        for i, points_a in enumerate(blocks):
            distance, _ = tree.query(points_a + flatten(anchor_b[None, :]))
            matched = distance <= r_tol
            if best is None or matched.sum() > best[2].sum():
                best = (i, j, matched, distance, points_a)
    assert best is not None
    i, j, matched, distance, points_a = best
    sites = pd.DataFrame(
        {"x": points_a[:, 0], "y": points_a[:, 1], "z": points_a[:, 2],
         "distance": distance, "matched": matched}
    )
    density_b = len(frac_b) / abs(np.linalg.det(lat_b))
    # projected: b's columns have 2D density rho_b * period_b (one projected cell per period)
    volume = np.pi * r_tol**2 * period_b if projected else 4.0 / 3.0 * np.pi * r_tol**3
    random_fraction = float(1.0 - np.exp(-density_b * volume))
    view = "columns seen down" if projected else "3D sites, direction"
    description = (
        f"{label_a} vs {label_b} under {relationship} ({view} {list(relationship.direction_a)} of a); "
        f"r_tol = {r_tol} Å, block of {cells} cells of a, best of {len(frac_a)} x {len(frac_b)} anchors"
    )
    return OverlapResult(
        fraction=float(matched.mean()),
        n_sites=int(len(matched)),
        n_matched=int(matched.sum()),
        r_tol=r_tol,
        random_fraction=random_fraction,
        anchor=(int(i), int(j)),
        projected=projected,
        sites=sites,
        description=description,
    )


def _unique_rows(points: np.ndarray, decimals: int = 4) -> np.ndarray:
    _, index = np.unique(np.round(points, decimals), axis=0, return_index=True)
    return points[np.sort(index)]

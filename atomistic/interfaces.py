"""Oriented slabs and strained bicrystal supercells of two crystals under an orientation relationship.

Frame: for each crystal the orientation relationship gives a direction [uvw] lying in the
interface plane (hkl). Its slab is cut with ``ase.build.make_supercell`` on a unimodular basis
(v1 = [uvw], v2 completing the plane's 2D lattice, v3 one (hkl) layer out of it) and rotated so
that x // [uvw] and z is the plane normal; the cell's third vector is then set along z, so a
slab of ``layers`` periods v3 has thickness ``layers * d_hkl`` (the conventional-cell d_hkl).

Bicrystal: the two surface lattices are matched by the fixed-orientation coincidence-cell
search (:func:`atomistic.coincidence.coincidence_cells`); both supercells are strained to one
common in-plane cell C = P + s (Q - P), P and Q the substrate and overgrowth supercells and s
the substrate share of the misfit (:func:`atomistic.coincidence.substrate_share`), and stacked
with ``ase.build.stack``. Periodic along z (two interfaces, each with ``gap`` Å), or a slab
with ``vacuum``. Write it with ``ase.io.write`` (extxyz, cif, vasp, lammps-data).
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.build import make_supercell, stack

from .coincidence import CoincidenceCell, coincidence_cells, substrate_share
from .crystallography import (
    Indices,
    OrientationRelationship,
    direction_indices,
    index_box,
    orientation_frame,
    orientation_matrix,
    plane_indices,
    plane_normal,
    reduced_indices,
)
from .crystals import structure

__all__ = ["interface", "oriented_slab", "surface_basis"]


def surface_basis(atoms: Atoms, direction: Indices, plane: Indices) -> np.ndarray:
    """Integer rows v1, v2, v3 (det 1): v1 // direction, v1 and v2 span the plane's lattice.

    v2 is the shortest in-plane lattice vector completing a right-handed basis of the plane's
    2D lattice; v3 the lattice vector one layer out of the plane (h.v3 = 1) with the smallest
    in-plane component.

    Examples
    --------
    >>> from atomistic.crystals import bulk
    >>> surface_basis(bulk("NVP"), (1, 0, 0), (0, 0, 1)).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    hkl = np.array(reduced_indices(plane_indices(plane)))
    v1 = np.array(reduced_indices(direction_indices(direction)))
    if int(hkl @ v1) != 0:
        raise ValueError(f"direction {tuple(direction)} does not lie in plane {tuple(plane)}")
    cell = np.asarray(atoms.cell)
    n = plane_normal(atoms, tuple(hkl))
    n = n / np.linalg.norm(n)
    span = int(np.max(np.abs(hkl)) + np.max(np.abs(v1)) + 2)
    box = index_box(span)
    in_plane = box[(box @ hkl == 0) & np.all(np.cross(v1, box) == hkl, axis=1)]
    out_plane = box[box @ hkl == 1]
    if not len(in_plane) or not len(out_plane):
        raise ValueError(f"no unimodular surface basis found for {tuple(direction)} in {tuple(plane)}")
    v2 = in_plane[np.argmin(np.linalg.norm(in_plane @ cell, axis=1))]
    cart = out_plane @ cell
    lateral = np.linalg.norm(cart - np.outer(cart @ n, n), axis=1)
    v3 = out_plane[np.lexsort((np.linalg.norm(cart, axis=1), np.round(lateral, 8)))[0]]
    return np.array([v1, v2, v3])


def oriented_slab(
    atoms: Atoms,
    direction: Indices,
    plane: Indices,
    layers: int = 1,
    gap: float = 0.0,
) -> Atoms:
    """A slab of ``layers`` (hkl) periods with x // [uvw], z along the plane normal.

    Parameters
    ----------
    atoms : ase.Atoms
        Bulk crystal (not modified).
    direction, plane : tuple of int
        In-plane direction [uvw] and surface plane (hkl).
    layers : int
        Number of periods v3 stacked (thickness ``layers * d_hkl``).
    gap : float
        Empty space added above the slab along z, Å.

    Returns
    -------
    ase.Atoms
        New slab, right-handed, cell rows (a, b in the xy plane; (0, 0, thickness + gap)).
    """
    if layers < 1:
        raise ValueError(f"layers = {layers}; allowed: >= 1")
    if gap < 0:
        raise ValueError(f"gap = {gap}; allowed: >= 0 Å")
    basis = surface_basis(atoms, direction, plane)
    slab = make_supercell(atoms, basis * np.array([[1], [1], [layers]]))
    frame = orientation_frame(atoms, direction, plane)
    cell = np.asarray(slab.cell) @ frame.T
    thickness = float(cell[2, 2])
    slab.positions = slab.positions @ frame.T
    cell[:2, 2] = 0.0
    cell[2] = (0.0, 0.0, thickness + gap)
    slab.set_cell(cell, scale_atoms=False)
    slab.wrap(pbc=(True, True, False))
    slab.info.update(
        {key: atoms.info[key] for key in ("phase", "status", "model", "source") if key in atoms.info}
    )
    if "occupancy" in atoms.info:
        slab.info["occupancy"] = {k: dict(v) for k, v in atoms.info["occupancy"].items()}
    slab.info.update(direction=list(direction), plane=list(plane), layers=layers, thickness=thickness)
    return slab


def _deformation_2d(reference: np.ndarray, strained: np.ndarray) -> np.ndarray:
    """The map g of in-plane rows ``reference`` onto ``strained``: reference @ g = strained."""
    return np.linalg.solve(reference, strained)


def _strain_2d(reference: np.ndarray, strained: np.ndarray) -> np.ndarray:
    """Small in-plane strain (xx, yy, xy) of rows ``reference`` deformed into ``strained``."""
    g = _deformation_2d(reference, strained)
    eps = 0.5 * (g + g.T) - np.eye(2)
    return np.array([eps[0, 0], eps[1, 1], eps[0, 1]])


def interface(
    sub: str | Atoms,
    epi: str | Atoms,
    relationship: OrientationRelationship,
    *,
    layers_sub: int = 2,
    layers_epi: int = 2,
    gap: float = 2.0,
    vacuum: float | None = None,
    max_area: float = 600.0,
    length_tol: float = 0.06,
    angle_tol_deg: float = 2.0,
    stiffness: tuple[float, float] = (1.0, 1.0),
    share: float | None = None,
) -> Atoms:
    """Oriented, strained bicrystal supercell of a substrate and an overgrowth.

    Parameters
    ----------
    sub, epi : phase name or ase.Atoms
        Substrate (crystal a of the relationship) and overgrowth (crystal b). A phase without
        bundled atoms raises :class:`atomistic.crystals.MissingAtomsError`; pass
        ``bulk(name, cif=path)`` instead.
    relationship : OrientationRelationship
        [uvw]_sub // [uvw]_epi in the interface plane (hkl)_sub // (hkl)_epi.
    layers_sub, layers_epi : int
        Slab thicknesses in (hkl) periods.
    gap : float
        Distance added between the slabs at each interface, Å.
    vacuum : float, optional
        None: periodic along z (two interfaces). Otherwise a slab with this much vacuum on
        each side, Å, and ``pbc = (True, True, False)``.
    max_area, length_tol, angle_tol_deg : float
        Coincidence-cell search limits (Å^2, fraction, degrees).
    stiffness : (float, float)
        (Y_sub, Y_epi) for the minimum-energy strain split, with the square roots of the two
        supercell areas as the periods (equal stiffness: equal and opposite strains when the
        misfit is the same along both in-plane vectors).
    share : float, optional
        Substrate share of the misfit in [0, 1], overriding ``stiffness``.

    Returns
    -------
    ase.Atoms
        Substrate atoms first (tag 0), then overgrowth (tag 1). ``info`` records the
        relationship, the coincidence matrices, the substrate share, both in-plane strains
        (``strain_sub`` / ``strain_epi`` as xx, yy, xy), the in-plane maps that strained each
        part (``deformation_sub`` / ``deformation_epi``: F row by row, strained = unstrained @ F
        for in-plane row vectors of its oriented slab) and which inputs are models.

    Examples
    --------
    >>> rel = OrientationRelationship((1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))
    >>> atoms = interface("NZSP", "NVP", rel, layers_sub=1, layers_epi=1)
    >>> len(atoms), [round(x, 4) for x in atoms.info["strain_sub"][:2]]
    (252, [-0.0252, -0.0252])
    """
    rel = relationship
    bulk_sub, bulk_epi = structure(sub), structure(epi)
    orientation_matrix(bulk_sub, bulk_epi, rel)  # refuses an inconsistent relationship, says why
    slab_sub = oriented_slab(bulk_sub, rel.direction_a, rel.plane_a, layers_sub, gap)
    slab_epi = oriented_slab(bulk_epi, rel.direction_b, rel.plane_b, layers_epi, gap)
    cells = coincidence_cells(
        slab_sub.cell[:2, :2], slab_epi.cell[:2, :2],
        max_area=max_area, length_tol=length_tol, angle_tol_deg=angle_tol_deg,
        fixed_orientation=True,
    )
    if not cells:
        raise ValueError(
            f"no coincidence cell for {rel} within {max_area} Å^2, length misfit {length_tol}, "
            f"angle {angle_tol_deg} deg: raise max_area or the tolerances"
        )
    match = cells[0]
    sup_sub = make_supercell(slab_sub, _embed(match.sub_matrix))
    sup_epi = make_supercell(slab_epi, _embed(match.epi_matrix))
    p, q = sup_sub.cell[:2, :2], sup_epi.cell[:2, :2]
    if share is None:
        share = substrate_share(
            np.sqrt(abs(np.linalg.det(p))), np.sqrt(abs(np.linalg.det(q))), stiffness
        )
    common = np.eye(3)
    common[:2, :2] = p + share * (q - p)
    _carry_occupancy(slab_sub, sup_sub, slab_epi, sup_epi)
    sup_sub.set_tags(0)
    sup_epi.set_tags(1)
    atoms = stack(sup_sub, sup_epi, axis=2, cell=common, maxstrain=None)
    if vacuum is not None:
        atoms.pbc = (True, True, False)
        atoms.center(vacuum=vacuum, axis=2)
    atoms.info.update(_provenance(bulk_sub, bulk_epi, rel, match, share, p, q, common[:2, :2]))
    if "occupancy" in sup_sub.info:
        atoms.info["occupancy"] = sup_sub.info["occupancy"]
    return atoms


def _embed(matrix: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    full = np.eye(3, dtype=int)
    full[:2, :2] = matrix
    return full


def _carry_occupancy(slab_sub: Atoms, sup_sub: Atoms, slab_epi: Atoms, sup_epi: Atoms) -> None:
    """Merge ASE's site-kind occupancy records of both slabs (overgrowth kinds shifted)."""
    occ_sub = slab_sub.info.get("occupancy", {})
    occ_epi = slab_epi.info.get("occupancy", {})
    if not (occ_sub or occ_epi):
        return
    for atoms, occ in ((sup_sub, occ_sub), (sup_epi, occ_epi)):
        if "spacegroup_kinds" not in atoms.arrays:
            atoms.new_array("spacegroup_kinds", np.arange(len(atoms)))
            occ.update({str(i): {s: 1.0} for i, s in enumerate(atoms.get_chemical_symbols())})
    offset = int(sup_sub.arrays["spacegroup_kinds"].max()) + 1
    sup_epi.arrays["spacegroup_kinds"] = sup_epi.arrays["spacegroup_kinds"] + offset
    merged = dict(occ_sub)
    merged.update({str(int(k) + offset): v for k, v in occ_epi.items()})
    sup_sub.info["occupancy"] = merged


def _provenance(
    bulk_sub: Atoms,
    bulk_epi: Atoms,
    rel: OrientationRelationship,
    match: CoincidenceCell,
    share: float,
    p: np.ndarray,
    q: np.ndarray,
    common: np.ndarray,
) -> dict[str, object]:
    def label(atoms: Atoms) -> str:
        name = str(atoms.info.get("phase", atoms.get_chemical_formula()))
        return f"{name} (model)" if atoms.info.get("model") else name

    return {
        "substrate": label(bulk_sub),
        "overgrowth": label(bulk_epi),
        "relationship": str(rel),
        "sub_matrix": np.array(match.sub_matrix).ravel().tolist(),
        "epi_matrix": np.array(match.epi_matrix).ravel().tolist(),
        "interface_area": float(abs(np.linalg.det(common))),
        "length_misfits": list(match.length_misfits),
        "substrate_share": float(share),
        "strain_sub": _strain_2d(p, common).tolist(),
        "strain_epi": _strain_2d(q, common).tolist(),
        "deformation_sub": _deformation_2d(p, common).ravel().tolist(),
        "deformation_epi": _deformation_2d(q, common).ravel().tolist(),
    }

"""Crystallography and interface structures for the NVP growth model.

Lattices (cell + space group + source) of NH4VO3, NaH2PO4, NVP and NZSP; atoms for the read
NASICON framework Na4Zr2Si3O12 and the labelled NVP and NZSP models built on it; any phase
from a user's CIF. On top: d-spacings, zone law, orientation relationships, facet traces,
m:n and 2D coincidences with the strain split, oriented bicrystal supercells (ASE), V-site
overlap, powder XRD, bond-valence checks, the crystal report, and the frame each crystal has
in the plane of a 2D run. Simulated HRTEM is :mod:`atomistic.hrtem` (abTEM, the ``hrtem``
extra; not imported here). Never imports ``phasefield``.

Examples
--------
>>> import atomistic
>>> round(atomistic.d_spacing("NVP", (2, 0, 2)), 4)
3.5749
>>> c = atomistic.coincidences(atomistic.d_spacing("NH4VO3", (1, 2, -1)),
...                            atomistic.d_spacing("NVP", (2, -1, 0)), max_multiple=3)[0]
>>> (c.m, c.n), round(100 * c.delta, 2)
((3, 2), 8.16)
"""

from .bond_valence import bond_valence_parameter, bond_valence_sums
from .coincidence import (
    Coincidence,
    CoincidenceCell,
    MisfitSplit,
    coincidence_cells,
    coincidences,
    split_misfit,
    substrate_share,
)
from .crystallography import (
    OrientationRelationship,
    d_spacing,
    direction_angle,
    direction_indices,
    direction_vector,
    in_zone,
    index_box,
    orientation_frame,
    orientation_matrix,
    plane_angle,
    plane_direction_angle,
    plane_indices,
    plane_normal,
    reduced_indices,
    zone_axis,
    zone_law,
)
from .crystals import (
    CifError,
    Crystal,
    MissingAtomsError,
    PhaseRecord,
    bulk,
    cell,
    check_formula,
    formula_units,
    composition,
    formula_counts,
    phase_record,
    phases,
    site_occupancies,
    structure,
)
from .facets import FacetTrace, effective_d_spacing, facet_traces, viewing_frame
from .grain_frames import VIEW_ZONES, crystal_to_lab, grain_frame
from .interfaces import interface, oriented_slab, surface_basis
from .overlap import OverlapResult, site_overlap
from .paper import NAH2PO4_NVP, NH4VO3_NVP
from .phasefield_inputs import epitaxy_misfit, v_site_overlap
from .report import crystal_report
from .symmetry import allowed_reflections, lattice_points, spacegroup, spglib_dataset, symmetry_operations
from .xrd import CU_KALPHA, atomic_form_factor, powder_xrd

__all__ = [
    "CU_KALPHA",
    "NAH2PO4_NVP",
    "NH4VO3_NVP",
    "VIEW_ZONES",
    "Coincidence",
    "CifError",
    "CoincidenceCell",
    "Crystal",
    "FacetTrace",
    "MisfitSplit",
    "MissingAtomsError",
    "OrientationRelationship",
    "OverlapResult",
    "PhaseRecord",
    "allowed_reflections",
    "atomic_form_factor",
    "bond_valence_parameter",
    "bond_valence_sums",
    "bulk",
    "cell",
    "check_formula",
    "formula_units",
    "coincidence_cells",
    "coincidences",
    "composition",
    "crystal_report",
    "crystal_to_lab",
    "d_spacing",
    "direction_angle",
    "direction_indices",
    "direction_vector",
    "effective_d_spacing",
    "epitaxy_misfit",
    "facet_traces",
    "formula_counts",
    "grain_frame",
    "in_zone",
    "index_box",
    "interface",
    "lattice_points",
    "orientation_frame",
    "orientation_matrix",
    "oriented_slab",
    "phase_record",
    "phases",
    "plane_angle",
    "plane_direction_angle",
    "plane_indices",
    "plane_normal",
    "powder_xrd",
    "reduced_indices",
    "site_occupancies",
    "site_overlap",
    "spacegroup",
    "spglib_dataset",
    "split_misfit",
    "structure",
    "substrate_share",
    "surface_basis",
    "symmetry_operations",
    "v_site_overlap",
    "viewing_frame",
    "zone_axis",
    "zone_law",
]

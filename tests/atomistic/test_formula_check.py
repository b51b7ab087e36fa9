"""A structure must hold its phase's formula (atomistic.check_formula), as pymatgen reads it."""

from __future__ import annotations

import pytest
from ase import Atoms
from pymatgen.core import Composition

import atomistic
from atomistic import CifError, check_formula, formula_counts


@pytest.mark.parametrize("phase", ["NH4VO3", "NaH2PO4", "NVP", "NZSP"])
def test_formula_counts_agree_with_pymatgen(phase):
    formula = atomistic.phase_record(phase).formula
    assert formula_counts(formula) == pytest.approx({str(e): n for e, n in Composition(formula).items()})


@pytest.mark.parametrize("text", ["Na3V2(PO4)3", "nacl", "", "Na3V2P3O12x"])
def test_a_formula_it_cannot_read_is_refused(text):
    with pytest.raises(ValueError, match="allowed are element symbols each with an optional count"):
        formula_counts(text)


def test_the_right_structures_pass(hypothetical_cifs):
    check_formula(atomistic.bulk("NVP"), "NVP")
    check_formula(atomistic.bulk("NZSP"), "NZSP")  # partial occupancies: Na3.4, Si2.4P0.6
    for phase, path in hypothetical_cifs.items():
        check_formula(atomistic.bulk(phase, cif=path), phase)


def test_a_structure_of_another_phase_is_refused_naming_both(hypothetical_cifs):
    with pytest.raises(CifError, match=r"NaH2PO4: the structure from .*NH4VO3_hypothetical.cif holds H16N4O12V4 per cell, not a multiple of NaH2PO4's NaH2PO4"):
        check_formula(atomistic.bulk("NaH2PO4", cif=hypothetical_cifs["NH4VO3"]), "NaH2PO4")
    with pytest.raises(CifError, match="not a multiple of NVP's Na3V2P3O12"):
        check_formula(atomistic.bulk("NZSP"), "NVP")


def test_a_structure_without_its_hydrogen_is_refused(hypothetical_cifs):
    """An X-ray CIF often lacks H: NH4VO3 without it is not NH4VO3."""
    full = atomistic.bulk("NH4VO3", cif=hypothetical_cifs["NH4VO3"])
    bare = Atoms([s for s in full.get_chemical_symbols() if s != "H"], positions=full.positions[full.numbers != 1], cell=full.cell)
    with pytest.raises(CifError, match="holds N4O12V4 per cell"):
        check_formula(bare, "NH4VO3")

"""Oriented slabs and strained bicrystal supercells, written and read back with ase.io."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest

import atomistic
from atomistic import MissingAtomsError, OrientationRelationship, bulk, interface, oriented_slab, split_misfit

BASAL = OrientationRelationship((1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))


@pytest.fixture(scope="module")
def bicrystal():
    return interface("NZSP", "NVP", BASAL, layers_sub=1, layers_epi=1, gap=2.0)


def test_oriented_slab_puts_the_direction_on_x_and_the_plane_normal_on_z():
    atoms = bulk("NVP")
    before = atoms.positions.copy()
    slab = oriented_slab(atoms, (1, 2, -1), (2, -1, 0), layers=2)
    assert np.allclose(atoms.positions, before)  # input untouched
    a_vec, b_vec, c_vec = np.asarray(slab.cell)
    assert np.allclose(a_vec[1:], 0.0, atol=1e-10) and abs(b_vec[2]) < 1e-10
    assert np.allclose(c_vec[:2], 0.0)
    # |a| is the [1 2 -1] lattice vector, thickness two (2 -1 0) spacings
    assert np.linalg.norm(a_vec) == pytest.approx(np.linalg.norm(atomistic.direction_vector("NVP", (1, 2, -1))))
    assert c_vec[2] == pytest.approx(2 * atomistic.d_spacing("NVP", (2, -1, 0)))
    # same number of atoms per volume as the bulk: a unimodular cut
    assert len(slab) == 2 * len(atoms)
    assert slab.cell.volume == pytest.approx(2 * atoms.cell.volume)


def test_built_supercell_strains_equal_the_computed_misfit_split(bicrystal):
    info = bicrystal.info
    a_sub = atomistic.phase_record("NZSP").cellpar[0]
    a_epi = atomistic.phase_record("NVP").cellpar[0]
    expected = split_misfit(a_sub, a_epi)  # 1 x 1 coincidence, equal stiffness
    assert info["sub_matrix"] == [1, 0, 0, 1] and info["epi_matrix"] == [1, 0, 0, 1]
    assert info["strain_sub"][:2] == pytest.approx([expected.strain_sub] * 2, abs=1e-12)
    assert info["strain_epi"][:2] == pytest.approx([expected.strain_epi] * 2, abs=1e-12)
    # and the atoms carry them: in-plane cell and the two parts' scaled geometry
    assert bicrystal.cell.lengths()[0] == pytest.approx(expected.common_length, rel=1e-12)
    epi = bicrystal[bicrystal.get_tags() == 1]
    unstrained = oriented_slab(bulk("NVP"), (1, 0, 0), (0, 0, 1))
    xy_epi = epi.positions[:, :2] - epi.positions[0, :2]
    xy_ref = unstrained.positions[:, :2] - unstrained.positions[0, :2]
    wrapped = xy_epi / (1 + expected.strain_epi) - xy_ref  # undo the strain, compare modulo the cell
    frac = np.linalg.solve(unstrained.cell[:2, :2].T, wrapped.T).T
    assert np.allclose(frac - np.round(frac), 0.0, atol=1e-8)


def test_strain_split_follows_a_given_share():
    atoms = interface("NZSP", "NVP", BASAL, layers_sub=1, layers_epi=1, share=0.0)
    assert atoms.info["strain_sub"][:2] == pytest.approx([0.0, 0.0], abs=1e-12)
    a_sub = atomistic.phase_record("NZSP").cellpar[0]
    assert atoms.cell.lengths()[0] == pytest.approx(a_sub, rel=1e-12)


def test_bicrystal_holds_both_crystals_with_tags_and_provenance(bicrystal):
    tags = bicrystal.get_tags()
    assert (tags == 0).sum() == (tags == 1).sum() == 126
    assert bicrystal.info["substrate"] == "NZSP (model)" and bicrystal.info["overgrowth"] == "NVP (model)"
    z_sub = bicrystal.positions[tags == 0, 2]
    z_epi = bicrystal.positions[tags == 1, 2]
    assert z_epi.min() > z_sub.max()  # overgrowth stacked on top
    occ = atomistic.site_occupancies(bicrystal)
    assert sum(o.get("V", 0) for o in occ) == pytest.approx(12)
    assert sum(o.get("P", 0) for o in occ) == pytest.approx(18 + 3.6)  # NVP P + NZSP P0.2


def test_vacuum_makes_a_slab():
    atoms = interface("NZSP", "NVP", BASAL, layers_sub=1, layers_epi=1, vacuum=10.0)
    assert list(atoms.pbc) == [True, True, False]
    z = atoms.positions[:, 2]
    assert z.min() == pytest.approx(10.0) and atoms.cell[2, 2] - z.max() == pytest.approx(10.0)


@pytest.mark.parametrize("fmt", ["extxyz", "cif", "vasp", "lammps-data"])
def test_files_written_with_ase_io_read_back_identical(bicrystal, tmp_path, fmt):
    path = tmp_path / f"bicrystal.{fmt}"
    ase.io.write(path, bicrystal, format=fmt)
    kwargs = {"atom_style": "atomic"} if fmt == "lammps-data" else {}
    back = ase.io.read(path, format=fmt, **kwargs)
    assert len(back) == len(bicrystal)
    assert np.allclose(back.cell.cellpar(), bicrystal.cell.cellpar(), atol=1e-5)
    if fmt != "lammps-data":  # lammps-data stores types, not elements
        assert list(back.numbers) == list(bicrystal.numbers)
    # positions to the files' precision (cif: 4-5 decimals of fractional coordinates)
    diff = back.get_scaled_positions() - bicrystal.get_scaled_positions()
    assert np.abs(diff - np.round(diff)).max() < 1e-4


def test_interface_of_a_phase_without_atoms_asks_for_a_cif():
    with pytest.raises(MissingAtomsError, match="NH4VO3.*cif="):
        interface("NH4VO3", "NVP", atomistic.NH4VO3_NVP)


def test_papers_relationship_builds_with_a_user_structure_for_the_substrate():
    # a stand-in substrate (the framework, not NH4VO3) just to exercise a non-basal geometry
    rel = OrientationRelationship((1, 2, -1), (1, 2, -1), (2, -1, 0), (2, -1, 0))
    atoms = interface(bulk("NZSP"), "NVP", rel, layers_sub=1, layers_epi=1)
    assert atoms.info["strain_sub"][0] == pytest.approx(-atoms.info["strain_epi"][0], rel=0.02)

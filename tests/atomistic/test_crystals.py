"""Bundled crystal data: the crystals.md table, spglib, composition, models, CIF input."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import ase.io
import numpy as np
import pytest

import atomistic
from atomistic import MissingAtomsError, bulk, cell, composition, phase_record, spacegroup

PACKAGE = pathlib.Path(atomistic.__file__).parent


# crystals.md "Numbers the lattices must give": value and the number of decimals it states.
@pytest.mark.parametrize(
    "phase, hkl, expected, decimals",
    [
        ("NH4VO3", (1, 0, 0), 4.92, 2),
        ("NH4VO3", (1, 2, -1), 3.170, 3),
        ("NVP", (2, 0, 2), 3.5749, 4),
        ("NVP", (2, -1, 0), 4.3669, 4),
        ("NVP", (-1, 2, -3), 3.7482, 4),
        ("NaH2PO4", (1, 1, 1), 4.574, 3),
    ],
)
def test_d_spacings_reproduce_the_crystals_md_table(phase, hkl, expected, decimals):
    # tolerance: half a unit of the last decimal crystals.md quotes
    assert atomistic.d_spacing(phase, hkl) == pytest.approx(expected, abs=0.5 * 10.0**-decimals)


def test_mismatch_and_three_to_two_coincidence_reproduce_the_crystals_md_table():
    d_sub = atomistic.d_spacing("NH4VO3", (1, 2, -1))
    d_epi = atomistic.d_spacing("NVP", (2, -1, 0))
    assert 100 * (d_sub - d_epi) / d_sub == pytest.approx(-37.8, abs=0.05)
    assert 100 * (d_epi - d_sub) / d_epi == pytest.approx(27.4, abs=0.05)
    three_two = next(c for c in atomistic.coincidences(d_sub, d_epi) if (c.m, c.n) == (3, 2))
    assert 100 * three_two.delta == pytest.approx(8.16, abs=0.005)


@pytest.mark.parametrize("name", atomistic.phases())
def test_every_phase_has_a_lattice_and_space_group_with_source(name):
    rec = phase_record(name)
    assert np.allclose(cell(name).cellpar(), rec.cellpar)
    assert spacegroup(name).no == rec.spacegroup
    assert rec.cell_source and rec.cell_status in ("read", "not re-read", "model")


def test_lattices_not_re_read_are_flagged_as_such():
    for name in ("NH4VO3", "NaH2PO4"):
        rec = phase_record(name)
        assert rec.cell_status == "not re-read" and not rec.cell_checked
        assert rec.atoms_status is None


@pytest.mark.parametrize("name", ["NVP", "NZSP", "Na4Zr2Si3O12"])
def test_bundled_structure_recovers_r3c_with_spglib_on_the_full_site_set(name):
    atoms = bulk(name)
    assert atomistic.spglib_dataset(atoms).number == 167
    assert len(atoms) == 126  # 6b + 18e + 12c + 18e + 36f + 36f


@pytest.mark.parametrize(
    "name, per_formula_unit",
    [
        ("NVP", {"Na": 3, "V": 2, "P": 3, "O": 12}),
        ("NZSP", {"Na": 3.4, "Zr": 2, "Si": 2.4, "P": 0.6, "O": 12}),
        ("Na4Zr2Si3O12", {"Na": 4, "Zr": 2, "Si": 3, "O": 12}),
    ],
)
def test_composition_with_occupancies_gives_the_formula_times_z(name, per_formula_unit):
    atoms = bulk(name)
    z = atoms.info["Z"]
    assert z == 6
    got = composition(atoms)
    assert set(got) == set(per_formula_unit)
    for element, n in per_formula_unit.items():
        assert got[element] == pytest.approx(z * n, abs=1e-9)
    # composition is charge balanced with the recorded oxidation states
    states = atoms.info["oxidation_states"]
    assert sum(states[el] * n for el, n in got.items()) == pytest.approx(0.0, abs=1e-9)


def test_models_are_labelled_in_atoms_info_and_the_record():
    for name in ("NVP", "NZSP"):
        atoms = bulk(name)
        assert atoms.info["model"] is True and atoms.info["status"] == "model"
        assert "MODEL" in atoms.info["source"]
        assert phase_record(name).atoms_status == "model"
    framework = bulk("Na4Zr2Si3O12")
    assert framework.info["model"] is False
    assert "Tran Qui" in framework.info["source"] and "ICSD 15546" in framework.info["source"]
    assert "ICSD 15546" in bulk("NVP").info["source"]  # the model names the framework it was built on


def test_nvp_model_puts_v_on_the_framework_zr_site():
    # crystals.md: V at (0, 0, 0.1472) and its equivalents
    atoms = bulk("NVP")
    frac = atoms.get_scaled_positions()[atoms.symbols == "V"]
    z_on_axis = frac[np.all(np.isclose(frac[:, :2], 0.0, atol=1e-8), axis=1), 2]
    assert np.any(np.isclose(z_on_axis, 0.14719, atol=1e-6))
    assert (atoms.symbols == "V").sum() == 12


def test_builder_returns_a_new_object_each_call():
    a = bulk("NVP")
    a.positions += 1.0
    assert not np.allclose(bulk("NVP").positions, a.positions)


@pytest.mark.parametrize("name", ["NH4VO3", "NaH2PO4"])
def test_phase_without_atoms_raises_an_error_naming_the_phase_and_the_cif_way_out(name):
    with pytest.raises(MissingAtomsError) as err:
        bulk(name)
    message = str(err.value)
    assert name in message
    assert f"bulk({name!r}, cif=" in message
    assert f"--cif {name}=" in message


def test_unknown_phase_lists_the_bundled_ones():
    with pytest.raises(ValueError, match="NVP"):
        bulk("LiFePO4")


def test_cif_round_trip_keeps_the_crystallography(tmp_path):
    path = tmp_path / "nvp.cif"
    ase.io.write(path, bulk("NVP"), format="cif")
    read = bulk("NVP", cif=path)
    assert read.info["status"] == "user CIF"
    assert np.allclose(read.cell.cellpar(), bulk("NVP").cell.cellpar(), atol=1e-6)
    assert atomistic.spglib_dataset(read).number == 167
    # CIF stores occupancies to 4 decimals: 2/3 -> 0.6667 on 18 sites, 6e-4 atoms per cell
    assert composition(read) == pytest.approx(composition(bulk("NVP")), abs=1e-3)
    for hkl in [(1, 0, 4), (1, 1, 3), (2, 0, 2)]:
        assert atomistic.d_spacing(read, hkl) == pytest.approx(atomistic.d_spacing("NVP", hkl), abs=1e-6)
    ours = atomistic.powder_xrd("NVP", 60)
    theirs = atomistic.powder_xrd(read, 60)
    assert np.allclose(ours["two_theta"], theirs["two_theta"], atol=1e-6)
    # intensities: CIF stores occupancies to 4 decimals, hence 0.1 on the 0-100 scale
    assert np.allclose(ours["intensity"], theirs["intensity"], atol=0.1)


def test_any_phase_can_come_from_a_cif(tmp_path):
    path = tmp_path / "framework.cif"
    ase.io.write(path, bulk("Na4Zr2Si3O12"), format="cif")
    atoms = bulk("my NASICON", cif=path)
    assert atoms.info["phase"] == "my NASICON" and len(atoms) == 126


def test_package_never_reads_shared_files_or_imports_phasefield():
    sources = "".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    assert "/work/shared" not in sources
    code = "import sys, atomistic; atomistic.crystal_report(); print('phasefield' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    )
    assert out.stdout.strip() == "False"


def test_every_bundled_number_names_its_source():
    import json

    data = json.loads((PACKAGE / "data" / "crystals.json").read_text())
    for name, entry in data["phases"].items():
        assert entry["cell_source"] in data["sources"], name
        assert isinstance(entry["cell_checked_against_source"], bool), name
    framework = data["phases"]["Na4Zr2Si3O12"]["atoms"]
    assert all(isinstance(site["checked_against_source"], bool) for site in framework["sites"])
    o2 = next(site for site in framework["sites"] if site["label"] == "O2")
    assert o2["xyz"][1] == -0.02102 and "sign" in o2["correction"]

"""The TEM contrast data: cross-sections (Rutherford limit, a second parametrization), densities
against hand-computed and cited numbers, and the fringes against the paper's spacings."""

from __future__ import annotations

import numpy as np
import pytest
from abtem.core.energy import energy2wavelength, relativistic_mass_correction
from abtem.parametrizations import KirklandParametrization
from ase.data import atomic_numbers
from scipy.integrate import quad

import atomistic
from scenarios import optics

ELEMENTS = ("H", "N", "O", "Na", "Si", "P", "V", "Zr")  # every element of the model's phases


@pytest.mark.parametrize("element", ELEMENTS)
def test_cross_sections_tend_to_rutherford_at_large_angles(element):
    # At 0.5 rad the scattering comes from the unscreened nucleus: sigma -> Rutherford's
    # gamma^2 lambda^4 Z^2 / (4 pi^3 a0^2 alpha^2) from below; screening removes ~(theta_0/alpha)^2
    # with theta_0 ~ 7.5 Z^(1/3) mrad at 200 kV (< 1e-3 for H, ~0.7 % for Zr): allowed 1.5 % below, 0.1 % above.
    ratio = optics.cross_section_nm2(element, 200.0, 500.0) / optics.rutherford_cross_section_nm2(atomic_numbers[element], 200.0, 500.0)
    assert 0.985 < ratio < 1.001
    if element == "H":
        assert ratio == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("element", ELEMENTS)
def test_cross_sections_at_a_real_aperture_agree_with_kirklands_factors(element):
    # Lobato & Van Dyck (2014) and Kirkland (2010) fit the same Hartree-Fock factors independently;
    # at 10 mrad the cross-sections outside the aperture agree within 2 % (they differ by < 1 %
    # for these elements when measured: 2 % leaves room for the fits' stated accuracies).
    wavelength = energy2wavelength(200e3)
    gamma = relativistic_mass_correction(200e3)
    f = KirklandParametrization().scattering_factor(element)
    q0 = 0.010 / wavelength
    integral = sum(quad(lambda q: float(f(np.array([q * q]))[0]) ** 2 * q, a, b, limit=200)[0] for a, b in ((q0, q0 + 10), (q0 + 10, np.inf)))
    kirkland_nm2 = 2 * np.pi * gamma**2 * wavelength**2 * integral * 1e-2
    assert optics.cross_section_nm2(element, 200.0, 10.0) == pytest.approx(kirkland_nm2, rel=0.02)


def test_densities_from_the_cells_match_hand_computed_and_cited_numbers():
    # NVP: 6 Na3V2P3O12 (M = 3 x 22.98977 + 2 x 50.9415 + 3 x 30.97376 + 12 x 15.9994 = 455.766 g/mol)
    # in sqrt(3)/2 x 8.73382^2 x 21.91438 = 1447.67 Å^3: 6 x 455.766 / (6.02214e23 x 1.44767e-21 cm3)
    # = 3.1367 g/cm3 (0.1 %: atomic-mass tables differ in the 4th digit).
    assert optics.mass_density_g_cm3(optics.number_densities("NVP")) == pytest.approx(3.1367, rel=1e-3)
    # NaH2PO4: Z = 8 in the bundled cell must give the cited anhydrous density 2.36 g/cm3
    # (1 %: three digits cited, cell not re-read)
    assert optics.mass_density_g_cm3(optics.number_densities("NaH2PO4")) == pytest.approx(2.36, rel=0.01)
    # the amorphous precursor holds V and P as 2:3 (2 NH4VO3 + 3 NaH2PO4), like NVP
    amorphous = optics.number_densities("amorphous")
    assert amorphous["V"] / amorphous["P"] == pytest.approx(2 / 3, rel=1e-12)
    assert optics.attenuation_per_nm("surroundings") == 0.0


def test_a_cif_sets_the_density_from_its_own_atoms_and_cell(hypothetical_cifs, tmp_path):
    # With the NH4VO3 CIF the density is the CIF's: its atoms' mass (ASE masses, counted from the
    # CIF's atoms, not from formula x Z) over its cell volume, to round-off.
    cif = str(hypothetical_cifs["NH4VO3"])
    atoms = atomistic.bulk("NH4VO3", cif=cif)
    by_hand = atoms.get_masses().sum() / 6.02214076e23 / (atoms.cell.volume * 1e-24)
    pairs = (("NH4VO3", cif),)
    assert optics.mass_density_g_cm3(optics.number_densities("NH4VO3", pairs)) == pytest.approx(by_hand, rel=1e-12)
    # the same atoms in a cell twice as long along a: half the atoms per volume, half the attenuation
    # (Q = sum n sigma is linear in the number density); the amorphous mix made of it thins too
    doubled = tmp_path / "NH4VO3_dilute.cif"
    doubled.write_text(hypothetical_cifs["NH4VO3"].read_text().replace("_cell_length_a 4.92", "_cell_length_a 9.84"))
    dilute = (("NH4VO3", str(doubled)),)
    assert optics.attenuation_per_nm("NH4VO3", cifs=dilute) == pytest.approx(0.5 * optics.attenuation_per_nm("NH4VO3", cifs=pairs), rel=1e-12)
    assert optics.attenuation_per_nm("amorphous", cifs=dilute) < optics.attenuation_per_nm("amorphous", cifs=pairs)
    looks = optics.tem_optics(cifs=dilute).phases
    assert looks["NH4VO3"].attenuation_per_nm == pytest.approx(optics.attenuation_per_nm("NH4VO3", cifs=dilute), rel=1e-12)
    assert looks["NVP"] == optics.tem_optics().phases["NVP"]  # only the phases the CIF sets change


@pytest.mark.parametrize("spacing", [s for s in atomistic.paper.PAPER_SPACINGS if optics.PAPER_PLANES.get(s.phase) == s.hkl], ids=lambda s: s.phase)
def test_the_fringes_drawn_are_the_papers_planes_in_their_zones(spacing):
    # d from the bundled cells against the paper's measured spacings (Figs. 4b, 5g: three digits,
    # so within 1.5 pm), and each plane lies in the zone it is seen along (its normal in the image)
    hkl, d_nm, _ = optics.reflection(spacing.phase)
    assert hkl == spacing.hkl
    assert d_nm == pytest.approx(spacing.d / 10, abs=0.0015)
    assert atomistic.in_zone(hkl, optics.ZONES[spacing.phase])
    nzsp = optics.reflection("NZSP")[0]
    assert atomistic.in_zone(nzsp, optics.ZONES["NZSP"])

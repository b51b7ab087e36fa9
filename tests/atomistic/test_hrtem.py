"""Simulated HRTEM (atomistic.hrtem): the imaging defaults against the electron-optics formulas,
the interface specimen's beam direction read from its atoms, and the FFT spots of the
NH4VO3/NVP interface at the spacings the paper measured.

NH4VO3 comes from the hypothetical CIF of tests/conftest.py (the bundled cell with made-up
positions: no NH4VO3 coordinates are bundled), so only positions of spots are compared, which
the lattice sets; their intensities are not the real crystal's."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy import constants
from scipy.spatial import cKDTree

import atomistic
from atomistic.hrtem import (
    ImagingParameters,
    fft_spots,
    hrtem_dataset,
    hrtem_figure,
    index_spots,
    interface_specimen,
    simulate_hrtem,
    snapshot_specimen,
    zone_reflections,
)
from atomistic.paper import PAPER_SPACINGS

pytest.importorskip("abtem")


def test_imaging_defaults_follow_the_electron_optics_formulas():
    """Wavelength from CODATA constants (relativistic), the Cs of a 2 Å point resolution,
    Scherzer's defocus sqrt(3/2 Cs lambda), and the aperture at the first zero of
    sin chi(k), chi = pi lambda k^2 (Cs lambda^2 k^2 / 2 - defocus), solved here by hand."""
    p = ImagingParameters()
    volts = 200e3
    m, e, c, h = constants.m_e, constants.e, constants.c, constants.h
    wavelength = h / math.sqrt(2 * m * e * volts * (1 + e * volts / (2 * m * c**2))) * 1e10
    assert p.energy_keV == 200.0 and p.defocus_A is None and p.aperture_mrad is None
    assert p.wavelength == pytest.approx(wavelength, rel=1e-5)
    cs = p.Cs_mm * 1e7
    assert (wavelength**3 * cs / 6) ** 0.25 == pytest.approx(2.0, rel=1e-5)
    assert p.defocus == pytest.approx(math.sqrt(1.5 * cs * wavelength), rel=1e-5)
    k_zero = math.sqrt(2 * p.defocus / (cs * wavelength**2))  # chi(k) = 0, k > 0
    assert p.aperture == pytest.approx(1e3 * wavelength * k_zero, rel=1e-5)
    given = ImagingParameters(defocus_A=-300.0, aperture_mrad=20.0)
    assert (given.defocus, given.aperture) == (-300.0, 20.0)


@pytest.mark.parametrize(
    "field, value",
    [("energy_keV", 0.0), ("Cs_mm", 0.0), ("Cs_mm", float("nan")), ("sampling_A", 1.0), ("slice_thickness_A", 0.0),
     ("defocus_A", float("inf")), ("aperture_mrad", -1.0)],
)
def test_bad_imaging_parameters_are_refused_naming_them(field, value):
    with pytest.raises(ValueError, match=f"{field} = {value!r} is not allowed; allowed: "):
        ImagingParameters(**{field: value})


@pytest.fixture(scope="module")
def nh4vo3(hypothetical_cifs):
    return atomistic.bulk("NH4VO3", cif=hypothetical_cifs["NH4VO3"])


@pytest.fixture(scope="module")
def specimen(nh4vo3):
    return interface_specimen(nh4vo3, width_A=50.0)


def _period_along_beam(atoms, period: float) -> float:
    """Largest distance from each atom, moved by ``period`` along z (the beam), to the nearest
    atom of its element (periodic box)."""
    lengths = atoms.cell.lengths()
    worst = 0.0
    for element in set(atoms.get_chemical_symbols()):
        p = atoms.positions[np.array(atoms.get_chemical_symbols()) == element] % lengths
        tree = cKDTree(p, boxsize=lengths + 1e-9)
        worst = max(worst, float(tree.query((p + [0.0, 0.0, period]) % lengths)[0].max()))
    return worst


def test_the_beam_runs_along_both_zone_axes(specimen, nh4vo3):
    """Read from the atoms: each crystal repeats along the beam (z) with one period of its zone
    axis, [0 1 2] NH4VO3 (5 per box) and the primitive [1 2 -1]/3 of NVP (9 per box), each
    strained by less than 2 % from the bulk; and not with the other crystal's period."""
    atoms = specimen.atoms
    box = atoms.cell[2, 2]
    nh4, nvp = atoms[atoms.get_tags() == 0], atoms[atoms.get_tags() == 1]
    assert _period_along_beam(nh4, box / 5) < 1e-6 and _period_along_beam(nvp, box / 9) < 1e-6
    assert _period_along_beam(nh4, box / 9) > 0.5 and _period_along_beam(nvp, box / 5) > 0.5
    assert box / 5 == pytest.approx(np.linalg.norm(atomistic.direction_vector(nh4vo3, (0, 1, 2))), rel=0.02)
    assert box / 9 == pytest.approx(np.linalg.norm(atomistic.direction_vector("NVP", (1, 2, -1))) / 3, rel=0.02)
    # the interface is horizontal: the NH4VO3 slab below the NVP one along y
    assert nh4.positions[:, 1].max() < nvp.positions[:, 1].min()
    assert atoms.cell.lengths()[0] >= 50.0


@pytest.fixture(scope="module")
def image(specimen):
    return simulate_hrtem(specimen, ImagingParameters(sampling_A=0.2))


@pytest.mark.parametrize("phase, hkl", [("NH4VO3", (1, 0, 0)), ("NVP", (2, 0, 2))])
def test_fft_has_spots_at_the_papers_fringes(image, specimen, phase, hkl):
    """(1 0 0) NH4VO3 (paper 4.91 Å) and (2 0 2) NVP (paper 3.57 Å), Fig. 4b: a local maximum of
    the FFT power within one pixel (1/Lx by 1/Ly) of a reflection of that family in the zone,
    10x above the median power at that |k|; its d within one pixel of the bulk d plus the
    strain of the bicrystal (< 2 %). Sampling 0.2 Å: the image's spectrum inside the aperture
    is within 3.8 % rms of a 0.05 Å one (README), spot positions are set by the lattice."""
    d_bulk = atomistic.d_spacing(specimen.crystals[phase][1], hkl)
    paper = next(s for s in PAPER_SPACINGS if s.phase == phase and tuple(s.hkl) == hkl)
    assert d_bulk == pytest.approx(paper.d, rel=0.005)
    _, crystal, to_image = specimen.crystals[phase]
    family = zone_reflections(crystal, to_image, d_min=2.0)
    family = family[np.isclose(family["d_bulk"], d_bulk, rtol=1e-6)]
    assert len(family) >= 2  # the pair +-g at least: the planes are edge-on
    spots = fft_spots(image, max_spots=400)  # every local maximum inside the aperture
    pixel = np.array([float(image.kx[1] - image.kx[0]), float(image.ky[1] - image.ky[0])])
    power = image["fft_power"]
    k = np.hypot(image.kx.values[None, :], image.ky.values[:, None])
    background = np.median(power.values[np.abs(k - 1 / d_bulk) < 0.1 / d_bulk])
    best = None
    for _, g in family.iterrows():
        for sign in (1, -1):  # fft_spots keeps one spot of each Friedel pair
            offset = np.hypot((spots["kx"] - sign * g.gx) / pixel[0], (spots["ky"] - sign * g.gy) / pixel[1])
            i = int(np.argmin(offset))
            if best is None or offset[i] < best[0]:
                best = (float(offset[i]), spots.iloc[i], g)
    offset, spot, g = best
    assert offset <= 1.0
    assert float(power.sel(kx=spot.kx, ky=spot.ky, method="nearest")) > 10 * background
    assert abs(1 / spot.d - 1 / d_bulk) <= np.hypot(*pixel) + abs(1 / g.d - 1 / d_bulk)


def test_spots_are_indexed_within_one_pixel(image, specimen):
    table = index_spots(image, specimen, fft_spots(image))
    indexed = table[table["indexed"]]
    assert set(indexed["phase"]) == {"NH4VO3", "NVP"}
    assert (indexed["offset_px"] <= 1.0).all()
    found = {(r.phase, (r.h, r.k, r.l)) for r in indexed.itertuples()}
    assert ("NH4VO3", (1, 0, 0)) in found or ("NH4VO3", (-1, 0, 0)) in found


def test_an_exported_snapshot_images_along_its_zone_axis(hypothetical_cifs):
    """A small export of the synthetic run's NVP grain (37.3 deg): the strongest FFT spots
    are NVP reflections of its [1 2 -1] zone, turned by its orientation."""
    from phasefield.export.atoms import snapshot_atoms
    from tests.conftest import synthetic_run

    atoms = snapshot_atoms(synthetic_run(), 1.0, region_nm=(5.0, 11.0, 6.0, 12.0), thickness_nm=1.0)
    specimen = snapshot_specimen(atoms)
    image = simulate_hrtem(specimen, ImagingParameters(sampling_A=0.25))
    table = index_spots(image, specimen, fft_spots(image, max_spots=3))
    strongest = table.drop_duplicates(["kx", "ky"])
    assert strongest["indexed"].all() and set(strongest["phase"]) == {"NVP"}


def test_figure_and_dataset_carry_the_image_the_fft_and_the_spots(image, specimen, tmp_path):
    table = index_spots(image, specimen, fft_spots(image))
    hrtem_figure(image, table).savefig(tmp_path / "hrtem.png")
    assert (tmp_path / "hrtem.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    hrtem_dataset(image, table).to_netcdf(tmp_path / "hrtem.nc")
    back = xr.load_dataset(tmp_path / "hrtem.nc")
    assert back.sizes["spot"] == len(table) and back["spot_d"].attrs["units"] == "Å"
    assert np.allclose(back["image"].values, image["image"].values)
    assert back.attrs["defocus_A"] == pytest.approx(ImagingParameters().defocus)

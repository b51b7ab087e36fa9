"""Simulated HRTEM (multislice, abTEM) of an interface supercell or an exported snapshot, the
image's FFT, and its spots indexed against the crystals' reflections.

Specimens (:class:`Specimen`: atoms with the beam along +z and an orthogonal cell, plus the
map of each crystal's axes onto the image axes, for indexing):

* :func:`interface_specimen`: the bicrystal :func:`atomistic.interface` builds for the paper's
  relationship (Fig. 4), [0 1 2] NH4VO3 // [1 2 -1] NVP, (1 2 -1) NH4VO3 // (2 -1 0) NVP.
  ``interface`` puts x along [0 1 2] NH4VO3 (the relationship's direction, in the interface
  plane) and z along the interface normal; the strained supercell keeps a lattice vector B
  along x that is 5 [0 1 2] NH4VO3 and 9 primitive [1 2 -1]/3 NVP periods (default coincidence
  cell). **The beam travels along B, i.e. along [0 1 2] NH4VO3 // [1 2 -1] NVP.** Both zone
  axes lie in both interface planes, so the planes (1 2 -1) NH4VO3 and (2 -1 0) NVP, and the
  fringes the paper measured, (1 0 0) NH4VO3 and (2 0 2) NVP, are all edge-on. The image's x
  runs in the interface plane across the beam, its y along the interface normal (the two
  interfaces of the periodic bicrystal are horizontal lines). The specimen is one period B
  thick (8.1 nm by default), so every column is a whole number of periods of both crystals.
  Across the beam the crystal repeats by a lattice vector T with a component along the beam;
  the cell is rebuilt orthogonal, x = T's part across the beam (area / |B|, 1.27 nm), each atom
  wrapped along the beam by B, and repeated to ``width_A``. The projected potential is then
  exactly periodic; in the multislice, a copy's columns are those of the crystal turned
  cyclically along the beam by T's component (the same atoms, another order of slices).
* :func:`snapshot_specimen`: the atoms of :func:`phasefield.export.atoms.snapshot_atoms`
  (the run's plane is the image, z the beam; every grain is on its zone axis,
  :mod:`atomistic.grain_frames`). Its region is not periodic: grains cut by the region's edge
  meet their periodic images there.

Imaging (:class:`ImagingParameters`, defaults with their sources there): a plane wave at
200 keV through the potential slices (abTEM, Lobato parametrization), then the objective lens
(Cs, defocus, aperture: abTEM's CTF) and the intensity. No partial coherence, no noise.

FFT (:func:`fft_spots`): the power spectrum of the image (periodic by construction, so no
window), its local maxima as spots with k = (kx, ky) in 1/Å (no 2 pi) and d = 1/|k|; the
resolution is one pixel of the FFT, 1/Lx by 1/Ly. :func:`index_spots` names each spot by the
reflections (:func:`zone_reflections`: allowed by the space group, in the zone, mapped by the
crystal's axes onto the image, with the strain of the bicrystal) within one pixel of it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
import xarray as xr
from ase import Atoms

from .crystallography import index_box, orientation_frame
from .crystals import MissingAtomsError, bulk, check_formula
from .grain_frames import crystal_to_lab
from .interfaces import interface
from .paper import NH4VO3_NVP
from .symmetry import allowed_reflections, symmetry_operations

__all__ = [
    "ImagingParameters",
    "Specimen",
    "fft_spots",
    "hrtem_dataset",
    "hrtem_figure",
    "index_spots",
    "interface_specimen",
    "simulate_hrtem",
    "snapshot_specimen",
    "zone_reflections",
]

#: Electron energy, keV: the paper's in situ HRTEM at 200 kV (as issue 13 states it; the
#: paper's methods were not re-read here).
PAPER_ENERGY_KEV = 200.0

#: Point resolution of an uncorrected 200 kV TEM, Å: "it is very common that the resolution
#: limit of an uncorrected 200 kV TEM is approximately 2 Å" (globalsino.com/EM/page3629.html).
#: The default Cs is the one that gives it (see :func:`cs_for_point_resolution`).
UNCORRECTED_POINT_RESOLUTION_A = 2.0


def wavelength_A(energy_keV: float) -> float:
    """Relativistic electron wavelength, Å (abTEM's ``energy2wavelength``).

    Examples
    --------
    >>> round(wavelength_A(200.0), 5)
    0.02508
    """
    from abtem.transfer import energy2wavelength

    return float(energy2wavelength(energy_keV * 1e3))


def cs_for_point_resolution(point_resolution_A: float, energy_keV: float) -> float:
    """Cs (mm) whose Scherzer point resolution is ``point_resolution_A``: abTEM's
    ``point_resolution`` (lambda^3 Cs / 6)^(1/4), solved for Cs.

    Examples
    --------
    >>> round(cs_for_point_resolution(2.0, 200.0), 3)
    0.609
    """
    return 6.0 * point_resolution_A**4 / wavelength_A(energy_keV) ** 3 * 1e-7


@dataclass(frozen=True)
class ImagingParameters:
    """Microscope and multislice settings, validated on construction.

    Parameters
    ----------
    energy_keV : float
        Beam energy; default the paper's 200 kV (:data:`PAPER_ENERGY_KEV`).
    Cs_mm : float
        Spherical aberration; default 0.609 mm, the Cs of a 2 Å point resolution at 200 kV
        (:data:`UNCORRECTED_POINT_RESOLUTION_A`, an uncorrected microscope; the paper's is not
        known here).
    defocus_A : float or None
        abTEM's defocus (positive = underfocus, -C10), Å; None: Scherzer defocus
        sqrt(3/2 Cs lambda) (abTEM's ``scherzer_defocus``), 478 Å with the defaults.
    aperture_mrad : float or None
        Objective aperture semi-angle; None: the first zero of the CTF at Scherzer defocus,
        lambda / point resolution (abTEM's ``crossover_angle``), 12.5 mrad with the defaults:
        every frequency passed has the same sign of contrast.
    sampling_A : float
        Real-space sampling of the potential and waves; 0.1 Å: the interface image's Fourier
        coefficients inside the aperture are within 1.3 % rms of those at 0.05 Å (0.2 Å:
        3.8 %; measured, README).
    slice_thickness_A : float
        Multislice slice thickness; abTEM's default, 1 Å (0.5 Å changed the same coefficients
        by 0.1 % rms).

    Examples
    --------
    >>> p = ImagingParameters()
    >>> round(p.defocus, 0), round(p.aperture, 1)
    (478.0, 12.5)
    """

    energy_keV: float = PAPER_ENERGY_KEV
    Cs_mm: float = field(default_factory=lambda: cs_for_point_resolution(UNCORRECTED_POINT_RESOLUTION_A, PAPER_ENERGY_KEV))
    defocus_A: float | None = None
    aperture_mrad: float | None = None
    sampling_A: float = 0.1
    slice_thickness_A: float = 1.0

    def __post_init__(self) -> None:
        checks = (
            ("energy_keV", self.energy_keV, 10.0 <= self.energy_keV <= 3000.0, "10..3000 keV"),
            ("Cs_mm", self.Cs_mm, 0.0 < self.Cs_mm <= 10.0, "0 < Cs <= 10 mm (an aberration-free lens has no Scherzer defocus: give defocus_A)"),
            ("sampling_A", self.sampling_A, 0.005 <= self.sampling_A <= 0.5, "0.005..0.5 Å"),
            ("slice_thickness_A", self.slice_thickness_A, 0.1 <= self.slice_thickness_A <= 10.0, "0.1..10 Å"),
        )
        for name, value, ok, allowed in checks:
            if not (isinstance(value, (int, float)) and math.isfinite(value) and ok):
                raise ValueError(f"{name} = {value!r} is not allowed; allowed: {allowed}")
        if self.defocus_A is not None and not (math.isfinite(self.defocus_A) and abs(self.defocus_A) <= 1e5):
            raise ValueError(f"defocus_A = {self.defocus_A!r} is not allowed; allowed: |defocus| <= 1e5 Å, or None (Scherzer)")
        if self.aperture_mrad is not None and not (math.isfinite(self.aperture_mrad) and 0.0 < self.aperture_mrad <= 200.0):
            raise ValueError(f"aperture_mrad = {self.aperture_mrad!r} is not allowed; allowed: 0 < aperture <= 200 mrad, or None")

    @property
    def wavelength(self) -> float:
        """Electron wavelength, Å."""
        return wavelength_A(self.energy_keV)

    @property
    def point_resolution(self) -> float:
        """Scherzer point resolution (lambda^3 Cs / 6)^(1/4), Å."""
        return (self.wavelength**3 * self.Cs_mm * 1e7 / 6.0) ** 0.25

    @property
    def defocus(self) -> float:
        """The defocus used, Å (Scherzer's if none is given)."""
        if self.defocus_A is not None:
            return float(self.defocus_A)
        return math.sqrt(1.5 * self.Cs_mm * 1e7 * self.wavelength)

    @property
    def aperture(self) -> float:
        """The objective aperture used, mrad."""
        return float(self.aperture_mrad) if self.aperture_mrad is not None else 1e3 * self.wavelength / self.point_resolution

    def as_attrs(self) -> dict[str, float]:
        """The settings used, for a file's attributes."""
        return {
            "energy_keV": self.energy_keV,
            "Cs_mm": self.Cs_mm,
            "defocus_A": self.defocus,
            "defocus_is_scherzer": int(self.defocus_A is None),
            "aperture_mrad": self.aperture,
            "sampling_A": self.sampling_A,
            "slice_thickness_A": self.slice_thickness_A,
        }


@dataclass(frozen=True)
class Specimen:
    """Atoms to image (beam along +z, orthogonal cell, Å) and what they are made of.

    Attributes
    ----------
    atoms : ase.Atoms
    crystals : dict
        Label (e.g. "NVP" or "NVP grain 3") -> (phase, bulk crystal, 3 x 3 map from the
        crystal's Cartesian axes to the image axes, strain included).
    description : str
        What the specimen is and which way the beam goes.
    """

    atoms: Atoms
    crystals: dict[str, tuple[str, Atoms, np.ndarray]]
    description: str


def _beam_vector(cell2d: np.ndarray) -> tuple[int, int]:
    """Smallest integers (m, n), gcd 1, with m c1 + n c2 along x (zero y component)."""
    c1y, c2y = cell2d[0, 1], cell2d[1, 1]
    if abs(c2y) < 1e-9:
        return 0, 1
    ratio = Fraction(-c2y / c1y).limit_denominator(100)
    m, n = ratio.numerator, ratio.denominator
    if abs(m * c1y + n * c2y) > 1e-6:
        raise ValueError(
            "the supercell has no lattice vector along x (the relationship's direction) within 100 cells; "
            "allowed: an atomistic.interface supercell"
        )
    return m, n


def _complement(m: int, n: int) -> tuple[int, int]:
    """(p, q) with m q - n p = 1 (extended Euclid), so (m, n), (p, q) is a basis."""
    old_r, r, old_s, s, old_t, t = m, n, 1, 0, 0, 1
    while r:
        k = old_r // r
        old_r, r = r, old_r - k * r
        old_s, s = s, old_s - k * s
        old_t, t = t, old_t - k * t
    sign = 1 if old_r > 0 else -1  # m old_s + n old_t = old_r = +-1
    return -sign * old_t, sign * old_s


def _view_along_x(supercell: Atoms, width_A: float) -> tuple[Atoms, np.ndarray]:
    """The supercell rebuilt in an orthogonal box with the beam along its lattice vector on x:
    image x across the beam in the interface plane, image y the normal, z the beam. Returns the
    atoms and the rotation from the supercell's axes to the image axes."""
    cell = np.asarray(supercell.cell)
    m, n = _beam_vector(cell[:2, :2])
    p, q = _complement(m, n)
    beam, across = m * cell[0] + n * cell[1], p * cell[0] + q * cell[1]
    normal = cell[2]
    z_img = beam / np.linalg.norm(beam)
    y_img = normal / np.linalg.norm(normal)
    x_img = np.cross(y_img, z_img)
    to_image = np.array([x_img, y_img, z_img])
    width = float(across @ x_img)
    if width < 0:  # (p, q) -> (-p, -q) keeps the basis and turns the across-vector onto +x
        across, width = -across, -width
    # rounded first, so that an atom on a cell face is wrapped the same way as its images
    frac = np.round(np.linalg.solve(np.array([beam, across, normal]).T, supercell.positions.T).T, 9) % 1.0
    positions = np.column_stack([
        frac[:, 1] * width,
        frac[:, 2] * float(normal @ y_img),
        (frac[:, 0] * np.linalg.norm(beam) + frac[:, 1] * float(across @ z_img)) % np.linalg.norm(beam),
    ])
    box = Atoms(
        supercell.get_chemical_symbols(),
        positions=positions,
        cell=[width, float(normal @ y_img), float(np.linalg.norm(beam))],
        pbc=True,
        tags=supercell.get_tags(),
    )
    return box.repeat((max(1, math.ceil(width_A / width - 1e-9)), 1, 1)), to_image


def interface_specimen(
    nh4vo3: Atoms,
    nvp: Atoms | None = None,
    *,
    layers: tuple[int, int] = (8, 6),
    width_A: float = 50.0,
    max_area: float = 1100.0,
    length_tol: float = 0.08,
    angle_tol_deg: float = 3.0,
) -> Specimen:
    """The NH4VO3/NVP bicrystal of the paper's relationship, seen along [0 1 2] // [1 2 -1].

    Parameters
    ----------
    nh4vo3 : ase.Atoms
        NH4VO3 from a CIF (``bulk("NH4VO3", cif=path)``); its formula is checked.
    nvp : ase.Atoms, optional
        Default the bundled NVP model.
    layers : (int, int)
        (1 2 -1) NH4VO3 and (2 -1 0) NVP periods stacked along the normal.
    width_A : float
        Image width across the beam at least this (the projected period repeated), Å.
    max_area, length_tol, angle_tol_deg
        Coincidence search of :func:`atomistic.interface`; the defaults find the 1030 Å^2 cell
        (misfits 0.9 % and 6.0 %, strains below 2 %; the search's own defaults find none).

    Returns
    -------
    Specimen
        Beam along +z (see the module docstring); NH4VO3 tag 0, NVP tag 1.
    """
    check_formula(nh4vo3, "NH4VO3")
    nvp = bulk("NVP") if nvp is None else nvp
    rel = NH4VO3_NVP
    supercell = interface(
        nh4vo3, nvp, rel, layers_sub=layers[0], layers_epi=layers[1],
        max_area=max_area, length_tol=length_tol, angle_tol_deg=angle_tol_deg,
    )
    atoms, to_image = _view_along_x(supercell, width_A)
    crystals = {}
    for phase, crystal, direction, plane, key in (
        ("NH4VO3", nh4vo3, rel.direction_a, rel.plane_a, "deformation_sub"),
        ("NVP", nvp, rel.direction_b, rel.plane_b, "deformation_epi"),
    ):
        strain = np.eye(3)
        strain[:2, :2] = np.reshape(supercell.info[key], (2, 2)).T  # column vectors: F^T
        crystals[phase] = (phase, crystal, to_image @ strain @ orientation_frame(crystal, direction, plane))
    atoms.info.update({k: v for k, v in supercell.info.items() if k != "occupancy"})
    thickness = atoms.cell[2, 2] / 10.0
    description = (
        f"{rel} bicrystal ({len(atoms)} atoms), beam along [0 1 2] NH4VO3 // [1 2 -1] NVP, "
        f"{thickness:.2f} nm thick; image x in the interface plane, y along its normal"
    )
    return Specimen(atoms, crystals, description)


def snapshot_specimen(atoms: Atoms) -> Specimen:
    """An exported snapshot (``nvp-growth export``) as a specimen: beam along its z.

    The grains' crystals are read again from ``info`` (phases, orientations, structure
    sources: a CIF path where one was used)."""
    needed = ("grains", "grain_phases", "grain_orientations_deg", "grain_sources")
    missing = [k for k in needed if k not in atoms.info]
    if missing:
        raise ValueError(f"the atoms have no {', '.join(missing)} in info; allowed: a file written by `nvp-growth export` (extxyz keeps info)")
    crystals = {}
    for grain, phase, angle, source in zip(*(np.atleast_1d(atoms.info[k]) for k in needed)):
        phase, source = str(phase), str(source)
        if os.path.isfile(source):
            crystal = bulk(phase, cif=source)
        else:
            try:
                crystal = bulk(phase)
            except MissingAtomsError:
                raise ValueError(f"grain {int(grain)} is {phase}, exported from the CIF {source}, which is not found; allowed: run where that path exists") from None
        crystals[f"{phase} grain {int(grain)}"] = (phase, crystal, crystal_to_lab(phase, float(angle), crystal))
    description = f"exported snapshot ({len(atoms)} atoms, {atoms.cell[2, 2] / 10:.2f} nm thick), beam along the run's z"
    return Specimen(atoms, crystals, description)


def simulate_hrtem(specimen: Specimen, params: ImagingParameters | None = None) -> xr.Dataset:
    """The HRTEM image of a specimen (multislice, abTEM) and the power spectrum of its FFT.

    Returns
    -------
    xarray.Dataset
        ``image(y, x)`` (intensity, 1 = the incident beam) with x, y in Å; ``fft_power(ky, kx)``
        (|FFT|^2 of the image minus its mean) with kx, ky in 1/Å; attributes: the imaging
        parameters used and the specimen's description.
    """
    import abtem

    params = params or ImagingParameters()
    atoms = specimen.atoms
    cell = np.asarray(atoms.cell)
    if not np.allclose(cell, np.diag(np.diag(cell)), atol=1e-8):
        raise ValueError("the specimen's cell is not orthogonal; allowed: interface_specimen or snapshot_specimen atoms")
    energy = params.energy_keV * 1e3
    with abtem.config.set({"dask.lazy": False, "diagnostics.progress_bar": False}):
        potential = abtem.Potential(atoms, sampling=params.sampling_A, slice_thickness=params.slice_thickness_A)
        exit_wave = abtem.PlaneWave(energy=energy).multislice(potential)
        ctf = abtem.CTF(energy=energy, Cs=params.Cs_mm * 1e7, defocus=params.defocus, semiangle_cutoff=params.aperture)
        image = exit_wave.apply_ctf(ctf).intensity()
    values = np.asarray(image.array, dtype=float).T  # abTEM's array is (x, y)
    sx, sy = image.sampling
    ny, nx = values.shape
    power = np.fft.fftshift(np.abs(np.fft.fft2(values - values.mean())) ** 2)
    ds = xr.Dataset(
        {
            "image": (("y", "x"), values, {"units": "1", "long_name": "HRTEM image intensity (incident beam = 1)"}),
            "fft_power": (("ky", "kx"), power, {"units": "1", "long_name": "power spectrum of the image (|FFT|^2 of image - mean)"}),
        },
        coords={
            "x": ("x", np.arange(nx) * sx, {"units": "Å", "long_name": "image x"}),
            "y": ("y", np.arange(ny) * sy, {"units": "Å", "long_name": "image y"}),
            "kx": ("kx", np.fft.fftshift(np.fft.fftfreq(nx, sx)), {"units": "1/Å", "long_name": "spatial frequency along x (no 2 pi)"}),
            "ky": ("ky", np.fft.fftshift(np.fft.fftfreq(ny, sy)), {"units": "1/Å", "long_name": "spatial frequency along y (no 2 pi)"}),
        },
        attrs={**params.as_attrs(), "specimen": specimen.description, "abtem_version": abtem.__version__},
    )
    return ds


def fft_spots(ds: xr.Dataset, *, d_max: float = 12.0, d_min: float | None = None, max_spots: int = 40) -> pd.DataFrame:
    """Local maxima of the FFT power between 1/d_max and 1/d_min (default the aperture's
    cut-off), strongest first: ``kx``, ``ky``, ``k_norm`` (1/Å), ``d`` (Å), ``power`` (relative to
    the strongest spot). One spot of each Friedel pair (k and -k carry the same power) is kept."""
    from skimage.feature import peak_local_max

    power = np.asarray(ds["fft_power"].values)
    kx, ky = np.asarray(ds["kx"].values), np.asarray(ds["ky"].values)
    k_max = 1.0 / d_min if d_min else 1e-3 * float(ds.attrs["aperture_mrad"]) / wavelength_A(float(ds.attrs["energy_keV"]))
    k = np.hypot(kx[None, :], ky[:, None])
    band = np.where((k >= 1.0 / d_max) & (k <= k_max), power, 0.0)
    peaks = peak_local_max(band, min_distance=1, exclude_border=False, num_peaks=2 * max_spots)
    rows = [
        dict(kx=float(kx[j]), ky=float(ky[i]), k_norm=float(k[i, j]), d=float(1.0 / k[i, j]), power=float(band[i, j]))
        for i, j in peaks
        if band[i, j] > 0 and (ky[i] > 0 or (ky[i] == 0 and kx[j] > 0))
    ]
    table = pd.DataFrame(rows, columns=["kx", "ky", "k_norm", "d", "power"]).sort_values("power", ascending=False).head(max_spots)
    if len(table):
        table["power"] /= table["power"].max()
    return table.reset_index(drop=True)


def zone_reflections(crystal: Atoms, to_image: np.ndarray, *, d_min: float, d_max: float = 12.0) -> pd.DataFrame:
    """Reflections of ``crystal`` that the image can show: allowed by its space group, in the
    zone of the beam (g perpendicular to z after ``to_image``), d_min <= d <= d_max.

    Returns
    -------
    pandas.DataFrame
        ``h``, ``k``, ``l``, ``d`` (Å, of the mapped, e.g. strained, lattice), ``d_bulk`` (Å),
        ``gx``, ``gy`` (1/Å in the image).
    """
    reciprocal = np.asarray(crystal.cell.reciprocal())
    reach = np.floor(np.linalg.norm(np.asarray(crystal.cell), axis=1) / d_min).astype(int)
    hkl = index_box(reach)
    g = hkl @ reciprocal  # rows, crystal Cartesian, 1/Å
    g_img = g @ np.linalg.inv(to_image)  # covectors: g' = M^-T g, as rows
    size = np.linalg.norm(g_img, axis=1)
    keep = (size > 0) & (size <= 1.0 / d_min) & (size >= 1.0 / d_max) & (np.abs(g_img[:, 2]) < 1e-6 * np.maximum(size, 1e-12))
    hkl, g, g_img, size = hkl[keep], g[keep], g_img[keep], size[keep]
    allowed = allowed_reflections(hkl, *symmetry_operations(crystal))
    return pd.DataFrame(
        {
            "h": hkl[allowed, 0], "k": hkl[allowed, 1], "l": hkl[allowed, 2],
            "d": 1.0 / size[allowed], "d_bulk": 1.0 / np.linalg.norm(g[allowed], axis=1),
            "gx": g_img[allowed, 0], "gy": g_img[allowed, 1],
        }
    )


def index_spots(ds: xr.Dataset, specimen: Specimen, spots: pd.DataFrame) -> pd.DataFrame:
    """Each spot with the reflections within one FFT pixel of it (pixels 1/Lx by 1/Ly).

    Returns
    -------
    pandas.DataFrame
        The columns of ``spots`` plus ``crystal`` (label), ``phase``, ``h``, ``k``, ``l``,
        ``d_expected`` (Å, of the specimen's, e.g. strained, lattice), ``d_bulk`` (Å),
        ``offset_px`` (distance in FFT pixels) and ``indexed`` (offset <= 1 pixel): one row per
        reflection within a pixel, or one row with the nearest reflection, not indexed.
    """
    pixel = np.array([float(ds["kx"][1] - ds["kx"][0]), float(ds["ky"][1] - ds["ky"][0])])
    d_min = 0.9 * float(spots["d"].min()) if len(spots) else 1.0
    reflections = pd.concat(
        [
            zone_reflections(crystal, to_image, d_min=d_min).assign(crystal=label, phase=phase)
            for label, (phase, crystal, to_image) in specimen.crystals.items()
        ],
        ignore_index=True,
    )
    rows = []
    for _, spot in spots.iterrows():
        offsets = np.hypot((reflections["gx"] - spot.kx) / pixel[0], (reflections["gy"] - spot.ky) / pixel[1]).to_numpy()
        near = np.flatnonzero(offsets <= 1.0)
        chosen = near[np.argsort(offsets[near])] if len(near) else np.argsort(offsets)[:1]
        for i in chosen:
            r = reflections.iloc[i]
            rows.append({
                **spot.to_dict(), "crystal": r.crystal, "phase": r.phase, "h": int(r.h), "k": int(r.k), "l": int(r.l),
                "d_expected": float(r.d), "d_bulk": float(r.d_bulk), "offset_px": float(offsets[i]), "indexed": bool(offsets[i] <= 1.0),
            })
    return pd.DataFrame(rows)


def _label(row: pd.Series) -> str:
    return f"{row.phase} ({row.h} {row.k} {row.l})"


def hrtem_figure(ds: xr.Dataset, table: pd.DataFrame):
    """The image (nm) beside the FFT's power (log, cut at the aperture), indexed spots circled
    and labelled with phase (h k l) and the measured d; a ``matplotlib.figure.Figure`` (no
    pyplot state)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    fig = Figure(figsize=(12, 5.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    x, y = ds["x"].values / 10.0, ds["y"].values / 10.0
    left.imshow(ds["image"].values, cmap="gray", origin="lower", extent=(x[0], x[-1], y[0], y[-1]))
    left.set(xlabel="x (nm)", ylabel="y (nm)", title=f"HRTEM, {ds.attrs['energy_keV']:g} keV, defocus {ds.attrs['defocus_A'] / 10:.1f} nm")
    k_max = 1e-3 * float(ds.attrs["aperture_mrad"]) / wavelength_A(float(ds.attrs["energy_keV"]))
    power = ds["fft_power"].sel(kx=slice(-k_max, k_max), ky=slice(-k_max, k_max))
    right.imshow(np.log10(power.values + power.values.max() * 1e-6), cmap="magma", origin="lower",
                 extent=(float(power.kx[0]), float(power.kx[-1]), float(power.ky[0]), float(power.ky[-1])))
    for _, row in table[table["indexed"]].drop_duplicates(["kx", "ky"]).iterrows():
        right.add_patch(Circle((row.kx, row.ky), 0.012, fill=False, color="cyan", lw=0.8))
        right.annotate(f"{_label(row)}\n{row.d:.2f} Å", (row.kx, row.ky), fontsize=6, color="cyan", xytext=(4, 4), textcoords="offset points")
    right.set(xlabel="kx (1/Å)", ylabel="ky (1/Å)", title="FFT power (log), spots indexed within one pixel")
    return fig


def hrtem_dataset(ds: xr.Dataset, table: pd.DataFrame) -> xr.Dataset:
    """The image and FFT with the spot table as variables along ``spot``."""
    units = {"kx": "1/Å", "ky": "1/Å", "k_norm": "1/Å", "d": "Å", "power": "1", "d_expected": "Å", "d_bulk": "Å", "offset_px": "1"}
    spots = xr.Dataset(
        {
            name: ("spot", table[name].to_numpy() if name not in ("crystal", "phase") else table[name].astype(str).to_numpy(),
                   {"units": units.get(name, "1"), "long_name": f"FFT spot {name}"})
            for name in table.columns
        }
    )
    if "indexed" in spots:
        spots["indexed"] = spots["indexed"].astype("i1")
    return ds.merge(spots.rename({n: f"spot_{n}" for n in spots.data_vars}))

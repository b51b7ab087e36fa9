"""What each phase looks like in a TEM-like image, from the crystallography (plain numbers).

Builds the :class:`phasefield.view.tem.TemOptics` of the package's phases:

Mass-thickness contrast, I = I0 exp(-Q t) (Lamvik & Crewe: I/I0 = exp(-n sigma z) for the
unscattered beam; Williams & Carter's I = I0 exp(-Q t)), with Q = sum_i n_i sigma_i:

* n_i, atoms of element i per volume: NVP and NZSP from their bundled cells and atoms
  (:func:`atomistic.composition` of :func:`atomistic.bulk` / the cell volume); NH4VO3 and
  NaH2PO4, which have lattices but no atoms, from formula x Z / cell volume with Z below, or,
  given their CIF (``cifs``; ``--cif NH4VO3=PATH``), from its atoms and cell;
  the amorphous precursor is the 2:3 mix of NH4VO3 and NaH2PO4 it crystallizes into (2 NH4VO3
  + 3 NaH2PO4 per 2 v_NH4VO3 + 3 v_NaH2PO4, v = cell volume / Z: the crystals' volumes added);
  the surroundings are vacuum (Q = 0). Mass densities (reported, not used) take ASE's
  atomic masses.
* sigma_i, the elastic cross-section for scattering outside the objective aperture alpha, in
  the first Born approximation with the relativistic mass: sigma = gamma^2 int_{theta > alpha}
  |f(q)|^2 dOmega = 2 pi gamma^2 lambda^2 int_{alpha/lambda}^inf |f(q)|^2 q dq (small angles,
  q = theta / lambda), f the electron scattering factor of the neutral atom (Lobato & Van Dyck,
  Acta Cryst. A 70 (2014) 636, as tabulated by abTEM), lambda and gamma from abTEM's
  ``energy2wavelength`` and ``relativistic_mass_correction``. At large angles f -> Z /
  (2 pi^2 a0 q^2) and sigma -> gamma^2 lambda^4 Z^2 / (4 pi^3 a0^2 alpha^2), Rutherford's
  (tested).

Lattice fringes: the reflection each crystal shows, seen down the zone axis of the paper's
images, with d from :func:`atomistic.d_spacing` and its plane normal's angle in the grain's
frame (:func:`atomistic.grain_frames.grain_frame`: the viewing frame of the facet sets of
:mod:`scenarios.facets` and of exported atoms; NVP's is NH4VO3's turned by the orientation
relationship, since an NVP grain inherits the NH4VO3 orientation):

* NH4VO3 (1 0 0) along [0 1 2], NVP (2 0 2) along [1 2 -1] (paper Fig. 4b: 0.491 and 0.357 nm);
* NaH2PO4 (1 1 1) along [-3 2 1] (Fig. 5g: 0.457 nm; the zone of its relationship with NVP);
* NZSP: no zone in the paper; seen along [0 0 1] (the convention of :mod:`atomistic.grain_frames`), it shows the
  reflection of that zone with the largest powder intensity per reflection
  (:func:`atomistic.powder_xrd`, X-ray, bundled NZSP model) among spacings >= 0.3 nm:
  (2 -1 0), 0.459 nm.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from abtem.core.energy import energy2wavelength, relativistic_mass_correction
from abtem.parametrizations import LobatoParametrization
from ase.data import atomic_masses, atomic_numbers
from ase.formula import Formula
from ase.units import Bohr
from scipy.integrate import quad

import atomistic
from atomistic.crystallography import index_box
from atomistic.crystals import phase_record
from atomistic.grain_frames import VIEW_ZONES, grain_frame
from phasefield.model.phases import PHASES, SURROUNDINGS
from phasefield.view.tem import PhaseOptics, TemOptics


ENERGY_KEV = 200.0
"""Beam energy [keV]: a common TEM voltage (a choice; the paper's instrument is not in the package)."""

APERTURE_MRAD = 10.0
"""Objective aperture semi-angle [mrad] of the bright-field image (a choice)."""

FORMULA_UNITS = {
    "NaH2PO4": (8, "the integer nearest rho V N_A / M = 7.97 for the anhydrous density 2.36 g/cm3 "
                   "(Wikipedia 'Monosodium phosphate', read at piglix.com/piglix/Monosodium_phosphate) and the bundled cell"),
    "NH4VO3": (4, "NOT READ (no density or Z of NH4VO3 was found offline): Z = 2 or 8 would give 1.15 or 4.60 g/cm3, "
                  "outside the 2.3-3.3 g/cm3 of the other phases here; Z = 4 gives 2.30 g/cm3; a CIF (--cif NH4VO3=PATH) replaces it"),
}
"""Formula units per cell of the phases without bundled atoms, with where the number comes from."""

CIF_PHASES = ("NH4VO3", "NaH2PO4", "NVP", "NZSP")
"""The crystals whose density a CIF may set (the amorphous precursor follows NH4VO3's and NaH2PO4's)."""

MIXTURES = {"amorphous": {"NH4VO3": 2, "NaH2PO4": 3}}
"""Phases made of crystals' formula units: the amorphous precursor, 2 NH4VO3 + 3 NaH2PO4 (-> NVP)."""

ZONES = VIEW_ZONES
"""Viewing zone axis of each crystal: the crystal frames of a 2D run (:mod:`atomistic.grain_frames`),
the same as atoms exported from a snapshot use."""

PAPER_PLANES = {s.phase: s.hkl for s in atomistic.paper.PAPER_SPACINGS if s.phase in ("NH4VO3", "NaH2PO4") or s.hkl == (2, 0, 2)}
"""The fringes the paper measured and indexed: NH4VO3 (1 0 0), NVP (2 0 2), NaH2PO4 (1 1 1)."""

MIN_FRINGE_NM = 0.3
"""Smallest spacing considered when a reflection is chosen by intensity (NZSP) [nm]."""

_NM3_PER_A3 = 1e-3
_AVOGADRO = 6.02214076e23  # exact (SI 2019)


def number_densities(phase: str, cifs: tuple[tuple[str, str], ...] = ()) -> dict[str, float]:
    """Atoms of each element per nm^3 of a crystal, or of a mixture of :data:`MIXTURES`.

    ``cifs``: (phase, path) pairs; a phase with a CIF takes its atoms and cell from it
    (:func:`_cell_content`), which replaces the Z of :data:`FORMULA_UNITS`.
    """
    read = dict(cifs)
    if phase in MIXTURES:
        mix = MIXTURES[phase]
        parts = {p: _cell_content(p, read.get(p)) for p in mix}
        volume = sum(k * parts[p][1] for p, k in mix.items())
        atoms: dict[str, float] = {}
        for p, k in mix.items():
            for element, n in parts[p][0].items():
                atoms[element] = atoms.get(element, 0.0) + k * n
        return {e: n / volume for e, n in atoms.items()}
    content, volume = _cell_content(phase, read.get(phase))
    return {e: n / volume for e, n in content.items()}


@functools.lru_cache(maxsize=None)
def _cell_content(phase: str, cif: str | None = None) -> tuple[dict[str, float], float]:
    """(atoms per formula unit of each element, nm^3 per formula unit) of a crystal.

    With a ``cif`` (checked to hold the phase's formula, H included), Z is counted from its
    atoms (occupancy-weighted) and the volume is its cell's: the density is the CIF's.
    """
    if cif is not None:
        atoms = atomistic.bulk(phase, cif=cif)
        z = atomistic.formula_units(atoms, phase)
        formula = Formula(phase_record(phase).formula).count()
        return {e: float(n) for e, n in formula.items()}, atoms.cell.volume * _NM3_PER_A3 / z
    volume = atomistic.cell(phase).volume * _NM3_PER_A3
    if phase in FORMULA_UNITS:
        z = FORMULA_UNITS[phase][0]
        return {e: float(n) for e, n in Formula(phase_record(phase).formula).count().items()}, volume / z
    atoms = atomistic.bulk(phase)
    z = atoms.info["Z"]
    return {e: float(n) / z for e, n in atomistic.composition(atoms).items()}, volume / z


def mass_density_g_cm3(densities: dict[str, float]) -> float:
    """Mass density of atoms per nm^3 with ASE's atomic masses [g/cm^3]."""
    grams_per_nm3 = sum(n * atomic_masses[atomic_numbers[e]] for e, n in densities.items()) / _AVOGADRO
    return grams_per_nm3 * 1e21


@functools.lru_cache(maxsize=None)
def cross_section_nm2(element: str, energy_keV: float = ENERGY_KEV, aperture_mrad: float = APERTURE_MRAD) -> float:
    """Elastic cross-section of a neutral atom for scattering outside the aperture [nm^2]."""
    wavelength = energy2wavelength(energy_keV * 1e3)  # Å
    gamma = relativistic_mass_correction(energy_keV * 1e3)
    f = LobatoParametrization().scattering_factor(element)  # Å, of q^2 in 1/Å^2

    def integrand(q: float) -> float:
        return float(f(np.array([q * q]))[0]) ** 2 * q

    q0 = aperture_mrad * 1e-3 / wavelength
    # split where the factor has fallen: quad then resolves both the core and the 1/q^3 tail
    inner, _ = quad(integrand, q0, q0 + 10.0, limit=200)
    tail, _ = quad(integrand, q0 + 10.0, np.inf, limit=200)
    return float(2 * np.pi * gamma**2 * wavelength**2 * (inner + tail) * 1e-2)  # Å^2 -> nm^2


def rutherford_cross_section_nm2(atomic_number: int, energy_keV: float, aperture_mrad: float) -> float:
    """The large-angle limit gamma^2 lambda^4 Z^2 / (4 pi^3 a0^2 alpha^2) of :func:`cross_section_nm2` [nm^2]."""
    wavelength = energy2wavelength(energy_keV * 1e3)
    gamma = relativistic_mass_correction(energy_keV * 1e3)
    alpha = aperture_mrad * 1e-3
    return gamma**2 * wavelength**4 * atomic_number**2 / (4 * np.pi**3 * Bohr**2 * alpha**2) * 1e-2


def attenuation_per_nm(
    phase: str, energy_keV: float = ENERGY_KEV, aperture_mrad: float = APERTURE_MRAD, cifs: tuple[tuple[str, str], ...] = ()
) -> float:
    """Q = sum_i n_i sigma_i of a phase [1/nm] (0 for the surroundings, vacuum); ``cifs`` as in :func:`number_densities`."""
    if phase == SURROUNDINGS:
        return 0.0
    return float(sum(n * cross_section_nm2(e, energy_keV, aperture_mrad) for e, n in number_densities(phase, cifs).items()))


def _plane_angle_deg(phase: str, hkl: tuple[int, ...]) -> float:
    """Angle of a plane normal in the phase's crystal frame of a 2D run (NVP's: in the NH4VO3 frame)."""
    normal = grain_frame(phase) @ atomistic.plane_normal(phase, hkl)
    return math.degrees(math.atan2(normal[1], normal[0]))


def strongest_reflection(phase: str, min_spacing_nm: float = MIN_FRINGE_NM) -> tuple[int, ...]:
    """The plane of the phase's zone with the largest powder intensity per reflection (d >= min)."""
    zone = np.asarray(ZONES[phase])
    xrd = atomistic.powder_xrd(phase, two_theta_max=60.0)
    best, strength = None, -1.0
    for hkl in index_box(4):
        # one of each +-hkl pair (the same fringes): the first nonzero index positive
        if not hkl.any() or hkl[np.flatnonzero(hkl)[0]] < 0 or hkl @ zone != 0 or atomistic.d_spacing(phase, hkl) < 10 * min_spacing_nm:
            continue
        peak = xrd[np.isclose(xrd.d, atomistic.d_spacing(phase, hkl), rtol=0, atol=1e-6)]
        if len(peak) and float(peak.intensity.iloc[0] / peak.multiplicity.iloc[0]) > strength + 1e-9:
            best, strength = tuple(int(v) for v in hkl), float(peak.intensity.iloc[0] / peak.multiplicity.iloc[0])
    if best is None:
        raise ValueError(f"{phase}: no reflection of zone {tuple(zone)} with d >= {min_spacing_nm} nm has a powder intensity")
    return best


def reflection(phase: str) -> tuple[tuple[int, ...], float, float]:
    """(hkl, d [nm], angle of its normal in the grain frame [degree]) of the fringes a crystal shows."""
    hkl = PAPER_PLANES.get(phase) or strongest_reflection(phase)
    return hkl, atomistic.d_spacing(phase, hkl) / 10.0, _plane_angle_deg(phase, hkl)


@functools.lru_cache(maxsize=None)
def tem_optics(
    energy_keV: float = ENERGY_KEV,
    aperture_mrad: float = APERTURE_MRAD,
    thickness_nm: float = 20.0,
    fringe_contrast: float = 0.2,
    cifs: tuple[tuple[str, str], ...] = (),
) -> TemOptics:
    """The contrast of every phase of the model (see the module docstring).

    ``cifs``: (phase, path) pairs of CIFs (NH4VO3, NaH2PO4) whose atoms and cells set those
    phases' densities (and the amorphous mix made of them) instead of :data:`FORMULA_UNITS`;
    a CIF of another phase is refused (:class:`atomistic.CifError`, one line). The fringes keep
    the bundled lattices (those the runs' facets use).
    """
    looks = {}
    for phase in PHASES:
        q = attenuation_per_nm(phase, energy_keV, aperture_mrad, cifs)
        if phase in ZONES:
            hkl, d, angle = reflection(phase)
            looks[phase] = PhaseOptics(q, d, angle, f"({' '.join(map(str, hkl))})")
        else:
            looks[phase] = PhaseOptics(q)
    return TemOptics(looks, thickness_nm=thickness_nm, fringe_contrast=fringe_contrast)

"""Overview at low magnification: precursor particles on uneven NZSP heated through T_c (paper Fig. 1, S10; Movie S1; O2, O3, O6).

Twenty amorphous precursor particles (radius 3-5 nm, V and P units in the NVP ratio 2:3) lie
as a loose aggregate on the uneven surface of an NZSP pellet (a flat base with one hillock, an
NZSP grain's cap, per 12 nm, up to 3 nm tall) in a 64 x 40 nm field. Each particle is placed
next to the NZSP surface or to an earlier particle, at a gap of 0-2 nm, from the run's seed
(:func:`place_particles`). The chip is heated at 20 K/s from 560 degC to 710 degC, as in
``epitaxy`` (T_c = 700 degC crossed at 7 s), and the run ends at 8.5 s, once NVP has formed (the
NVP stage costs ~2 min of wall per 0.5 s; the default run takes ~9 minutes on 2 cores: README).
What happens, in the paper's order (Fig. S10):

* aggregation: particles closer than about an interface width bridge and coalesce, and spread
  on NZSP, which they wet (the particle/NZSP pair energies are below the NZSP surface energy
  minus theirs): Fig. 1a-d, some merge, others attach to NZSP;
* crystallization: NH4VO3 and NaH2PO4 nanograins nucleate in the amorphous particles
  (:mod:`phasefield.model.crystallization`; each grain tracked, the ``slots_per_phase`` order
  parameters of each phase hold as many grains as keep apart); the partition of the units
  between them splits particles too (see README for the counts measured);
* NVP: above T_c it nucleates where NH4VO3 and NaH2PO4 grains touch and grows, with the
  NH4VO3 orientation (:mod:`phasefield.model.nucleation`; ``nvp_slots`` slots).

Kinetic choices (estimates, no measured values): the amorphous units diffuse at 1e-16 m^2/s
(as in ``crystallization``). The crystallization prefactor is 5e21 1/(m^2 s), 1e-4 of the
model default, so that the precursors crystallize close to T_c, as the paper saw (Fig. S7: "when
the heating temperature was close to the critical temperature (~700 degC), precursors of NVP
started to crystallize and formed nanograins"); with the default the rate, steep in T, rises
e-fold every ~3 K on the ramp and floods the particles with nuclei at 655-670 degC (measured
here: 185 nuclei in 6.5 s at J0 = 5e23, most planted next to grains), far beyond the grains
a 3-5 nm particle can hold at this resolution, at a cost beyond a laptop run. The grid is
0.5 nm (4 cells per interface width), the resolution of ``crystallization``: at 1 nm the seeds
(~3 nm) span 3 cells and a run left the order-parameter bounds during the nucleation burst (at 0.5 nm a
small variant with ``time_tolerance`` 0.5 did too once: README, Overview).

Facets are off by default (isotropic interfaces, the model default). ``--set faceted=true`` gives
NH4VO3 and NVP ``epitaxy``'s facet sets (:func:`scenarios.facets.epitaxial_facets`; the trimmed
facets of Fig. 1i-l), at about twice the cost: a reduced run (32 x 24 nm, 5 particles, grid 64)
took 1850 steps and 7:35 wall to 8.5 s faceted against 998 steps and 3:57 isotropic, and to 11 s
(NVP from 10.05 s) 4858 steps, 21:38 against 2371 steps, 9:41 (NVP from 10.72 s), 2 cores shared
with other runs (load 4-7). Its grains show their facets: 0.34 of the NH4VO3 boundary length at
8.5 s and 0.33 of the NVP boundary at 11 s lie within 5 degree of the facet normals of their Wulff
shapes (turned by each grain's orientation), against 0.09 and 0.06 isotropic and 0.11 for
random normals (README, Overview).

What to look at: ``particle_count`` and ``attached_particle_count`` (time), the particles
(face-connected regions more than half precursor matter) and those touching NZSP;
``crystallinity`` (time), ``grain_count`` (time, grain_kind) and ``grain_size`` (time,
tracked_grain), the equivalent-disc diameter of each crystalline grain; ``nvp_fraction``
(time), NVP's share of the precursor matter; ``amount`` (constant); the phase map.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import xarray as xr
from scipy import ndimage

import phasefield
from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, Union
from phasefield.model.phases import PHASES, SUBSTRATE, SURROUNDINGS
from phasefield.model.values import ParameterError, canonical_value, frozen_map, show

from .crystallization import CRYSTALS, GRAIN_PHASES, crystallization_outputs
from .facets import epitaxial_facets
from .registry import Scenario, with_outputs

PLACEMENT_STREAM = 1
"""Second entry of the seed sequence of the placement generator: the run's nucleation draws from
``default_rng(seed)``, the placement from ``default_rng([seed, 1])``, so the two never share draws."""

PLACEMENT_TRIES = 400
"""Random positions tried for a particle before the placement gives up (the box is then too full)."""


@dataclass(frozen=True)
class OverviewParameters(ModelParameters):
    """Defaults of the overview scenario.

    Parameters
    ----------
    n_particles
        Number of amorphous precursor particles.
    particle_radius_nm
        Smallest and largest particle radius (drawn uniformly between them) [nm].
    contact_gap_nm
        Largest gap between a particle and the particle or NZSP surface it is placed next to [nm]
        (each gap drawn uniformly from [0, contact_gap_nm]).
    substrate_height_nm
        Height of the flat base of the NZSP surface above the bottom of the box [nm].
    substrate_roughness_nm
        Largest height of the hillocks (NZSP grains) on the base [nm]; 0: a flat surface.
    substrate_feature_nm
        Spacing of the hillocks along x [nm].
    slots_per_phase, nvp_slots
        Order-parameter slots for NH4VO3 and for NaH2PO4 grains each, and for NVP grains (each
        holds several grains: ``grain_reassignment`` is on).
    faceted
        True: NH4VO3 and NVP interfaces faceted with ``epitaxy``'s facet sets
        (:func:`scenarios.facets.epitaxial_facets`, the trimmed facets of Fig. 1i-l), which then fill
        ``phase_facet_angles_deg`` and ``phase_facet_energies`` (setting those to anything else is
        refused); False (default): isotropic, or whatever facets those two are set to.
    """

    n_particles: int = 20
    particle_radius_nm: tuple[float, ...] = (3.0, 5.0)
    contact_gap_nm: float = 2.0
    substrate_height_nm: float = 4.0
    substrate_roughness_nm: float = 3.0
    substrate_feature_nm: float = 12.0
    slots_per_phase: int = 3
    nvp_slots: int = 3
    faceted: bool = False
    domain_nm: tuple[float, ...] = (64.0, 40.0)
    grid: int = 128
    start_temperature_C: float = 560.0
    hold_temperature_C: float = 710.0
    ramp_K_per_s: float = 20.0
    duration_s: float = 8.5
    output_interval_s: float = 0.5
    grain_reassignment: bool = True
    crystallization_prefactor_per_m2_s: float = 5e21
    diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: frozen_map(dict(ModelParameters().diffusivity_m2_s, amorphous=1e-16)))

    dimensions: ClassVar[tuple[int, ...]] = (2,)

    def __post_init__(self) -> None:
        super().__post_init__()
        _validate_geometry(self)
        placed = place_particles(self)
        if len(placed) < self.n_particles:
            raise ParameterError(
                f"n_particles = {self.n_particles} is not allowed: only {len(placed)} of them (radius {_radii_text(self)} nm, largest first) fit "
                f"in domain_nm = {self.domain_nm} above the NZSP surface (seed {self.seed}); allowed: fewer particles, a larger domain_nm or smaller radii"
            )

    def _derive(self) -> None:
        """With ``faceted``, the facet mappings become epitaxy's sets (given equal, as a run file's parameters give them back)."""
        if not isinstance(self.faceted, bool):
            raise ParameterError(f"faceted = {show(self.faceted)} is not allowed; allowed: true or false")
        if not self.faceted:
            return
        hints = typing.get_type_hints(type(self))
        for k, name in enumerate(("phase_facet_angles_deg", "phase_facet_energies")):
            wanted = canonical_value(name, hints[name], {phase: sets[k] for phase, sets in epitaxial_facets().items()})
            given = getattr(self, name)
            if given and given != wanted:
                raise ParameterError(
                    f"{name} = {show(given)} is not allowed with faceted = true (which sets epitaxy's NH4VO3 and NVP facets); allowed: unset, or faceted = false"
                )
            object.__setattr__(self, name, wanted)

    def order_parameter_fields(self) -> int:
        """Surroundings, the amorphous particles, NZSP, the crystal and NVP slots, the two densities."""
        return 3 + 2 * self.slots_per_phase + self.nvp_slots + 2


def _radii_text(p: OverviewParameters) -> str:
    return "-".join(f"{r:g}" for r in p.particle_radius_nm)


def _validate_geometry(p: OverviewParameters) -> None:
    """Counts, sizes and the substrate, each against its allowed range, before any placement."""
    if not 1 <= p.n_particles <= 1000:
        raise ParameterError(f"n_particles = {p.n_particles!r} is not allowed; allowed: an integer in [1, 1000]")
    for name in ("slots_per_phase", "nvp_slots"):
        if not 1 <= getattr(p, name) <= 16:
            raise ParameterError(f"{name} = {getattr(p, name)!r} is not allowed; allowed: an integer in [1, 16]")
    radii, width = p.particle_radius_nm, p.interface_width_nm
    if len(radii) != 2 or not width <= radii[0] <= radii[1]:
        raise ParameterError(
            f"particle_radius_nm = {radii} is not allowed; allowed: two radii (smallest, largest) in nm with interface_width_nm = {width} <= smallest <= largest"
        )
    if not 0.0 <= p.contact_gap_nm <= 2.0 * width:
        raise ParameterError(f"contact_gap_nm = {p.contact_gap_nm!r} is not allowed; allowed: in [0, 2 x interface_width_nm = {2 * width}] nm")
    if not p.substrate_feature_nm >= 2.0 * width:
        raise ParameterError(f"substrate_feature_nm = {p.substrate_feature_nm!r} is not allowed; allowed: >= 2 x interface_width_nm = {2 * width} nm")
    steepest = 0.25 * p.substrate_feature_nm
    if not 0.0 <= p.substrate_roughness_nm <= steepest:
        raise ParameterError(
            f"substrate_roughness_nm = {p.substrate_roughness_nm!r} is not allowed; allowed: in [0, substrate_feature_nm / 4 = {steepest:g}] nm "
            "(hillocks no taller than half discs)"
        )
    if not width <= p.substrate_height_nm:
        raise ParameterError(f"substrate_height_nm = {p.substrate_height_nm!r} is not allowed; allowed: >= interface_width_nm = {width} nm")
    top = p.substrate_height_nm + p.substrate_roughness_nm + 2.0 * radii[1] + 2.0 * width
    if top > p.domain_nm[1] or 2.0 * radii[1] + 4.0 * width > p.domain_nm[0]:
        raise ParameterError(
            f"domain_nm = {p.domain_nm} is too small for particle_radius_nm = {radii} above the NZSP surface at up to "
            f"{p.substrate_height_nm + p.substrate_roughness_nm:g} nm; allowed: at least ({2 * radii[1] + 4 * width:g}, {top:g}) nm"
        )


def _rng(p: OverviewParameters, stream: int) -> np.random.Generator:
    """The placement generator of one stream (1: the substrate, 2: the particles) of the run's seed."""
    return np.random.default_rng([p.seed, stream])


def substrate_shape(p: OverviewParameters) -> Union:
    """The uneven NZSP surface: a flat base at ``substrate_height_nm`` with one hillock (a disc cap, an NZSP
    grain of the sintered pellet) per ``substrate_feature_nm`` along x, each of random height up to
    ``substrate_roughness_nm``, random half-width in [1/4, 1/2] of the spacing and random position in its stretch."""
    base = HalfSpace(p.substrate_height_nm)
    if p.substrate_roughness_nm == 0.0:
        return Union((base,))
    rng = _rng(p, 1)
    count = max(1, round(p.domain_nm[0] / p.substrate_feature_nm))
    stretch = p.domain_nm[0] / count
    caps = []
    for k in range(count):
        x = (k + 0.5 + rng.uniform(-0.25, 0.25)) * stretch
        height = rng.uniform(0.25, 1.0) * p.substrate_roughness_nm
        half_width = rng.uniform(0.25, 0.5) * p.substrate_feature_nm  # >= roughness >= height: at most a half disc
        radius = (half_width**2 + height**2) / (2.0 * height)
        caps.append(Disc((x, p.substrate_height_nm + height - radius), radius))
    return Union((base, *caps))


def _distance(shape, x: float, y: float) -> float:
    return float(shape.distance(np.array([[x], [y]]))[0])


def _height_at_distance(surface: Union, x: float, distance_nm: float, top_nm: float) -> float:
    """The y above the surface at x whose distance from it is ``distance_nm`` (bisection: the distance
    grows with y above the base, where every hillock's centre lies below)."""
    lo, hi = 0.0, top_nm + distance_nm
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _distance(surface, x, mid) < distance_nm else (lo, mid)
    return 0.5 * (lo + hi)


def place_particles(p: OverviewParameters) -> list[tuple[float, float, float]]:
    """Particle discs (x, y, radius) [nm], largest first: a loose aggregate on the NZSP surface.

    Each particle is put next to an anchor drawn among the NZSP surface and the particles placed
    before it, at a gap drawn from [0, ``contact_gap_nm``] and (next to a particle) a random
    direction; it is kept if it overlaps neither another particle nor the substrate and stays an
    interface width inside the box, else tried again (:data:`PLACEMENT_TRIES` times). Returns the
    particles placed: fewer than ``n_particles`` when the box is too full.
    """
    rng = _rng(p, 2)
    surface = substrate_shape(p)
    (L, H), margin = p.domain_nm, p.interface_width_nm
    placed: list[tuple[float, float, float]] = []
    for r in np.sort(rng.uniform(*p.particle_radius_nm, p.n_particles))[::-1]:
        for _ in range(PLACEMENT_TRIES):
            gap = rng.uniform(0.0, p.contact_gap_nm)
            anchor = int(rng.integers(len(placed) + 1))
            if anchor == 0:
                x = rng.uniform(r + margin, L - r - margin)
                y = _height_at_distance(surface, x, r + gap, H)
            else:
                xa, ya, ra = placed[anchor - 1]
                angle = rng.uniform(0.0, 2.0 * math.pi)
                x, y = xa + (ra + r + gap) * math.cos(angle), ya + (ra + r + gap) * math.sin(angle)
            inside = margin + r <= x <= L - margin - r and y <= H - margin - r
            apart = all(math.hypot(x - xo, y - yo) >= r + ro for xo, yo, ro in placed)
            if inside and apart and _distance(surface, x, y) >= r:
                placed.append((float(x), float(y), float(r)))
                break
        else:
            return placed
    return placed


def microstructure(p: OverviewParameters) -> Microstructure:
    """The amorphous particles (one slot: they are apart or touch, one phase) and the rough substrate painted on top."""
    particles = place_particles(p)
    return Microstructure(
        grains=(*(Grain("amorphous") for _ in particles), Grain(SUBSTRATE, fixed=True)),
        shapes=(*(Disc((x, y), r) for x, y, r in particles), substrate_shape(p)),
        slots=(*(0 for _ in particles), 1),
        empty_slots=(*CRYSTALS * p.slots_per_phase, *("NVP",) * p.nvp_slots),
    )


PRECURSORS_AND_PRODUCT = ("amorphous", *GRAIN_PHASES)
"""The phases of the precursor matter (every condensed phase of the run)."""


def phase_fraction_fields(ds: xr.Dataset) -> np.ndarray:
    """h of every phase per frame, (time, phase, y, x) (:meth:`phasefield.accessor.NvpAccessor.phases`)."""
    return np.stack([ds.nvp.phases(float(t)).values for t in ds.time.values])


def particle_counts(h: np.ndarray, min_cells: float) -> tuple[np.ndarray, np.ndarray]:
    """Particles and the particles attached to NZSP, per frame, from h (time, phase, y, x).

    A particle is a face-connected region of cells more than half precursor matter (the
    condensed phases: neither the surroundings nor NZSP), labelled by :func:`scipy.ndimage.label`,
    of at least ``min_cells`` cells; it is attached when one of its cells has a face neighbour
    that is more than half NZSP.
    """
    matter = h[:, [PHASES.index(ph) for ph in PRECURSORS_AND_PRODUCT]].sum(axis=1) > 0.5
    substrate = h[:, PHASES.index(SUBSTRATE)] > 0.5
    counts, attached = [], []
    for inside, nzsp in zip(matter, substrate):
        labels, count = ndimage.label(inside)
        large = np.flatnonzero(np.bincount(labels.ravel(), minlength=count + 1)[1:] >= min_cells) + 1
        near = np.unique(labels[ndimage.binary_dilation(nzsp) & inside])
        counts.append(large.size)
        attached.append(np.intersect1d(large, near).size)
    return np.array(counts), np.array(attached)


def smallest_particle_cells(p: OverviewParameters) -> float:
    """Cells of the smallest region counted as a particle: a disc of one interface width's radius, the
    smallest the diffuse interfaces resolve (the amorphous wets NZSP and leaves film fragments 1-2 cells
    thick along it, measured in the default run, which are not particles)."""
    return math.pi * (p.interface_width_nm / p.dx_nm) ** 2


def nvp_fraction(ds: xr.Dataset) -> np.ndarray:
    """NVP's share of the precursor matter (its area over that of every condensed phase), per frame."""
    area = ds.phase_area
    return (area.sel(phase="NVP") / area.sel(phase=list(PRECURSORS_AND_PRODUCT)).sum("phase")).values


def run(p: OverviewParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, **options)
    particles, attached = particle_counts(phase_fraction_fields(ds), smallest_particle_cells(p))
    extra = xr.Dataset(
        {
            "nvp_fraction": ("time", nvp_fraction(ds), {"units": "1", "long_name": "NVP share of the precursor matter (area of NVP over that of every condensed phase)"}),
            "particle_count": ("time", particles, {"units": "1", "long_name": "particles: face-connected regions more than half precursor matter, of at least pi l^2"}),
            "attached_particle_count": ("time", attached, {"units": "1", "long_name": "particles with a face neighbour more than half NZSP"}),
        }
    ).merge(crystallization_outputs(ds))
    return with_outputs(ds, extra, out)


SCENARIO = Scenario(
    name="overview",
    summary="Fig. 1, S10: tens of amorphous precursor particles on uneven NZSP heated through T_c crystallize, aggregate, attach and form NVP",
    parameters=OverviewParameters,
    run=run,
)

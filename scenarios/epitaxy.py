"""Epitaxial growth of NVP into NH4VO3, fed by NaH2PO4 (paper Fig. 3-5, Movies S7-S8).

An NH4VO3 particle (radius 14 nm) touches a NaH2PO4 particle (radius 10 nm) on
the heating chip. The chip is heated at 20 K/s from 560 degC and held at
710 degC, just above T_c = 700 degC (T_c is crossed at 7 s, so that NVP
appears at 8-9 s as in the paper's Fig. 3 timeline). NVP nucleates at the NH4VO3/NaH2PO4
contact once T > T_c (never painted), inherits the NH4VO3 orientation, and
grows into NH4VO3, whose free surface stays where it is, while NaH2PO4 is drawn
through the boundary into NVP and its particle shrinks. NH4VO3 and NVP carry
the facet anisotropy of their lattices seen along the paper's zone axes
(NH4VO3 [0 1 2]: low-energy (100); NVP [1 2 -1]), from the atomistic module.

3D (``domain_nm`` with three entries, e.g. ``--set domain_nm=64,36,36``): the same
defaults with two touching spheres centred in the box, and each crystal's Wulff
polyhedron of its low-index planes (:func:`scenarios.facets.epitaxial_facets_3d`) in
the sample frame, whose x, y plane is the 2D run's view down NH4VO3 [0 1 2].

Epitaxial misfit (``--set misfit_max_multiple=3``: the paper's 3:2 coincidence, off by default): the
interface of an NVP grain in the orientation relationship carries the misfit energy of the
coincidence's misfit (:mod:`phasefield.model.misfit`, ``misfit_energy`` per grain);
capped by the incoherent interface's excess (``incoherent_excess_J_m2``, 0.2 J/m^2: the 3:2's
0.345 is capped, the 4:3's 0.057 is not); ``--set nucleus_orientation_offset_deg=30`` turns the
nuclei out of the relationship, and their NH4VO3 interface pays the incoherent excess, in the
nucleation barrier too (``benchmarks/bench_misfit.py`` compares the two). ``--set nh4vo3_cif=PATH`` sets the V-site
overlap that scales the NH4VO3/NVP mobility.

What to look at: ``phase_area.sel(phase=["NH4VO3", "NaH2PO4", "NVP"])`` (NVP
grows while NaH2PO4 is consumed), ``centroid_x`` of the NH4VO3 grain (the
particle does not travel; its centroid shifts only as its contact side is
converted), ``mean_V_valence`` (+5 -> +3, EELS Fig. 1t), ``amount`` (constant: V and P are conserved).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import ClassVar

import xarray as xr

import phasefield
from phasefield import Disc, Grain, Microstructure, ModelParameters
from phasefield.model.values import ParameterError, canonical_value, frozen_map, show

from .facets import epitaxial_facets, epitaxial_facets_3d
from .interface_inputs import coincidence, v_site_overlap
from .registry import Scenario

MAX_MISFIT_MULTIPLE = 10
"""Largest ``misfit_max_multiple`` (a choice): the paper's coincidence is 3:2; periods of 10 spacings
(3-4 nm) are beyond any the HRTEM of Fig. 4 shows."""

EPITAXY_DERIVED = {
    "misfit_strain": "misfit_max_multiple (the coincidence's misfit, from atomistic)",
    "misfit_coincidence": "misfit_max_multiple",
    "v_site_overlap": "nh4vo3_cif (its V-site overlap with NVP, from atomistic; 1 without a CIF)",
}
"""The fields :class:`EpitaxyParameters` derives -> what to set instead."""


@dataclass(frozen=True)
class EpitaxyParameters(ModelParameters):
    """Defaults of the epitaxy scenario (physics from :class:`ModelParameters`).

    Parameters
    ----------
    nh4vo3_radius_nm, nah2po4_radius_nm
        Particle radii [nm].
    contact_overlap_nm
        How far the two discs overlap where they touch [nm].
    nh4vo3_orientation_deg
        In-plane orientation of the NH4VO3 crystal (NVP inherits it).
    nvp_slots
        Order-parameter slots available to NVP nuclei.
    phase_facet_angles_deg, phase_facet_energies
        Facets of NH4VO3 (seen along [0 1 2]) and NVP (along [1 2 -1], in the
        NH4VO3 frame through the orientation relationship) from
        :func:`scenarios.facets.epitaxial_facets` (atomistic lattice estimate).
        3D: a phase whose angles are the default gets ``phase_facet_normals`` and
        ``phase_facet_energies`` (unless changed) from
        :func:`scenarios.facets.epitaxial_facets_3d` instead; other 2D angles are refused.
    misfit_max_multiple
        Largest m, n of the (1 2 -1) NH4VO3 // (2 -1 0) NVP coincidence whose misfit the
        interface of an NVP grain in the orientation relationship carries as misfit energy
        (:func:`scenarios.interface_inputs.coincidence`): 3 the paper's 3:2 (+8.16 %), 4 or 5 the
        4:3 (-3.32 %); 0 (the default): no misfit energy.
    misfit_strain, misfit_coincidence
        Derived: the misfit delta of that coincidence (0 without) and its "m:n" ("" without).
    nh4vo3_cif
        An NH4VO3 CIF (none is bundled); when given, ``v_site_overlap`` (derived) is its V-site
        overlap with NVP under the paper's relationship
        (:func:`scenarios.interface_inputs.v_site_overlap`), which scales the NH4VO3/NVP
        mobility; without one it is 1.
    """

    dimensions: ClassVar[tuple[int, ...]] = (2, 3)

    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({k: v[0] for k, v in epitaxial_facets().items()}))
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({k: v[1] for k, v in epitaxial_facets().items()}))
    start_temperature_C: float = 560.0
    hold_temperature_C: float = 710.0
    nh4vo3_radius_nm: float = 14.0
    nah2po4_radius_nm: float = 10.0
    contact_overlap_nm: float = 2.0
    nh4vo3_orientation_deg: float = 0.0
    nvp_slots: int = 2
    misfit_max_multiple: int = 0
    nh4vo3_cif: str = ""
    misfit_strain: float = field(default=0.0, init=False)
    misfit_coincidence: str = field(default="", init=False)
    v_site_overlap: float = field(default=1.0, init=False)
    derived_from: ClassVar[Mapping[str, str]] = frozen_map(EPITAXY_DERIVED)

    def _derive(self) -> None:
        """The interface's numbers from the atomistic module; 3D: the default 2D facets of a phase become
        its 3D facets (other 2D angles are refused)."""
        self._derive_interface()
        if len(self.domain_nm) != 3:
            return
        angles, normals, energies = dict(self.phase_facet_angles_deg), dict(self.phase_facet_normals), dict(self.phase_facet_energies)
        default_angles, default_energies = _default_2d(self, "phase_facet_angles_deg"), _default_2d(self, "phase_facet_energies")
        for phase, (normals_3d, energies_3d) in epitaxial_facets_3d().items():
            if angles.get(phase) != default_angles.get(phase):
                continue
            del angles[phase]
            if phase not in normals:
                normals[phase] = normals_3d
                if energies.get(phase) == default_energies.get(phase):
                    energies[phase] = energies_3d
        if angles:
            phase, value = next(iter(angles.items()))
            raise ParameterError(
                f"phase_facet_angles_deg.{phase} = {show(value)} is not allowed with a 3D domain_nm = {self.domain_nm}: angles are 2D facets; "
                f"allowed: the default (3D: the Wulff faces of scenarios.facets.epitaxial_facets_3d) or phase_facet_normals.{phase} (3D unit normals x1,y1,z1,x2,...) with phase_facet_energies.{phase}"
            )
        object.__setattr__(self, "phase_facet_angles_deg", frozen_map(angles))
        object.__setattr__(self, "phase_facet_normals", frozen_map(normals))
        object.__setattr__(self, "phase_facet_energies", frozen_map(energies))

    def _derive_interface(self) -> None:
        """misfit_strain and misfit_coincidence from misfit_max_multiple, v_site_overlap from nh4vo3_cif."""
        k = self.misfit_max_multiple
        if not 0 <= k <= MAX_MISFIT_MULTIPLE:
            raise ParameterError(f"misfit_max_multiple = {k!r} is not allowed; allowed: an integer in [0, {MAX_MISFIT_MULTIPLE}] (0: no misfit energy)")
        found = coincidence(k) if k else None
        object.__setattr__(self, "misfit_strain", found.delta if found else 0.0)
        object.__setattr__(self, "misfit_coincidence", f"{found.m}:{found.n}" if found else "")
        object.__setattr__(self, "v_site_overlap", v_site_overlap(self.nh4vo3_cif) if self.nh4vo3_cif else 1.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("nh4vo3_radius_nm", "nah2po4_radius_nm"):
            r = getattr(self, name)
            if not r >= self.interface_width_nm:
                raise ParameterError(f"{name} = {r!r} is not allowed; allowed: >= interface_width_nm = {self.interface_width_nm} nm")
        if not (0 <= self.contact_overlap_nm < min(self.nh4vo3_radius_nm, self.nah2po4_radius_nm)):
            raise ParameterError(f"contact_overlap_nm = {self.contact_overlap_nm!r} is not allowed; allowed: in [0, the smaller of nh4vo3_radius_nm and nah2po4_radius_nm)")
        need = self.particle_span_nm()
        if any(n > L for n, L in zip(need, self.domain_nm)):
            raise ParameterError(
                f"domain_nm = {self.domain_nm} is too small for nh4vo3_radius_nm = {self.nh4vo3_radius_nm}, nah2po4_radius_nm = {self.nah2po4_radius_nm}, "
                f"contact_overlap_nm = {self.contact_overlap_nm} and 4 x interface_width_nm = {4 * self.interface_width_nm}; "
                f"allowed: at least ({', '.join(f'{n:.1f}' for n in need)}) nm, or smaller radii"
            )
        if not 1 <= self.nvp_slots <= 16:
            raise ParameterError(f"nvp_slots = {self.nvp_slots!r} is not allowed; allowed: an integer in [1, 16]")

    def particle_span_nm(self) -> tuple[float, ...]:
        """Box size the two particles need along x, y (and z), with 2 interface widths each side [nm]."""
        margin = 4 * self.interface_width_nm
        span = 2 * (self.nh4vo3_radius_nm + self.nah2po4_radius_nm) - self.contact_overlap_nm
        across = 2 * max(self.nh4vo3_radius_nm, self.nah2po4_radius_nm) + margin
        return (span + margin,) + (across,) * (len(self.domain_nm) - 1)

    def order_parameter_fields(self) -> int:
        """Surroundings, NH4VO3, NaH2PO4, the NVP slots and the two species."""
        return 5 + self.nvp_slots


def _default_2d(p: EpitaxyParameters, name: str) -> Mapping[str, tuple[float, ...]]:
    """The 2D default of a facet mapping of ``p``'s class, in canonical form."""
    default = next(f for f in fields(p) if f.name == name).default_factory()
    return canonical_value(name, typing.get_type_hints(type(p))[name], default)


def microstructure(p: EpitaxyParameters) -> Microstructure:
    """The two touching particles (discs, 3D spheres), centred in the box, NH4VO3 on the left."""
    ra, rs = p.nh4vo3_radius_nm, p.nah2po4_radius_nm
    span = 2 * (ra + rs) - p.contact_overlap_nm
    xa = 0.5 * (p.domain_nm[0] - span) + ra
    xs = xa + ra + rs - p.contact_overlap_nm
    across = tuple(0.5 * L for L in p.domain_nm[1:])
    return Microstructure(
        grains=(Grain("NH4VO3", p.nh4vo3_orientation_deg), Grain("NaH2PO4")),
        shapes=(Disc((xa, *across), ra), Disc((xs, *across), rs)),
        empty_slots=("NVP",) * p.nvp_slots,
    )


def run(p: EpitaxyParameters, out=None, **options) -> xr.Dataset:
    return phasefield.run(p, microstructure(p), out, **options)


SCENARIO = Scenario(
    name="epitaxy",
    summary="Fig. 3-5: NVP nucleates at an NH4VO3/NaH2PO4 contact above T_c and grows into NH4VO3 fed by NaH2PO4",
    parameters=EpitaxyParameters,
    run=run,
)

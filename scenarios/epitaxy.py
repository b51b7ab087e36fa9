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

What to look at: ``phase_area.sel(phase=["NH4VO3", "NaH2PO4", "NVP"])`` (NVP
grows while NaH2PO4 is consumed), ``centroid_x`` of the NH4VO3 grain (the
particle does not travel; its centroid shifts only as its contact side is
converted), ``mean_V_valence`` (+5 -> +3, EELS Fig. 1t), ``amount`` (constant: V and P are conserved).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import xarray as xr

import phasefield
from phasefield import Disc, Grain, Microstructure, ModelParameters
from phasefield.model.values import ParameterError, frozen_map

from .facets import epitaxial_facets
from .registry import Scenario


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
    """

    dimensions: ClassVar[tuple[int, ...]] = (2,)

    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({k: v[0] for k, v in epitaxial_facets().items()}))
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({k: v[1] for k, v in epitaxial_facets().items()}))
    start_temperature_C: float = 560.0
    hold_temperature_C: float = 710.0
    nh4vo3_radius_nm: float = 14.0
    nah2po4_radius_nm: float = 10.0
    contact_overlap_nm: float = 2.0
    nh4vo3_orientation_deg: float = 0.0
    nvp_slots: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("nh4vo3_radius_nm", "nah2po4_radius_nm"):
            r = getattr(self, name)
            if not r >= self.interface_width_nm:
                raise ParameterError(f"{name} = {r!r} is not allowed; allowed: >= interface_width_nm = {self.interface_width_nm} nm")
        if not (0 <= self.contact_overlap_nm < min(self.nh4vo3_radius_nm, self.nah2po4_radius_nm)):
            raise ParameterError(f"contact_overlap_nm = {self.contact_overlap_nm!r} is not allowed; allowed: in [0, the smaller of nh4vo3_radius_nm and nah2po4_radius_nm)")
        need = self.particle_span_nm()
        if need[0] > self.domain_nm[0] or need[1] > self.domain_nm[1]:
            raise ParameterError(
                f"domain_nm = {self.domain_nm} is too small for nh4vo3_radius_nm = {self.nh4vo3_radius_nm}, nah2po4_radius_nm = {self.nah2po4_radius_nm}, "
                f"contact_overlap_nm = {self.contact_overlap_nm} and 4 x interface_width_nm = {4 * self.interface_width_nm}; allowed: at least ({need[0]:.1f}, {need[1]:.1f}) nm, or smaller radii"
            )
        if not 1 <= self.nvp_slots <= 16:
            raise ParameterError(f"nvp_slots = {self.nvp_slots!r} is not allowed; allowed: an integer in [1, 16]")

    def particle_span_nm(self) -> tuple[float, float]:
        """Box size the two particles need along x and y, with 2 interface widths each side [nm]."""
        margin = 4 * self.interface_width_nm
        span = 2 * (self.nh4vo3_radius_nm + self.nah2po4_radius_nm) - self.contact_overlap_nm
        return span + margin, 2 * max(self.nh4vo3_radius_nm, self.nah2po4_radius_nm) + margin

    def order_parameter_fields(self) -> int:
        """Surroundings, NH4VO3, NaH2PO4, the NVP slots and the two species."""
        return 5 + self.nvp_slots


def microstructure(p: EpitaxyParameters) -> Microstructure:
    """The two touching particles, centred in the box, NH4VO3 on the left."""
    Lx, Ly = p.domain_nm[0], p.domain_nm[1]
    ra, rs = p.nh4vo3_radius_nm, p.nah2po4_radius_nm
    span = 2 * (ra + rs) - p.contact_overlap_nm
    xa = 0.5 * (Lx - span) + ra
    xs = xa + ra + rs - p.contact_overlap_nm
    return Microstructure(
        grains=(Grain("NH4VO3", p.nh4vo3_orientation_deg), Grain("NaH2PO4")),
        shapes=(Disc((xa, 0.5 * Ly), ra), Disc((xs, 0.5 * Ly), rs)),
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

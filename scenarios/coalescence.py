"""Two touching particles of one precursor coalesce (paper Fig. S4, S5; Movies S5, S6).

Two discs of one phase (NaH2PO4 by default; NH4VO3 with ``particle_phase``),
radius 12 nm, touch over a neck of ~4 nm at 650 degC (below T_c, no reaction).
The neck grows because its concave surface has a lower chemical potential than
the convex particle surfaces: units diffuse to it through the bulk, along the
surface and (with ``separate_grains``) along the boundary between the two
grains. Nothing else moves matter: the total of each species is conserved and
the surroundings hold none. With ``separate_grains`` the two particles are two
grains of the phase, joined by a grain boundary, and the neck ends in a groove
whose dihedral angle is set by the boundary and surface energies.

What to look at: ``neck_width`` (time), the narrowest width of the particle pair
between the two centres; against the classical laws x/a ~ t^m (m = 1/5 bulk,
1/6 boundary, 1/7 surface diffusion; Kuczynski 1949, Coble 1958, the same
exponents for 2D cylinders by the scaling argument of the notes);
``amount`` (constant); with two grains, ``junction_angle``: the angles inside the
left particle, the right one and the surroundings at the upper junction (circle fits,
:func:`phasefield.analysis.shape.junction_angles`), against ``young_angle`` of the
three pair energies, cos(theta_k) = (sigma_ij^2 - sigma_ik^2 - sigma_jk^2) /
(2 sigma_ik sigma_jk), which the equilibrium double bubble meets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import xarray as xr

import phasefield
from phasefield import Disc, Grain, HalfSpace, Intersection, Microstructure, ModelParameters, Union
from phasefield.analysis.shape import junction_angles
from phasefield.model.phases import REGISTRY, SURROUNDINGS
from phasefield.model.values import ParameterError

from .registry import Scenario, with_outputs


@dataclass(frozen=True)
class CoalescenceParameters(ModelParameters):
    """Defaults of the coalescence scenario.

    Parameters
    ----------
    particle_phase
        The particles' phase (a condensed phase).
    particle_radius_nm
        Radius a of both discs [nm].
    neck_width_nm
        Width of the initial contact, the chord where the two discs overlap [nm].
    separate_grains
        Two grains of the phase with a grain boundary (True), or one (False: they merge).
    partner_phase
        The right particle's phase; empty: ``particle_phase``. Another phase makes two
        grains joined by a phase boundary (``separate_grains`` is then implied).
    """

    particle_phase: str = "NaH2PO4"
    particle_radius_nm: float = 12.0
    neck_width_nm: float = 4.0
    separate_grains: bool = False
    partner_phase: str = ""
    domain_nm: tuple[float, ...] = (56.0, 32.0)
    grid: int = 112
    start_temperature_C: float = 650.0
    hold_temperature_C: float = 650.0
    ramp_K_per_s: float = 0.0
    duration_s: float = 20.0
    output_interval_s: float = 0.5
    nucleation_prefactor_per_m_s: float = 0.0

    dimensions: ClassVar[tuple[int, ...]] = (2,)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.particle_phase not in REGISTRY.condensed:
            raise ParameterError(f"particle_phase = {self.particle_phase!r} is not allowed; allowed: one of {', '.join(REGISTRY.condensed)}")
        if self.partner_phase and self.partner_phase not in REGISTRY.condensed:
            raise ParameterError(
                f"partner_phase = {self.partner_phase!r} is not allowed; allowed: empty (the particle's phase) or one of {', '.join(REGISTRY.condensed)}"
            )
        a, x0 = self.particle_radius_nm, self.neck_width_nm
        if not a >= 2 * self.interface_width_nm:
            raise ParameterError(f"particle_radius_nm = {a!r} is not allowed; allowed: >= 2 x interface_width_nm = {2 * self.interface_width_nm} nm")
        if not 0 < x0 < 2 * a:
            raise ParameterError(f"neck_width_nm = {x0!r} is not allowed; allowed: in (0, 2 x particle_radius_nm = {2 * a}) nm")
        need = (4 * a + 4 * self.interface_width_nm, 2 * a + 4 * self.interface_width_nm)
        if self.domain_nm[0] < need[0] or self.domain_nm[1] < need[1]:
            raise ParameterError(f"domain_nm = {self.domain_nm} is too small for particle_radius_nm = {a}; allowed: at least ({need[0]:.1f}, {need[1]:.1f}) nm")

    @property
    def centres_nm(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Centres of the two discs: a half-overlap of a - sqrt(a^2 - (x0/2)^2) each side of the box centre."""
        a = self.particle_radius_nm
        half_gap = math.sqrt(a**2 - (0.5 * self.neck_width_nm) ** 2)
        xm, ym = 0.5 * self.domain_nm[0], 0.5 * self.domain_nm[1]
        return (xm - half_gap, ym), (xm + half_gap, ym)

    @property
    def phases(self) -> tuple[str, str]:
        """The left and right particles' phases."""
        return self.particle_phase, self.partner_phase or self.particle_phase

    @property
    def two_grains(self) -> bool:
        return self.separate_grains or self.phases[0] != self.phases[1]

    @property
    def young_angles_deg(self) -> tuple[float, float, float]:
        """Young's dihedral angles inside the left particle, the right one and the surroundings [degree]."""
        phase = dict(zip(("left", "right", "surroundings"), (*self.phases, SURROUNDINGS)))

        def sigma(x: str, y: str) -> float:
            return self.interface_energy(phase[x], phase[y])

        angles = []
        for k, i, j in (("left", "right", "surroundings"), ("right", "left", "surroundings"), ("surroundings", "left", "right")):
            cos = (sigma(i, j) ** 2 - sigma(i, k) ** 2 - sigma(j, k) ** 2) / (2 * sigma(i, k) * sigma(j, k))
            angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
        return tuple(angles)

    def order_parameter_fields(self) -> int:
        """Surroundings, one or two grains, and the two densities."""
        return 5 if self.two_grains else 4


def microstructure(p: CoalescenceParameters) -> Microstructure:
    left, right = (Disc(c, p.particle_radius_nm) for c in p.centres_nm)
    if p.two_grains:
        # a flat boundary along the contact chord
        middle = 0.5 * p.domain_nm[0]
        shapes = (Intersection((left, HalfSpace(middle, axis=0))), Intersection((right, HalfSpace(middle, axis=0, below=False))))
        return Microstructure(grains=(Grain(p.phases[0]), Grain(p.phases[1], 30.0)), shapes=shapes)
    return Microstructure(grains=(Grain(p.particle_phase),), shapes=(Union((left, right)),))


def neck_widths(ds: xr.Dataset, p: CoalescenceParameters) -> np.ndarray:
    """Narrowest width [nm] of the condensed region between the two centres, per frame.

    Per column, the width is the length where the surroundings' order parameter is
    below 1/2 (linear interpolation of the crossings along y); the neck is the
    smallest width among the columns between the centres.
    """
    (x1, _), (x2, _) = p.centres_nm
    columns = (ds.x.values > x1) & (ds.x.values < x2)
    outside = ds.eta.sel(grain=0).values[:, :, columns]  # (time, y, x)
    return _crossing_length(outside, p.dx_nm).min(axis=1)


def _crossing_length(surroundings: np.ndarray, dx: float) -> np.ndarray:
    """Length along axis -2 (y) where ``surroundings`` < 1/2, linearly interpolated, shape (time, x)."""
    below = surroundings < 0.5
    length = below.sum(axis=-2) * dx
    # correct each 0.5 crossing between cells k and k+1 by its interpolated position
    a, b = surroundings[..., :-1, :], surroundings[..., 1:, :]
    cross = (a - 0.5) * (b - 0.5) < 0
    frac = np.where(cross, (a - 0.5) / np.where(cross, a - b, 1.0), 0.0)  # crossing position in (0, 1) from cell k
    # entering (a >= 0.5 > b): the inside starts at k + frac, the counted cells start at k + 1 (centres):
    # adds (1 - frac) - 1/2; leaving (a < 0.5 <= b): adds frac - 1/2
    entering = cross & (a >= 0.5)
    leaving = cross & (a < 0.5)
    return length + dx * (np.where(entering, 0.5 - frac, 0.0) + np.where(leaving, frac - 0.5, 0.0)).sum(axis=-2)


def dihedral_angles(ds: xr.Dataset, p: CoalescenceParameters) -> np.ndarray:
    """Angles [degree] inside the left, the right particle and the surroundings at the upper junction, per frame
    (NaN where the contours cannot be fitted, e.g. before a neck has formed)."""
    out = np.full((ds.sizes["time"], 3), np.nan)
    for t, (a, b) in enumerate(zip(ds.eta.sel(grain=1).values, ds.eta.sel(grain=2).values)):
        try:
            out[t] = junction_angles(a, b, p.dx_nm, exclude=p.interface_width_nm)
        except (ValueError, np.linalg.LinAlgError):
            pass
    return out


def run(p: CoalescenceParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, **options)
    extra = xr.Dataset({"neck_width": ("time", neck_widths(ds, p), {"units": "nm", "long_name": "narrowest width of the particle pair between the centres"})})
    if p.two_grains:
        region = ("left particle", "right particle", SURROUNDINGS)
        extra["junction_angle"] = (("time", "region"), dihedral_angles(ds, p), {"units": "degree", "long_name": "dihedral angle at the upper triple junction (circle fits)"})
        extra["young_angle"] = ("region", np.array(p.young_angles_deg), {"units": "degree", "long_name": "Young dihedral angle of the pair energies"})
        extra = extra.assign_coords(region=list(region))
    return with_outputs(ds, extra, out)


SCENARIO = Scenario(
    name="coalescence",
    summary="Fig. S4, S5: two touching particles of one precursor form a neck that grows by diffusion",
    parameters=CoalescenceParameters,
    run=run,
)

"""The amorphous precursor crystallizes into nanograins below T_c (paper Fig. S3, S7; O1).

An as-infiltrated amorphous precursor particle (radius 14 nm, V and P units in the
NVP ratio 2:3) lies on flat NZSP and is held at 650 degC, below T_c = 700 degC and
above the crystallization temperature (600 degC). NH4VO3 and NaH2PO4 grains
nucleate in it (classical homogeneous nucleation, Poisson-sampled from the run's
seed, :mod:`phasefield.model.crystallization`) and grow by partitioning the units:
an NH4VO3 grain takes V and leaves P to the amorphous around it, which favours
NaH2PO4 there. An NVP slot is present, and stays empty: below T_c no NVP nucleates
where the new precursor grains touch. Held above T_c (``--set hold_temperature_C=710``, best
reached by the epitaxy's ramp, ``start_temperature_C=560``, ``ramp_K_per_s=20``: held at 710 degC
from the start, thousands of crystal nuclei form within 0.1 s), NVP nucleates at those contacts
and converts the grains: the whole process, as :mod:`scenarios.threshold` sweeps it.

Kinetic choices (estimates, no measured values): the amorphous precursor's units
diffuse at 1e-16 m^2/s at the reference temperature (ten times the default, a
glass above its crystallization temperature), so that grains grow within seconds.

Grains are tracked and reassigned (``grain_reassignment``, :mod:`phasefield.model.reassignment`):
each nucleus is a grain of its own orientation, and the ``slots_per_phase`` order
parameters of each crystal phase hold as many grains as keep apart.

What to look at: ``crystallinity`` (time), the crystalline share of the precursor
area, rising; ``grain_count`` (time, grain_kind), the tracked grains of NH4VO3, NaH2PO4
and NVP; ``grain_size`` (time, tracked_grain), the equivalent-disc diameter of each crystalline
grain (NaN while absent; ``tracked_grain_phase`` names its phase); ``ds.nvp.grains()``, one row
per grain (its slot, area, centroid, orientation); ``phase_area.sel(phase="NVP")`` stays 0; attributes ``n_crystal_nuclei``,
``n_merged_crystal_nuclei``, ``n_reassigned_grains`` and ``n_unresolved_contacts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import xarray as xr

import phasefield
from phasefield.analysis.grains import grain_outputs
from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters
from phasefield.model.phases import SUBSTRATE
from phasefield.model.values import ParameterError, frozen_map

from .registry import Scenario, with_outputs

CRYSTALS = ("NH4VO3", "NaH2PO4")

GRAIN_PHASES = (*CRYSTALS, "NVP")
"""The crystalline phases whose grains are counted and sized (NVP: above T_c, as ``threshold`` runs it)."""


@dataclass(frozen=True)
class CrystallizationParameters(ModelParameters):
    """Defaults of the crystallization scenario.

    Parameters
    ----------
    particle_radius_nm
        Radius of the amorphous particle, a disc cut by the substrate [nm].
    substrate_height_nm
        Height of the flat NZSP surface [nm].
    slots_per_phase
        Order-parameter slots for NH4VO3 and for NaH2PO4 grains each (each may hold
        several grains: ``grain_reassignment`` is on).
    """

    particle_radius_nm: float = 14.0
    substrate_height_nm: float = 6.0
    slots_per_phase: int = 3
    domain_nm: tuple[float, ...] = (40.0, 32.0)
    grid: int = 80
    start_temperature_C: float = 650.0
    hold_temperature_C: float = 650.0
    ramp_K_per_s: float = 0.0
    duration_s: float = 10.0
    output_interval_s: float = 0.5
    grain_reassignment: bool = True
    diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: frozen_map(dict(ModelParameters().diffusivity_m2_s, amorphous=1e-16)))

    dimensions: ClassVar[tuple[int, ...]] = (2,)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.slots_per_phase <= 16:
            raise ParameterError(f"slots_per_phase = {self.slots_per_phase!r} is not allowed; allowed: 1 to 16")
        r, y0 = self.particle_radius_nm, self.substrate_height_nm
        if not (y0 + r + 2 * self.interface_width_nm <= self.domain_nm[1] and 2 * r + 4 * self.interface_width_nm <= self.domain_nm[0]):
            raise ParameterError(
                f"domain_nm = {self.domain_nm} is too small for particle_radius_nm = {r}; "
                f"allowed: at least ({2 * r + 4 * self.interface_width_nm:.1f}, {y0 + r + 2 * self.interface_width_nm:.1f}) nm"
            )

    def order_parameter_fields(self) -> int:
        """Surroundings, the amorphous particle, NZSP, the crystal and NVP slots, the two densities."""
        return 3 + 2 * self.slots_per_phase + 1 + 2


def microstructure(p: CrystallizationParameters) -> Microstructure:
    """The amorphous disc, its lower part replaced by the substrate painted on top."""
    y0 = p.substrate_height_nm
    return Microstructure(
        grains=(Grain("amorphous"), Grain(SUBSTRATE, fixed=True)),
        shapes=(Disc((0.5 * p.domain_nm[0], y0 + 0.5 * p.particle_radius_nm), p.particle_radius_nm), HalfSpace(y0)),
        empty_slots=(*CRYSTALS * p.slots_per_phase, "NVP"),
    )


def crystallinity(ds: xr.Dataset) -> np.ndarray:
    """Crystalline share of the precursor area (NH4VO3 + NaH2PO4 over those and the amorphous), per frame."""
    area = ds.phase_area
    crystal = area.sel(phase=list(CRYSTALS)).sum("phase")
    return (crystal / (crystal + area.sel(phase="amorphous"))).values


def crystallization_outputs(ds: xr.Dataset) -> xr.Dataset:
    """``crystallinity`` (time) and the grain outputs of :data:`GRAIN_PHASES`: ``grain_count`` (time,
    grain_kind), ``grain_size`` (time, tracked_grain) (:func:`phasefield.analysis.grains.grain_outputs`)."""
    share = xr.Dataset({"crystallinity": ("time", crystallinity(ds), {"units": "1", "long_name": "crystalline share of the precursor area (NH4VO3 + NaH2PO4 over those and the amorphous)"})})
    return share.merge(grain_outputs(ds, ds.nvp.grain_history(), GRAIN_PHASES))


def run(p: CrystallizationParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, **options)
    return with_outputs(ds, crystallization_outputs(ds), out)


SCENARIO = Scenario(
    name="crystallization",
    summary="Fig. S3, S7: an amorphous precursor particle crystallizes into NH4VO3 and NaH2PO4 nanograins below T_c; no NVP",
    parameters=CrystallizationParameters,
    run=run,
)

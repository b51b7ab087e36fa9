"""Boundary trimming: an irregular NVP particle grows and develops flat facets (paper Fig. 1i-l, S2).

An irregular NVP grain (three overlapping discs, 5-7 nm) sits in the
amorphous precursor film at 710 degC (driving force g_am - g_NVP = 1.05e8 J/m^3
with the amorphous entropy lowered to 5e5 J/(m^3 K): the front moves at ~2 nm/s,
slowly enough for the boundary to trim, and the lobes exceed the critical
radius sigma/dg = 3.8 nm). NVP and the amorphous precursor have the
same composition (n_V, n_P = 2/5, 3/5), so the particle grows by interface motion alone,
driven by g_amorphous - g_NVP; its interface energy is faceted with the NVP
facets seen along [1 2 -1] (from the atomistic module). Growth trims the
irregular outline into flat facets.

What to look at: ``facet_sharpness`` (share of the boundary length whose
normal lies within 5 degrees of a facet normal; it rises as the particle trims
its boundary), ``boundary_normal_length(time, normal_angle)`` (the distribution
of boundary normals, peaking at the facet normals), ``eta.sel(grain=2)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import xarray as xr

import phasefield
from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters, Union
from phasefield.model.values import ParameterError, frozen_map
from phasefield.analysis.shape import boundary_normals, facet_sharpness
from phasefield.analysis.wulff import facets_on_shape

from .facets import epitaxial_facets
from .registry import Scenario, with_outputs


def _nvp_facets():
    angles, energies = epitaxial_facets()["NVP"]
    return frozen_map({"NVP": angles}), frozen_map({"NVP": energies})


@dataclass(frozen=True)
class TrimmingParameters(ModelParameters):
    """Defaults of the trimming scenario (NVP facets along [1 2 -1] from atomistic).

    Parameters
    ----------
    lobes_nm
        The irregular particle: (x, y, radius) triples of overlapping discs [nm].
    orientation_deg
        Orientation of the NVP grain.
    sharpness_tolerance_deg
        Angular window of the facet-sharpness measure [degree].
    """

    lobes_nm: tuple[float, ...] = (30.0, 32.0, 7.0, 37.0, 35.0, 5.0, 33.0, 26.0, 5.5)
    orientation_deg: float = 0.0
    sharpness_tolerance_deg: float = 5.0
    domain_nm: tuple[float, ...] = (64.0, 64.0)
    grid: int = 128
    start_temperature_C: float = 710.0
    hold_temperature_C: float = 710.0
    crystallization_entropy_J_m3K: float = 5e5
    ramp_K_per_s: float = 0.0
    duration_s: float = 4.0
    output_interval_s: float = 0.5
    nucleation_prefactor_per_m_s: float = 0.0
    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: _nvp_facets()[0])
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: _nvp_facets()[1])

    dimensions: ClassVar[tuple[int, ...]] = (2,)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.lobes_nm) < 3 or len(self.lobes_nm) % 3 or any(r <= 0 for r in self.lobes_nm[2::3]):
            raise ParameterError(f"lobes_nm = {self.lobes_nm!r} is not allowed; allowed: (x, y, radius) triples in nm with radius > 0")
        if "NVP" not in self.phase_facet_angles_deg:
            raise ParameterError("phase_facet_angles_deg has no NVP entry; allowed: the NVP facet set (the default comes from atomistic)")
        if not 0 < self.sharpness_tolerance_deg <= 90:
            raise ParameterError(f"sharpness_tolerance_deg = {self.sharpness_tolerance_deg!r} is not allowed; allowed: in (0, 90] degrees")

    def order_parameter_fields(self) -> int:
        """Surroundings, the amorphous film, the NVP grain and the two species."""
        return 5


def microstructure(p: TrimmingParameters) -> Microstructure:
    lobes = [Disc((p.lobes_nm[i], p.lobes_nm[i + 1]), p.lobes_nm[i + 2]) for i in range(0, len(p.lobes_nm), 3)]
    return Microstructure(
        grains=(Grain("amorphous"), Grain("NVP", p.orientation_deg)),
        shapes=(HalfSpace(1e6, axis=0), Union(tuple(lobes))),
    )


def trimming_measures(ds: xr.Dataset, p: TrimmingParameters, bins: int = 72) -> xr.Dataset:
    """Per frame: facet sharpness and the length of boundary per normal-angle bin."""
    facets = p.facets("NVP")
    on_shape = facets_on_shape(facets)
    lab = (facets.angles_deg[list(on_shape)] + p.orientation_deg) % 360.0
    edges = np.linspace(0.0, 360.0, bins + 1)
    sharp, hist = [], []
    for t in range(ds.sizes["time"]):
        eta = ds.eta.sel(grain=2).isel(time=t).values
        sharp.append(facet_sharpness(eta, p.dx_nm, lab, p.sharpness_tolerance_deg))
        angles, lengths = boundary_normals(eta, p.dx_nm)
        hist.append(np.histogram(np.mod(angles, 360.0), bins=edges, weights=lengths)[0])
    centres = 0.5 * (edges[1:] + edges[:-1])
    return xr.Dataset(
        {
            "facet_sharpness": ("time", sharp, {"units": "1", "long_name": f"share of boundary length within {p.sharpness_tolerance_deg:g} degree of an NVP facet normal"}),
            "boundary_normal_length": (("time", "normal_angle"), np.array(hist), {"units": "nm", "long_name": "boundary length per outward-normal angle bin"}),
        },
        coords={
            "normal_angle": ("normal_angle", centres, {"units": "degree", "long_name": "outward boundary normal angle, CCW from +x"}),
            "facet_normal_deg": ("facet_normal", lab, {"units": "degree", "long_name": "NVP facet normals on the Wulff shape (lab frame)"}),
        },
    )


def run(p: TrimmingParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, **options)
    measures = trimming_measures(ds, p)
    return with_outputs(ds, measures, out)


SCENARIO = Scenario(
    name="trimming",
    summary="Fig. 1i-l: an irregular NVP particle grows and trims its boundary into facets",
    parameters=TrimmingParameters,
    run=run,
)

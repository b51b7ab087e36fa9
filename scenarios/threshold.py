"""The 700 degC threshold: the whole process held at temperatures across T_c (paper Fig. S7, Movie S9).

The as-infiltrated amorphous precursor (:mod:`scenarios.crystallization`: a particle with V and P
units in the NVP ratio on flat NZSP) is heated from 560 degC at 20 K/s, like the epitaxy
contact, and held at each temperature of the sweep. On the way up it crystallizes into NH4VO3
and NaH2PO4 nanograins (around 650-660 degC, so at every hold temperature of the sweep); above
T_c = 700 degC, NVP nucleates where an NH4VO3 grain touches a NaH2PO4 grain and converts them.
The paper: "only the crystallinity of precursors increased below 700 degC, and the formation of
NVP only occurred at the temperature above 700 degC".

A sweep (:mod:`scenarios.sweep`) of :mod:`scenarios.crystallization` over ``hold_temperature_C``:
one run per hold temperature in ``<out without .nc>/hold_temperature_C=<T>.nc`` (a rerun
keeps finished ones and resumes unfinished ones, but only those written with the same
parameters and package version), combined in ``out`` along ``hold_temperature_C`` with,
against it, the final NVP area fraction, the time NVP first appears, the share of the
amorphous precursor transformed, and the number of nuclei. The same sweep of two touching
crystalline particles (no crystallization stage):
``nvp-growth sweep epitaxy --over hold_temperature_C=680,700,710``.

What to look at: ``final_nvp_fraction`` is 0 at and below 700 degC and rises above it, while
``transformed_fraction`` (crystallization) is near 1 at every hold temperature; ``nvp_onset_s``
(after T_c is crossed at 7 s) falls as the hold temperature rises (the nucleation barrier
a Sigma / |dS (T - T_c)| of the lens nucleus, :mod:`phasefield.model.nucleation`, shrinks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import xarray as xr

from phasefield.io.output import add_to_run
from phasefield.model.values import ParameterError, frozen_map

from .crystallization import SCENARIO as CRYSTALLIZATION
from .crystallization import CrystallizationParameters
from .registry import Scenario
from .sweep import sweep

NVP_PRESENT = 1e-4
"""NVP area fraction above which NVP counts as formed (``nvp_onset_s``)."""


@dataclass(frozen=True)
class ThresholdParameters(CrystallizationParameters):
    """Crystallization parameters, heated through T_c, plus the hold temperatures of the sweep.

    Parameters
    ----------
    temperatures_C
        Hold temperatures [degC]. They replace ``hold_temperature_C``, which is
        therefore not settable here (derived; setting it is refused).
    workers
        Runs in parallel (one process each).
    """

    temperatures_C: tuple[float, ...] = (680.0, 695.0, 700.0, 705.0, 710.0, 720.0)
    workers: int = 2
    start_temperature_C: float = 560.0
    ramp_K_per_s: float = 20.0
    duration_s: float = 14.0
    hold_temperature_C: float = field(default=710.0, init=False)
    derived_from: ClassVar[Mapping[str, str]] = frozen_map({"hold_temperature_C": "temperatures_C (one run per hold temperature)"})

    def __post_init__(self) -> None:
        super().__post_init__()  # types first: the checks below trust them
        if not self.temperatures_C or any(t <= -273.15 for t in self.temperatures_C):
            raise ParameterError(f"temperatures_C = {self.temperatures_C!r} is not allowed; allowed: one or more temperatures > -273.15 degC")
        if self.workers < 1:
            raise ParameterError(f"workers = {self.workers!r} is not allowed; allowed: an integer >= 1")

    def member(self) -> CrystallizationParameters:
        """The parameters the members share (each sets its own ``hold_temperature_C``)."""
        return CrystallizationParameters(**{f.name: getattr(self, f.name) for f in dataclasses.fields(CrystallizationParameters) if f.init})


def summarize(ds: xr.Dataset) -> xr.Dataset:
    """Final NVP fraction, onset time and transformed share of the amorphous precursor against hold
    temperature (the combined runs ``ds``)."""
    nvp = ds.phase_fraction.sel(phase="NVP", drop=True)
    final = nvp.isel(time=-1, drop=True)
    onset = ds.time.where(nvp > NVP_PRESENT).min("time")
    amorphous = ds.phase_fraction.sel(phase="amorphous", drop=True)
    start = amorphous.isel(time=0, drop=True)
    transformed = (1.0 - amorphous.isel(time=-1, drop=True) / start).where(start > 0)
    return xr.Dataset(
        {
            "final_nvp_fraction": (final.dims, final.data, {"units": "1", "long_name": "NVP area fraction at the end of the run"}),
            "nvp_onset_s": (onset.dims, onset.data, {"units": "s", "long_name": "first frame with NVP (NaN: never)"}),
            "transformed_fraction": (
                transformed.dims,
                transformed.data,
                {"units": "1", "long_name": "share of the amorphous precursor area transformed by the end (crystallized, then possibly NVP; NaN: none at the start)"},
            ),
        }
    )


def run(p: ThresholdParameters, out=None, *, progress=None, on_member=None, **_) -> xr.Dataset:
    out = Path(out) if out is not None else Path("threshold.nc")
    over = {"hold_temperature_C": sorted(set(p.temperatures_C))}
    ds = sweep(CRYSTALLIZATION, over, p.member(), out, workers=p.workers, progress=progress, on_member=on_member)
    extra = summarize(ds).compute()
    attrs = {"parameters": p.to_json(), "title": "NVP formation across the critical temperature"}
    add_to_run(out, extra, attrs)
    return ds.merge(extra).assign_attrs(attrs)


SCENARIO = Scenario(
    name="threshold",
    summary="Fig. S7: the amorphous precursor crystallizes on heating; final NVP fraction vs hold temperature across T_c = 700 degC",
    parameters=ThresholdParameters,
    run=run,
    is_sweep=True,
)

"""The 700 degC threshold: the epitaxy contact held at temperatures across T_c (paper Fig. S7).

One :mod:`scenarios.epitaxy` run per hold temperature, each written to its own
file next to the summary (``<out>_T<temperature>C.nc``; a rerun resumes or
skips finished ones, but only those written with the same parameters and package version). The summary Dataset holds, against ``temperature_C``, the
final NVP area fraction, the time NVP first appears, and the number of nuclei.

What to look at: ``final_nvp_fraction`` is 0 at and below 700 degC and rises
above it; ``nvp_onset_s`` falls as the hold temperature rises (the nucleation
barrier a Sigma / |dS (T - T_c)| of the lens
nucleus, :mod:`phasefield.model.nucleation`, shrinks).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import xarray as xr

from phasefield import open_run
from phasefield.io.output import frame_count, last_frame, write_dataset
from phasefield.driver import output_times_s
from phasefield.numerics.stepping import package_version

from phasefield.model.values import ParameterError, frozen_map

from .epitaxy import EpitaxyParameters
from .epitaxy import run as run_epitaxy
from .registry import Scenario


@dataclass(frozen=True)
class ThresholdParameters(EpitaxyParameters):
    """Epitaxy parameters plus the hold temperatures of the sweep.

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
    hold_temperature_C: float = field(default=710.0, init=False)
    derived_from: ClassVar[Mapping[str, str]] = frozen_map({"hold_temperature_C": "temperatures_C (one run per hold temperature)"})

    def __post_init__(self) -> None:
        super().__post_init__()  # types first: the checks below trust them
        if not self.temperatures_C or any(t <= -273.15 for t in self.temperatures_C):
            raise ParameterError(f"temperatures_C = {self.temperatures_C!r} is not allowed; allowed: one or more temperatures > -273.15 degC")
        if self.workers < 1:
            raise ParameterError(f"workers = {self.workers!r} is not allowed; allowed: an integer >= 1")

    def concurrent_runs(self) -> int:
        """One epitaxy run per worker, at most one per temperature."""
        return min(self.workers, len(self.temperatures_C))

    def at(self, temperature_C: float) -> EpitaxyParameters:
        """The epitaxy parameters of one member of the sweep."""
        fields = {f.name for f in dataclasses.fields(EpitaxyParameters)}
        values = {k: getattr(self, k) for k in fields}
        values["hold_temperature_C"] = float(temperature_C)
        return EpitaxyParameters(**values)


def member_path(out: Path, temperature_C: float) -> Path:
    return out.with_name(f"{out.stem}_T{temperature_C:g}C.nc")


def reusable(path: Path, params: EpitaxyParameters) -> bool:
    """Whether the member file ``path`` was written with ``params`` by this package version."""
    if not path.exists():
        return False
    try:
        attrs = last_frame(path).attrs
    except (OSError, ValueError, KeyError):  # unreadable: run it again
        return False
    stored = attrs.get("parameters")
    same = stored is not None and json.loads(stored) == json.loads(params.to_json())
    return same and attrs.get("package_version") == package_version()


def _run_member(params: EpitaxyParameters, path: Path) -> Path:
    """Run one member, resume it if unfinished, or keep it if finished; a file written with other
    parameters or another package version is replaced."""
    if not reusable(path, params):
        run_epitaxy(params, path, overwrite=True)
    elif frame_count(path) < len(output_times_s(params)):
        run_epitaxy(params, path, resume=True)
    return path


def summarize(members: dict[float, xr.Dataset]) -> xr.Dataset:
    """Final NVP fraction, onset time and nucleus count against hold temperature."""
    temps = sorted(members)
    final, onset, nuclei = [], [], []
    for t in temps:
        ds = members[t]
        nvp = ds.phase_fraction.sel(phase="NVP").values
        final.append(float(nvp[-1]))
        present = np.flatnonzero(nvp > 1e-4)
        onset.append(float(ds.time.values[present[0]]) if present.size else np.nan)
        nuclei.append(int(ds.attrs.get("n_nuclei", 0)))
    return xr.Dataset(
        {
            "final_nvp_fraction": ("temperature_C", final, {"units": "1", "long_name": "NVP area fraction at the end of the run"}),
            "nvp_onset_s": ("temperature_C", onset, {"units": "s", "long_name": "first frame with NVP (NaN: never)"}),
            "n_nuclei": ("temperature_C", nuclei, {"units": "1", "long_name": "NVP nucleation events"}),
        },
        coords={"temperature_C": ("temperature_C", temps, {"units": "degC", "long_name": "hold temperature"})},
        attrs={"Conventions": "CF-1.11", "title": "NVP formation across the critical temperature"},
    )


def run(p: ThresholdParameters, out=None, *, progress=None, **_) -> xr.Dataset:
    out = Path(out) if out is not None else Path("threshold.nc")
    jobs = {t: (p.at(t), member_path(out, t)) for t in p.temperatures_C}
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(p.workers, len(jobs))) as pool:
        futures = {pool.submit(_run_member, params, path): t for t, (params, path) in jobs.items()}
        for n, fut in enumerate(concurrent.futures.as_completed(futures), start=1):
            fut.result()
            if progress is not None:
                progress(n, len(jobs))
    summary = summarize({t: open_run(path) for t, (_, path) in jobs.items()})
    summary.attrs["parameters"] = p.to_json()
    summary.attrs["package_version"] = package_version()
    write_dataset(out, summary, unlimited=())
    return summary


SCENARIO = Scenario(
    name="threshold",
    summary="Fig. S7: final NVP fraction vs hold temperature across T_c = 700 degC",
    parameters=ThresholdParameters,
    run=run,
)

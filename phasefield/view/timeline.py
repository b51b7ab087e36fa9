"""Paper-style plots of a run (its timeline) and of a temperature sweep (the threshold).

A run: phase areas against time with the first NVP nucleus marked, the temperature with
T_c, and the mean V valence (paper Fig. 3's timeline, Fig. 1t's EELS valence). A sweep (the
``threshold`` scenario's summary): the final NVP fraction and the NVP onset against the hold
temperature, with T_c (paper Fig. S7). :func:`plot_kind` tells them apart by their variables.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model.phases import REGISTRY, SUBSTRATE, SURROUNDINGS
from .colours import PHASE_COLOURS
from .outputs import FIGURE_FORMATS, checked_output, save_figure
from ..io.selection import NotARunError, read_run

RUN_VARIABLES = ("phase_area", "T", "mean_V_valence")
"""What a run's timeline reads."""

SWEEP_VARIABLES = ("final_nvp_fraction", "nvp_onset_s")
"""What a sweep plot reads (against the ``hold_temperature_C`` dimension of the threshold sweep)."""

_KELVIN = 273.15
_PRODUCT = REGISTRY.nucleation.product


def plot_kind(ds: xr.Dataset, name: str = "the Dataset") -> str:
    """"run" or "sweep", from the variables; a NotARunError naming ``name`` for anything else."""
    if all(v in ds.variables for v in SWEEP_VARIABLES) and "hold_temperature_C" in ds.dims:
        return "sweep"
    if all(v in ds.variables for v in RUN_VARIABLES) and "time" in ds.dims:
        return "run"
    raise NotARunError(f"{name} is neither a run (with {', '.join(RUN_VARIABLES)}) nor a sweep summary "
                       f"(with {', '.join(SWEEP_VARIABLES)} against hold_temperature_C); allowed: a file written by `nvp-growth run`")


def read_plottable(path: str | os.PathLike) -> xr.Dataset:
    """A run (the frames written so far, only what the timeline needs) or a sweep summary."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (or is not a file); allowed: a run or a threshold summary written by `nvp-growth run`")
    try:
        head = xr.open_dataset(path, decode_timedelta=False)
    except (OSError, ValueError):
        raise NotARunError(f"{path} is not a readable netCDF file; allowed: a run or a threshold summary written by `nvp-growth run`") from None
    with head:
        if plot_kind(head, str(path)) == "sweep":
            return head.load()
    return read_run(path, RUN_VARIABLES)


def _critical_temperature_K(ds: xr.Dataset) -> float | None:
    """T_c from the run's ``parameters`` attribute, if it has one."""
    try:
        return float(json.loads(ds.attrs["parameters"])["critical_temperature_K"])
    except (KeyError, TypeError, ValueError):
        return None


def _figure(rows: int, height: float) -> Figure:
    fig = Figure(figsize=(6.0, height), layout="constrained")
    FigureCanvasAgg(fig)
    fig.subplots(rows, 1, sharex=True)
    return fig


def timeline_figure(ds: xr.Dataset) -> Figure:
    """Phase areas, temperature and mean V valence of a run against time."""
    plot_kind(ds)
    fig = _figure(3, 6.5)
    area_ax, t_ax, v_ax = fig.axes
    time = ds.time.values
    for phase in ds.phase.values:
        phase = str(phase)
        area = ds.phase_area.sel(phase=phase).values
        if phase in (SURROUNDINGS, SUBSTRATE) or not np.nanmax(area) > 0:
            continue
        area_ax.plot(time, area, color=PHASE_COLOURS[phase], label=phase, lw=1.8)
    area_ax.set_ylabel(f"{ds.phase_area.attrs.get('long_name', 'area')} ({ds.phase_area.attrs.get('units', 'nm2')})".replace("nm2", "nm²"))
    area_ax.legend(frameon=False, fontsize=8, loc="best")
    t_ax.plot(time, ds.T.values - _KELVIN, color="black", lw=1.5)
    t_c = _critical_temperature_K(ds)
    if t_c is not None:
        t_ax.axhline(t_c - _KELVIN, color="0.5", ls=":", lw=1)
        t_ax.annotate(f"$T_c$ = {t_c - _KELVIN:g} °C", (0.01, t_c - _KELVIN), xycoords=("axes fraction", "data"), va="bottom", fontsize=8, color="0.4")
    t_ax.set_ylabel("T (°C)")
    v_ax.plot(time, ds.mean_V_valence.values, color="black", lw=1.5)
    v_ax.set_ylabel("mean V valence")
    v_ax.set_xlabel("time (s)")
    onsets = json.loads(ds.attrs.get("nucleus_formation_times_s", "[]"))
    if onsets:
        for ax in fig.axes:
            ax.axvline(min(onsets), color=PHASE_COLOURS[_PRODUCT], ls="--", lw=1)
        area_ax.annotate(f"first {_PRODUCT} nucleus\nt = {min(onsets):.2f} s", (min(onsets), 0.97), xycoords=("data", "axes fraction"),
                         xytext=(4, 0), textcoords="offset points", va="top", fontsize=8, color=PHASE_COLOURS[_PRODUCT])
    return fig


def sweep_figure(summary: xr.Dataset) -> Figure:
    """Final NVP fraction and NVP onset against the hold temperature (threshold summary)."""
    plot_kind(summary)
    fig = _figure(2, 4.5)
    frac_ax, onset_ax = fig.axes
    temps = summary.hold_temperature_C.values
    colour = PHASE_COLOURS[_PRODUCT]
    frac_ax.plot(temps, summary.final_nvp_fraction.values, "o-", color=colour)
    frac_ax.set_ylabel(f"final {_PRODUCT} area fraction")
    onset_ax.plot(temps, summary.nvp_onset_s.values, "s-", color=colour)
    onset_ax.set_ylabel(f"{_PRODUCT} onset (s)")
    onset_ax.set_xlabel("hold temperature (°C)")
    t_c = _critical_temperature_K(summary)
    if t_c is not None:
        for ax in fig.axes:
            ax.axvline(t_c - _KELVIN, color="0.5", ls=":", lw=1)
        frac_ax.annotate(f"$T_c$ = {t_c - _KELVIN:g} °C", (t_c - _KELVIN, 0.97), xycoords=("data", "axes fraction"), xytext=(3, 0),
                         textcoords="offset points", va="top", fontsize=8, color="0.4")
    return fig


def plot(ds: xr.Dataset, out: str | os.PathLike) -> Path:
    """Write the timeline of a run, or the plot of a sweep, to ``out`` (.png, .svg or .pdf)."""
    checked_output(out, FIGURE_FORMATS)
    figure = sweep_figure if plot_kind(ds) == "sweep" else timeline_figure
    return save_figure(figure(ds), out)

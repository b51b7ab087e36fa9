"""``ds.nvp``: a run's Dataset read as the model sees it (registered on ``import phasefield``).

The parameter class and the TEM contrast data (:func:`scenarios.optics.tem_optics`, built
from ``atomistic``) live downstream of ``phasefield``; the accessor imports them by name when
asked, as pickle imports a class, so that ``phasefield`` itself never depends on them.

Examples
--------
>>> import phasefield, xarray as xr
>>> hasattr(xr.Dataset(), "nvp")
True
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import xarray as xr

from .model import free_energy as fe
from .model.parameters import ModelParameters
from .model.phases import PHASES
from .model.tracking import measures
from .io.selection import Region, frame_index

# the drawing modules (phasefield.view: matplotlib, imageio) are imported when a view is asked
# for, so that importing phasefield, as every run does, stays as fast as without them


def parameter_class(name: str, source: str | None = None) -> type[ModelParameters]:
    """The parameter class a run file names (``module.Class``, or a bare class name already imported).

    The module is imported by name, as pickle does: the run file, not this package, says which.
    A class from a user scenario file (``nvp-growth run FILE.py``) is not importable by name; it
    is found once the file is loaded (``scenarios.load_file(source)``): reading a run never runs
    a file's code by itself. ``source``: the file that defined the class (the run's
    ``parameters_source`` attribute), named in the error.
    """
    module, _, cls = name.rpartition(".")
    hint = f"load {source} first (scenarios.load_file)" if source else "import the scenario that defines it first"
    if module:  # a loaded scenario file is in sys.modules under its name (scenarios.load_file)
        try:
            return getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"parameters_class = {name!r}: cannot import it ({err}); {hint}") from err
    found = {c.__name__: c for c in _subclasses(ModelParameters)}
    if name not in found:
        raise ValueError(f"parameters_class = {name!r} is not a loaded parameter class; {hint}")
    return found[name]


def _subclasses(cls: type) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _subclasses(sub))]


def package_optics():
    """The package's TEM contrast data (:func:`scenarios.optics.tem_optics`), imported by name."""
    return importlib.import_module("scenarios.optics").tem_optics()


def _region(region: Region | tuple[float, float, float, float] | None) -> Region | None:
    return Region(*region) if region is not None and not isinstance(region, Region) else region


@xr.register_dataset_accessor("nvp")
class RunAccessor:
    """Read a run: ``ds.nvp.parameters``, ``.frame(time)``, ``.phases(time)``, ``.grains(time)``,
    ``.grain_history()``, ``.slots(time)``, ``.tem(time)``, ``.fft(time, region)``, ``.movie(path)``, ``.timeline()``.

    Times are in s; a time selects the nearest frame and one outside the run is refused
    (:class:`phasefield.ParameterError`). Regions are ``(x0, x1, y0, y1)`` in nm.
    """

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    @property
    def parameters(self) -> ModelParameters:
        """The run's parameter object, rebuilt (and validated) from its ``parameters`` attribute."""
        attrs = self._ds.attrs
        if "parameters" not in attrs:
            raise ValueError("this Dataset has no 'parameters' attribute; it was not written by nvp-growth")
        cls = parameter_class(attrs.get("parameters_class", "ModelParameters"), attrs.get("parameters_source"))
        return cls.from_dict(json.loads(attrs["parameters"]))

    def _index(self, time: float | None) -> int:
        return self._ds.sizes["time"] - 1 if time is None else frame_index(self._ds, time)

    def frame(self, time: float | None = None) -> xr.Dataset:
        """The frame nearest ``time`` [s] (the last one for None), loaded."""
        return self._ds.isel(time=self._index(time)).load()

    def phases(self, time: float | None = None) -> xr.DataArray:
        """Phase fractions h_a = sum_{i in a} eta_i^2 / sum_j eta_j^2 on the grid, dims (phase, [z,] y, x)."""
        frame = self.frame(time)
        eta = frame["eta"]
        fields = eta.dims[1:]
        grain_phase = np.array([PHASES.index(str(p)) for p in frame["grain_phase"].values])
        h = fe.phase_fractions(eta.values.reshape(eta.sizes["grain"], -1), grain_phase, len(PHASES))
        return xr.DataArray(
            h.reshape((len(PHASES), *eta.shape[1:])),
            dims=("phase", *fields),
            coords={"phase": list(PHASES), **{d: frame[d] for d in fields}, "time": frame["time"]},
            attrs={"units": "1", "long_name": "phase fraction h (sum over the phase's grains of eta^2 / sum of all eta^2)"},
            name="phase_fraction_field",
        )

    def grain_history(self) -> xr.Dataset:
        """Every tracked grain through the run, dims (time, tracked_grain) (the grain's id, from 1).

        Variables: ``slot`` (the order parameter holding it; -1 when absent), ``area`` (nm2; nm3
        in 3D), ``centroid_x``/``_y`` [/``_z``] (nm), NaN when absent; per grain ``phase``,
        ``orientation`` (degree), ``born`` and ``ended`` (s; NaN while alive) and ``merged_into``
        (0: none). From the run's ``grain_id`` maps, ``eta`` and ``grain_table`` attribute
        (:func:`phasefield.model.tracking.measures`): a grain's values follow it from slot to slot.
        """
        ds = self._ds
        if "grain_table" not in ds.attrs or "grain_id" not in ds:
            raise ValueError("this run has no tracked grains (grain_id, grain_table); it was written before grain tracking")
        table = json.loads(ds.attrs["grain_table"])
        count = len(table["phase"])
        fields = ds["eta"].dims[2:]
        axes = [a for a in "xyz" if a in fields]
        mesh = np.meshgrid(*(ds[d].values for d in fields), indexing="ij")
        coords = np.stack([mesh[fields.index(a)].ravel() for a in axes])
        cell = float(ds.attrs["grid_spacing_nm"]) ** len(axes)
        rows = []
        for k in range(ds.sizes["time"]):
            frame = ds.isel(time=k)
            slots = frame.sizes["grain"]
            eta = np.asarray(frame["eta"].values, dtype=float).reshape(slots, -1)
            owner = np.asarray(frame["grain_id"].values, dtype=np.int64).reshape(slots, -1)
            rows.append(measures(owner, eta, coords, cell, count))
        unit = ds["grain_area"].attrs.get("units", "nm2")
        ended = np.array([np.nan if t is None else t for t in table["ended_s"]], dtype=float)
        dims = ("time", "tracked_grain")
        data = {
            "slot": (dims, np.array([r["slot"] for r in rows]), {"units": "1", "long_name": "order-parameter slot holding the grain (-1: absent)"}),
            "area": (dims, np.array([r["area"] for r in rows]), {"units": unit, "long_name": "area of the tracked grain" if unit == "nm2" else "volume of the tracked grain"}),
            **{
                f"centroid_{a}": (dims, np.array([r[f"centroid_{k}"] for r in rows]), {"units": "nm", "long_name": f"{a} of the tracked grain's centroid"})
                for k, a in enumerate(axes)
            },
            "phase": ("tracked_grain", np.array(table["phase"], dtype=object), {"units": "1", "long_name": "phase of the tracked grain"}),
            "orientation": ("tracked_grain", np.array(table["orientation_deg"], dtype=float), {"units": "degree", "long_name": "in-plane crystal orientation of the tracked grain"}),
            "born": ("tracked_grain", np.array(table["born_s"], dtype=float), {"units": "s", "long_name": "time the grain appeared"}),
            "ended": ("tracked_grain", ended, {"units": "s", "long_name": "time the grain ended (vanished or merged; NaN: alive at the end)"}),
            "merged_into": ("tracked_grain", np.array(table["merged_into"], dtype=int), {"units": "1", "long_name": "grain it merged into (0: none)"}),
        }
        return xr.Dataset(
            data,
            coords={"time": ds["time"], "tracked_grain": ("tracked_grain", np.arange(1, count + 1), {"units": "1", "long_name": "identity of the tracked grain"})},
        )

    def grains(self, time: float | None = None) -> pd.DataFrame:
        """One row per tracked grain present at ``time`` (index: its id): slot, phase, area,
        centroid, orientation, born (:meth:`grain_history`). Columns carry their units in their names."""
        history = self.grain_history().isel(time=self._index(time))
        present = history["slot"].values >= 0
        unit = history["area"].attrs["units"]
        axes = [a for a in "xyz" if f"centroid_{a}" in history]
        table = {
            "slot": history["slot"].values,
            "phase": history["phase"].values.astype(str),
            f"area_{unit}": history["area"].values,
            **{f"centroid_{a}_nm": history[f"centroid_{a}"].values for a in axes},
            "orientation_deg": history["orientation"].values,
            "born_s": history["born"].values,
        }
        frame = pd.DataFrame(table, index=pd.Index(history["tracked_grain"].values, name="grain"))
        return frame[present]

    def slots(self, time: float | None = None) -> pd.DataFrame:
        """One row per order-parameter slot at ``time``: phase, in use, area, centroid, orientation, first frame in use.

        Columns carry their units in their names; ``first_in_use_s`` is the time of the
        first frame in which the slot was in use (NaN if never up to ``time``).
        """
        ds = self._ds
        k = self._index(time)
        frame = self.frame(time)
        active = ds["active"].isel(time=slice(0, k + 1)).values.astype(bool)
        times = ds["time"].values[: k + 1]
        first = np.where(active.any(axis=0), times[active.argmax(axis=0)], np.nan)
        unit = ds["grain_area"].attrs.get("units", "nm2")
        table = {
            "phase": [str(p) for p in frame["grain_phase"].values],
            "in_use": frame["active"].values.astype(bool),
            f"area_{unit}": frame["grain_area"].values,
            **{f"centroid_{a}_nm": frame[f"centroid_{a}"].values for a in "xyz" if f"centroid_{a}" in frame},
            "orientation_deg": frame["orientation"].values,
            "first_in_use_s": first,
        }
        return pd.DataFrame(table, index=pd.Index(frame["grain"].values, name="grain"))

    def tem(
        self,
        time: float | None = None,
        *,
        region: Region | tuple[float, float, float, float] | None = None,
        pixel_nm: float | None = None,
        optics=None,
    ) -> xr.DataArray:
        """TEM-like bright-field image (y, x in nm) of the frame nearest ``time``
        (:func:`phasefield.view.tem_image`; the package's contrast data unless ``optics``)."""
        from .view.tem import tem_image

        frame_time = float(self._ds["time"][self._index(time)])
        pixel = {} if pixel_nm is None else {"pixel_nm": pixel_nm}
        return tem_image(self._ds, frame_time, optics or package_optics(), region=_region(region), **pixel)

    def fft(
        self,
        time: float | None = None,
        region: Region | tuple[float, float, float, float] | None = None,
        *,
        count: int = 6,
        pixel_nm: float | None = None,
        optics=None,
    ) -> xr.Dataset:
        """The strongest FFT spots (g in 1/nm, d in nm, angle in degree) of the TEM-like image of
        ``region`` at ``time`` (:func:`phasefield.view.fft_spots`)."""
        from .view.fft import fft_spots

        region = _region(region)
        return fft_spots(self.tem(time, region=region, pixel_nm=pixel_nm, optics=optics), region, count)

    def movie(self, path, *, view: str = "phases", fps: float = 10.0, progress: bool = False, **options):
        """Write a movie of every frame (:func:`phasefield.view.write_movie`); returns its path."""
        from .view.movie import write_movie

        if view == "tem" and options.get("optics") is None:
            options["optics"] = package_optics()
        if "region" in options:
            options["region"] = _region(options["region"])
        return write_movie(self._ds, path, view=view, fps=fps, progress=progress, **options)

    def timeline(self):
        """The paper-style timeline figure (:func:`phasefield.view.timeline_figure`)."""
        from .view.timeline import timeline_figure

        return timeline_figure(self._ds)

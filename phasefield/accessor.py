"""``ds.nvp``: a run's Dataset read as the model sees it (registered on ``import phasefield``).

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


class RunSelectionError(ValueError):
    """A time, grain or region outside what the run holds."""


def frame_index(times_s: np.ndarray, time_s: float | None) -> int:
    """Index of the frame nearest ``time_s`` (the last frame for None).

    Raises
    ------
    RunSelectionError
        ``time_s`` outside the run's frames by more than half the smallest frame interval.

    >>> frame_index(np.array([0.0, 0.5, 1.0]), 0.7)
    1
    """
    times_s = np.asarray(times_s, dtype=float)
    if time_s is None:
        return len(times_s) - 1
    slack = 0.5 * float(np.diff(times_s).min()) if len(times_s) > 1 else 1e-9
    if not (times_s[0] - slack <= time_s <= times_s[-1] + slack):
        raise RunSelectionError(f"time = {time_s} s is not in the run; allowed: {times_s[0]:g} to {times_s[-1]:g} s ({len(times_s)} frames)")
    return int(np.abs(times_s - time_s).argmin())


def parameter_class(name: str) -> type[ModelParameters]:
    """The parameter class a run file names (``module.Class``, or a bare class name already imported).

    The module is imported by name, as pickle does: the run file, not this package, says which.
    """
    module, _, cls = name.rpartition(".")
    if module:
        try:
            return getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"parameters_class = {name!r}: cannot import it ({err}); import the scenario that defines it first") from err
    found = {c.__name__: c for c in _subclasses(ModelParameters)}
    if name not in found:
        raise ValueError(f"parameters_class = {name!r} is not a loaded parameter class; import the scenario that defines it first")
    return found[name]


def _subclasses(cls: type) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _subclasses(sub))]


@xr.register_dataset_accessor("nvp")
class RunAccessor:
    """Read a run: ``ds.nvp.parameters``, ``.frame(time)``, ``.phases(time)``, ``.grains(time)``.

    Times are in s; a time selects the nearest frame and one outside the run is refused
    (:class:`RunSelectionError`).
    """

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    @property
    def parameters(self) -> ModelParameters:
        """The run's parameter object, rebuilt (and validated) from its ``parameters`` attribute."""
        attrs = self._ds.attrs
        if "parameters" not in attrs:
            raise ValueError("this Dataset has no 'parameters' attribute; it was not written by nvp-growth")
        cls = parameter_class(attrs.get("parameters_class", "ModelParameters"))
        return cls.from_dict(json.loads(attrs["parameters"]))

    def frame(self, time: float | None = None) -> xr.Dataset:
        """The frame nearest ``time`` [s] (the last one for None), loaded."""
        return self._ds.isel(time=frame_index(self._ds["time"].values, time)).load()

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

    def grains(self, time: float | None = None) -> pd.DataFrame:
        """One row per grain slot at ``time``: phase, in use, area, centroid, orientation, first frame in use.

        Columns carry their units in their names; ``first_in_use_s`` is the time of the
        first frame in which the slot was in use (NaN if never up to ``time``).
        """
        ds = self._ds
        k = frame_index(ds["time"].values, time)
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

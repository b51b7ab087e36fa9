"""Grains of a finished run per frame: how many of each phase, and how large each tracked grain is.

The scenarios that crystallize (``crystallization``, ``threshold``'s members, ``overview``) write
these as ``grain_count (time, grain_kind)`` and ``grain_size (time, tracked_grain)``
(:func:`grain_outputs`), from the run's ``tracked_grains`` and its grain history
(``ds.nvp.grain_history()``, :func:`phasefield.model.tracking.measures`). A grain's size is the
diameter of the disc (2D) or sphere (3D) of its area or volume, the sum over its own cells of
eta^2 / sum eta^2: for a symmetric interface profile that is the area inside the eta = 1/2
contour plus a curvature term of order (interface width)^2 (tests/phasefield/analysis/test_grains.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

__all__ = ["equivalent_diameter_nm", "grain_outputs", "grain_sizes"]


def equivalent_diameter_nm(measure: np.ndarray, dim: int) -> np.ndarray:
    """Diameter [nm] of the disc of area ``measure`` [nm2] (dim 2) or the sphere of that volume [nm3] (dim 3).

    >>> equivalent_diameter_nm(np.array([math.pi, 4 * math.pi / 3]), 2).round(4).tolist()
    [2.0, 2.3094]
    >>> float(equivalent_diameter_nm(np.array(4 * math.pi / 3), 3))
    2.0
    """
    if dim == 2:
        return 2.0 * np.sqrt(measure / math.pi)
    return 2.0 * np.cbrt(3.0 * measure / (4.0 * math.pi))


def _dimension(history: xr.Dataset) -> int:
    """2 or 3: the number of centroid coordinates the grain history holds."""
    return sum(f"centroid_{axis}" in history for axis in "xyz")


def grain_sizes(history: xr.Dataset, phases: Sequence[str]) -> xr.DataArray:
    """Equivalent diameter [nm] of every tracked grain of ``phases`` per frame, (time, tracked_grain).

    Parameters
    ----------
    history
        The run's grain history (``ds.nvp.grain_history()``): ``area`` (time, tracked_grain) in
        nm2 (nm3 in 3D), NaN where the grain is absent, and ``phase`` per grain.
    phases
        The phases whose grains are sized; every other grain is NaN throughout.
    """
    dim = _dimension(history)
    chosen = np.isin(history.phase.values.astype(str), list(phases))
    size = np.where(chosen, equivalent_diameter_nm(history.area.values, dim), np.nan)
    shape = "disc" if dim == 2 else "sphere"
    return xr.DataArray(
        size,
        dims=("time", "tracked_grain"),
        coords={"time": history.time, "tracked_grain": history.tracked_grain},
        attrs={"units": "nm", "long_name": f"equivalent-{shape} diameter of each tracked grain of {', '.join(phases)} (NaN: absent or another phase)"},
    )


def grain_outputs(ds: xr.Dataset, history: xr.Dataset, phases: Sequence[str]) -> xr.Dataset:
    """``grain_count`` (time, grain_kind), the run's tracked grains of each of ``phases``, and
    ``grain_size`` (:func:`grain_sizes`), with the coordinates ``grain_kind``, ``tracked_grain`` and
    ``tracked_grain_phase``.

    Parameters
    ----------
    ds
        The run (its ``tracked_grains`` (time, phase)).
    history
        Its grain history (``ds.nvp.grain_history()``).
    phases
        The crystalline phases counted and sized.
    """
    kinds = list(phases)
    return xr.Dataset(
        {
            "grain_count": (("time", "grain_kind"), ds.tracked_grains.sel(phase=kinds).values, {"units": "1", "long_name": "tracked grains of each crystalline phase"}),
            "grain_size": grain_sizes(history, kinds),
        },
        coords={
            "grain_kind": ("grain_kind", kinds, {"units": "1", "long_name": "crystalline phase"}),
            "tracked_grain_phase": ("tracked_grain", history.phase.values.astype(str), {"units": "1", "long_name": "phase of the tracked grain"}),
        },
    )

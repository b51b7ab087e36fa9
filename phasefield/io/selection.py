"""What a view shows: which file, which frame, which part of the box; refused on one line.

Every check runs before any drawing, and its message names the file or parameter, the value
and what is allowed (:class:`~phasefield.model.values.ParameterError`, or
:class:`NotARunError` for a file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .output import NotARunError, open_run
from ..model.values import ParameterError, one_line


def read_run(path: str | os.PathLike, variables: Sequence[str]) -> xr.Dataset:
    """The frames written so far of a run (:func:`phasefield.open_run`), only ``variables``, lazily
    (one frame per dask chunk: a movie of a large run reads one frame at a time).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    NotARunError
        ``path`` is not a netCDF run file, or lacks one of ``variables``.
    """
    return open_run(path, variables=variables)


def require(ds: xr.Dataset, variables: Sequence[str], what: str) -> None:
    """Refuse a Dataset that lacks one of ``variables`` (what ``what`` needs) or is not 2D."""
    missing = [v for v in variables if v not in ds.variables]
    if missing:
        raise NotARunError(f"the Dataset has no {', '.join(missing)}; allowed: a run Dataset with {', '.join(variables)} (needed by {what})")
    if "z" in ds.dims:
        raise NotARunError(f"the Dataset is 3D (dimension z); allowed: a 2D run ({what} draws x-y frames)")


def show_nm(value: float) -> str:
    """A coordinate for a message: 9 decimals at most, no -0 or 1e-18 from round-off.

    >>> show_nm(-6.9e-18), show_nm(12.5)
    ('0', '12.5')
    """
    return f"{round(value, 9) + 0.0:g}"


def box_nm(ds: xr.Dataset) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the simulation box in nm: the cell centres plus half a cell."""
    dx = float(ds.x[1] - ds.x[0])
    dy = float(ds.y[1] - ds.y[0])
    return float(ds.x[0]) - dx / 2, float(ds.x[-1]) + dx / 2, float(ds.y[0]) - dy / 2, float(ds.y[-1]) + dy / 2


@dataclass(frozen=True)
class Region:
    """A rectangle of the box, in nm: x0 <= x < x1, y0 <= y < y1."""

    x0: float
    x1: float
    y0: float
    y1: float

    def __post_init__(self) -> None:
        values = (self.x0, self.x1, self.y0, self.y1)
        if not all(np.isfinite(values)) or not (self.x0 < self.x1 and self.y0 < self.y1):
            raise ParameterError(f"region = {self.as_text()} nm is not allowed; allowed: x0 < x1 and y0 < y1, finite (x0,x1,y0,y1 in nm)")

    @classmethod
    def parse(cls, text: str) -> "Region":
        """``"x0,x1,y0,y1"`` (nm) -> Region."""
        parts = text.split(",")
        try:
            if len(parts) != 4:
                raise ValueError
            return cls(*(float(p) for p in parts))
        except ValueError:
            raise ParameterError(f"region = {text!r} is malformed; allowed: x0,x1,y0,y1 in nm, e.g. 10,30,5,25") from None

    @classmethod
    def whole(cls, ds: xr.Dataset) -> "Region":
        """The whole box of a run."""
        return cls(*box_nm(ds))

    def as_text(self) -> str:
        return f"{self.x0:g},{self.x1:g},{self.y0:g},{self.y1:g}"

    def check_inside(self, ds: xr.Dataset) -> "Region":
        """This region, if it lies inside the box of ``ds``; else a ParameterError."""
        bx0, bx1, by0, by1 = box_nm(ds)
        slack = 1e-9 * max(bx1 - bx0, by1 - by0)
        if self.x0 < bx0 - slack or self.x1 > bx1 + slack or self.y0 < by0 - slack or self.y1 > by1 + slack:
            raise ParameterError(f"region = {self.as_text()} nm is outside the box; allowed: inside x {show_nm(bx0)}..{show_nm(bx1)}, y {show_nm(by0)}..{show_nm(by1)} nm")
        return self


def frame_index(ds: xr.Dataset, time_s: float) -> int:
    """Index of the frame nearest to ``time_s``, which must lie within the run's frames.

    Examples
    --------
    >>> ds = xr.Dataset(coords={"time": [0.0, 0.5, 1.0]})
    >>> frame_index(ds, 0.7)
    1
    """
    times = np.asarray(ds.time.values, dtype=float)
    if times.size == 0:
        raise NotARunError("the run has no frames yet; allowed: a run with at least one finished frame")
    half = 0.5 * float(np.min(np.diff(times))) if times.size > 1 else 0.0
    if not (np.isfinite(time_s) and times[0] - half <= time_s <= times[-1] + half):
        raise ParameterError(f"time = {time_s:g} s is outside the run; allowed: {times[0]:g} to {times[-1]:g} s ({times.size} frames)")
    return int(np.argmin(np.abs(times - time_s)))

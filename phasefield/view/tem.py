"""TEM-like bright-field images of a run: mass-thickness contrast plus lattice fringes.

A depiction, not an image simulation (no lens, no dynamical scattering; the atomistic HRTEM
export does that). Each pixel of a fine grid (``pixel_nm``, finer than the simulation cells:
fringes of d = 0.357 nm need a pixel below d / 2) gets

    I / I0 = exp(-t sum_a h_a Q_a) * (1 + m sum_{crystalline grains i} w_i cos(2 pi g_i . r))

* mass-thickness (the law I = I0 exp(-Q t) for the unscattered beam, with Q = sum over
  elements of (atoms per volume) x (cross-section for scattering outside the objective
  aperture): M. K. Lamvik and A. V. Crewe, "If a molecule or atom of material has molecular
  weight A, the number density ... I/I0 = exp(-n sigma z)"; Williams & Carter's
  I = I0 exp(-Q t)): Q_a of each phase comes with the :class:`TemOptics`, t is the specimen
  thickness, h_a the phase fractions of the model (sum of eta_i^2 over the phase's grains
  / sum_j eta_j^2, :func:`phasefield.model.free_energy.phase_fractions`) from the order
  parameters interpolated (bilinear) to the fine grid;
* lattice fringes: inside each grain of a crystalline phase, a cosine of contrast ``m`` with
  wave vector g_i, |g_i| = 1/d of the phase's reflection, along its plane normal rotated by
  the grain's orientation (:func:`phasefield.model.orientation.rotation_matrix`: the lab
  angle of g is the grain's ``orientation`` plus the reflection's angle in the grain's frame),
  weighted by the grain's share w_i = eta_i^2 / sum_j eta_j^2 so that fringes fade across
  boundaries. Phases without a reflection (amorphous, vacuum) show none.

Coordinates: x to the right, y up (``origin="lower"``), angles counter-clockwise from +x.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.ndimage import map_coordinates

from ..model.orientation import grain_rotation, rotation_matrix
from ..model.phases import PHASES
from ..model.values import ParameterError
from ..io.selection import Region, frame_index, require

TEM_VARIABLES = ("eta", "orientation", "active", "T")
"""What a TEM-like image reads from a run (``grain_phase`` comes with ``eta``)."""

DEFAULT_PIXEL_NM = 0.05
"""Pixel of the fine grid: 7 pixels per period of the finest default fringes (0.347 nm)."""


@dataclass(frozen=True)
class PhaseOptics:
    """How one phase appears.

    Attributes
    ----------
    attenuation_per_nm
        Q of I = I0 exp(-Q t) [1/nm]; 0 for vacuum.
    fringe_spacing_nm
        d of the reflection drawn in its grains [nm]; None: no fringes (amorphous, vacuum).
    fringe_angle_deg
        Angle of that reflection's plane normal in the grain's frame [degree, CCW]: a grain of
        orientation theta shows g at theta + fringe_angle_deg in the lab frame.
    reflection
        Label of the reflection, e.g. "(2 0 2)" (for legends).
    """

    attenuation_per_nm: float
    fringe_spacing_nm: float | None = None
    fringe_angle_deg: float = 0.0
    reflection: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.attenuation_per_nm) and self.attenuation_per_nm >= 0):
            raise ParameterError(f"attenuation_per_nm = {self.attenuation_per_nm!r} is not allowed; allowed: >= 0 (1/nm)")
        if self.fringe_spacing_nm is not None and not (math.isfinite(self.fringe_spacing_nm) and self.fringe_spacing_nm > 0):
            raise ParameterError(f"fringe_spacing_nm = {self.fringe_spacing_nm!r} is not allowed; allowed: > 0 nm, or None (no fringes)")


@dataclass(frozen=True)
class TemOptics:
    """The contrast of every phase, the specimen thickness and the fringe contrast.

    ``phases`` must name every phase of :data:`phasefield.model.phases.PHASES`. Build the
    package's data-backed set with :func:`scenarios.optics.tem_optics`.
    """

    phases: Mapping[str, PhaseOptics]
    thickness_nm: float = 20.0
    fringe_contrast: float = 0.2

    def __post_init__(self) -> None:
        missing = [p for p in PHASES if p not in self.phases]
        if missing:
            raise ParameterError(f"TemOptics.phases lacks {', '.join(missing)}; allowed: a PhaseOptics for each of {', '.join(PHASES)}")
        if not (math.isfinite(self.thickness_nm) and self.thickness_nm > 0):
            raise ParameterError(f"thickness_nm = {self.thickness_nm!r} is not allowed; allowed: > 0 nm")
        if not 0.0 <= self.fringe_contrast <= 1.0:
            raise ParameterError(f"fringe_contrast = {self.fringe_contrast!r} is not allowed; allowed: 0..1 (intensities stay >= 0)")
        object.__setattr__(self, "phases", types.MappingProxyType(dict(self.phases)))

    def finest_spacing_nm(self) -> float:
        """The smallest fringe spacing of any phase (inf if none has fringes)."""
        return min((p.fringe_spacing_nm for p in self.phases.values() if p.fringe_spacing_nm), default=math.inf)

    def intensity_range(self) -> tuple[float, float]:
        """(lowest, highest) I/I0 any pixel can take: a fixed grey scale for every frame."""
        looks = [self.phases[p] for p in PHASES]
        bright = [math.exp(-p.attenuation_per_nm * self.thickness_nm) for p in looks]
        swing = [self.fringe_contrast if p.fringe_spacing_nm else 0.0 for p in looks]
        return min(b * (1 - s) for b, s in zip(bright, swing)), max(b * (1 + s) for b, s in zip(bright, swing))

    def check_pixel(self, pixel_nm: float) -> None:
        """Refuse a pixel too coarse for the finest fringes (Nyquist: pixel < d / 2)."""
        d = self.finest_spacing_nm()
        if not (math.isfinite(pixel_nm) and 0 < pixel_nm < d / 2):
            raise ParameterError(f"pixel = {pixel_nm!r} nm is not allowed; allowed: > 0 and < {d / 2:.4g} nm (half the finest fringe spacing, {d:.4g} nm)")


def fine_axes(region: Region, pixel_nm: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (x, y) in nm of a fine grid covering ``region``."""
    nx = max(1, int(round((region.x1 - region.x0) / pixel_nm)))
    ny = max(1, int(round((region.y1 - region.y0) / pixel_nm)))
    return region.x0 + (np.arange(nx) + 0.5) * pixel_nm, region.y0 + (np.arange(ny) + 0.5) * pixel_nm


def _interpolator(ds: xr.Dataset, xs: np.ndarray, ys: np.ndarray):
    """A function field(y, x) -> field at the fine pixels (bilinear, edge values held)."""
    dx, dy = float(ds.x[1] - ds.x[0]), float(ds.y[1] - ds.y[0])
    u = (xs - float(ds.x[0])) / dx
    v = (ys - float(ds.y[0])) / dy
    vv, uu = np.meshgrid(v.astype(np.float32), u.astype(np.float32), indexing="ij")
    coords = np.stack([vv, uu])

    def interpolate(values: np.ndarray) -> np.ndarray:
        return map_coordinates(np.asarray(values, dtype=np.float32), coords, order=1, mode="nearest")

    return interpolate


def _fringes(xs: np.ndarray, ys: np.ndarray, spacing_nm: float, angle_deg: float) -> np.ndarray:
    """cos(2 pi g . r) on the grid, |g| = 1/spacing along angle_deg (separable: two outer products)."""
    gx, gy = rotation_matrix(angle_deg, 2) @ np.array([1.0 / spacing_nm, 0.0])
    ax, ay = 2 * np.pi * gx * xs, 2 * np.pi * gy * ys
    return (np.outer(np.cos(ay), np.cos(ax)) - np.outer(np.sin(ay), np.sin(ax))).astype(np.float32)


def tem_frame(frame: xr.Dataset, optics: TemOptics, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """I/I0 on the pixel grid (ys, xs) of one frame (``eta``, ``grain_phase``, ``orientation``, ``active``).

    Grains are taken one at a time (one fine field in memory per grain, not all of them).
    """
    interpolate = _interpolator(frame, xs, ys)
    total = np.zeros((ys.size, xs.size), np.float32)  # sum_j eta_j^2
    exponent = np.zeros_like(total)  # sum_i Q_phase(i) eta_i^2
    fringes = np.zeros_like(total)  # sum_i cos(2 pi g_i . r) eta_i^2
    eta = frame.eta.values
    phases = [str(p) for p in frame.grain_phase.values]
    for i, phase in enumerate(phases):
        if not frame.active.values[i] or not eta[i].max() > 1e-3:
            continue
        weight = interpolate(eta[i]) ** 2
        total += weight
        look = optics.phases[phase]
        exponent += look.attenuation_per_nm * weight
        if look.fringe_spacing_nm:
            fringes += weight * _fringes(xs, ys, look.fringe_spacing_nm, grain_rotation(float(frame.orientation.values[i]), 2) + look.fringe_angle_deg)
    total = np.maximum(total, 1e-12)
    return np.exp(-optics.thickness_nm * exponent / total) * (1 + optics.fringe_contrast * fringes / total)


def tem_image(
    ds: xr.Dataset,
    time_s: float,
    optics: TemOptics,
    *,
    pixel_nm: float = DEFAULT_PIXEL_NM,
    region: Region | None = None,
) -> xr.DataArray:
    """TEM-like bright-field image of the frame nearest to ``time_s``.

    Parameters
    ----------
    ds
        A run (``eta``, ``grain_phase``, ``orientation``, ``active``, ``T``).
    time_s
        Time [s] within the run; the nearest frame is drawn.
    optics
        Contrast of each phase (:func:`scenarios.optics.tem_optics` gives the package's).
    pixel_nm
        Pixel of the image [nm]; below half the finest fringe spacing.
    region
        Part of the box to draw (default: all of it).

    Returns
    -------
    xarray.DataArray
        I/I0 on (y, x) in nm, with the frame's ``time`` and ``T`` as attributes.

    Raises
    ------
    ParameterError
        A time outside the run, a region outside the box, a pixel too coarse.
    NotARunError
        ``ds`` lacks a variable.
    """
    require(ds, TEM_VARIABLES, "the TEM-like image")
    optics.check_pixel(pixel_nm)
    region = (region or Region.whole(ds)).check_inside(ds)
    index = frame_index(ds, time_s)
    frame = ds.isel(time=index)
    xs, ys = fine_axes(region, pixel_nm)
    values = tem_frame(frame, optics, xs, ys)
    return xr.DataArray(
        values,
        dims=("y", "x"),
        coords={"x": ("x", xs, {"units": "nm", "long_name": "x"}), "y": ("y", ys, {"units": "nm", "long_name": "y"})},
        name="intensity",
        attrs={
            "units": "1",
            "long_name": "TEM-like bright-field intensity I/I0 (mass-thickness contrast and lattice fringes)",
            "time_s": float(frame.time),
            "temperature_K": float(frame.T),
            "thickness_nm": optics.thickness_nm,
            "pixel_nm": pixel_nm,
        },
    )

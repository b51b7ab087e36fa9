"""The FFT of a region of an image, and its strongest spots (|g| in 1/nm, angle in degrees).

What the paper does in Figs. 4 and 5: take the FFT of a region of an HRTEM image, index its
spots by their spacing d = 1/|g| and read the orientation relationship from their angles.
The region is mean-subtracted and Hann-windowed (:func:`skimage.filters.window`) so that its
edges do not streak the spectrum. Spot positions are refined below one FFT pixel by a parabola
through the log amplitude of the peak and its two neighbours along each axis; the FFT pixel
is 1/L (L the region's width or height), so angles are resolved to about (1/L)/|g| radians.
Angles are those of g, counter-clockwise from +x (x right, y up), folded into [0, 180):
the FFT of a real image is symmetric, and g and -g are the same spot pair.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from skimage.feature import peak_local_max
from skimage.filters import window

from ..model.values import ParameterError
from ..io.selection import Region, show_nm

MIN_PIXELS = 16
"""Smallest region (pixels per side) whose FFT is taken."""


def _crop(image: xr.DataArray, region: Region | None) -> xr.DataArray:
    """The pixels of ``image`` whose centres lie in ``region`` (refused outside the image)."""
    if region is None:
        return image
    px = float(image.x[1] - image.x[0])
    py = float(image.y[1] - image.y[0])
    x0, x1 = float(image.x[0]) - px / 2, float(image.x[-1]) + px / 2
    y0, y1 = float(image.y[0]) - py / 2, float(image.y[-1]) + py / 2
    slack = 1e-6 * max(x1 - x0, y1 - y0)
    if region.x0 < x0 - slack or region.x1 > x1 + slack or region.y0 < y0 - slack or region.y1 > y1 + slack:
        raise ParameterError(f"region = {region.as_text()} nm is outside the image; allowed: inside x {show_nm(x0)}..{show_nm(x1)}, y {show_nm(y0)}..{show_nm(y1)} nm")
    part = image.sel(x=slice(region.x0, region.x1), y=slice(region.y0, region.y1))
    if min(part.sizes["x"], part.sizes["y"]) < MIN_PIXELS:
        raise ParameterError(f"region = {region.as_text()} nm holds {part.sizes['x']} x {part.sizes['y']} pixels; allowed: at least {MIN_PIXELS} per side")
    return part


def power_spectrum(image: xr.DataArray, region: Region | None = None) -> xr.DataArray:
    """|FFT|^2 of a region of an image, centred (zero frequency in the middle).

    Parameters
    ----------
    image
        An image on (y, x) in nm with equal, uniform pixels (e.g. :func:`tem_image`).
    region
        The part to transform (default: all of it).

    Returns
    -------
    xarray.DataArray
        On (gy, gx) in 1/nm (cycles per nm: a fringe of spacing d gives spots at |g| = 1/d).
    """
    part = _crop(image, region)
    values = np.asarray(part.values, dtype=float)
    values = (values - values.mean()) * window("hann", values.shape)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(values))) ** 2
    px = float(part.x[1] - part.x[0])
    py = float(part.y[1] - part.y[0])
    gx = np.fft.fftshift(np.fft.fftfreq(values.shape[1], d=px))
    gy = np.fft.fftshift(np.fft.fftfreq(values.shape[0], d=py))
    return xr.DataArray(
        spectrum,
        dims=("gy", "gx"),
        coords={"gx": ("gx", gx, {"units": "nm-1", "long_name": "spatial frequency along x"}), "gy": ("gy", gy, {"units": "nm-1", "long_name": "spatial frequency along y"})},
        name="power",
        attrs={"units": "1", "long_name": "power spectrum of the Hann-windowed region"},
    )


def _vertex(minus: float, centre: float, plus: float) -> float:
    """Offset (in pixels, within +-0.5) of the vertex of the parabola through three samples."""
    curvature = minus - 2 * centre + plus
    return 0.0 if curvature >= 0 else float(np.clip(0.5 * (minus - plus) / curvature, -0.5, 0.5))


def fft_spots(
    image: xr.DataArray,
    region: Region | None = None,
    count: int = 6,
    min_g_per_nm: float = 1.0,
    min_amplitude: float = 0.05,
) -> xr.Dataset:
    """The strongest spots of the FFT of a region.

    Parameters
    ----------
    image
        An image on (y, x) in nm (e.g. :func:`phasefield.view.tem.tem_image`).
    region
        The part to transform (default: all of it).
    count
        How many spots (at most) to return, strongest first.
    min_g_per_nm
        Spots nearer the centre than this are ignored [1/nm]: the mass-thickness contrast and
        the window put their power there, and no lattice fringe of this system is wider than
        1 nm.
    min_amplitude
        Spots weaker than this fraction of the strongest's FFT amplitude are left out (the
        window's side lobes and the sidebands of grain edges).

    Returns
    -------
    xarray.Dataset
        Along ``spot``: ``g`` (|g|, 1/nm), ``d`` (1/|g|, nm), ``angle`` (of g, degree in
        [0, 180)), ``gx``, ``gy`` (1/nm) and ``amplitude`` (|FFT| relative to the strongest).
    """
    if count < 1:
        raise ParameterError(f"count = {count!r} is not allowed; allowed: an integer >= 1")
    power = power_spectrum(image, region)
    gx, gy = power.gx.values, power.gy.values
    amplitude = np.sqrt(power.values)
    # every local maximum of the whole plane (a mask would make maxima at its edge), then one of
    # each +-g pair (the upper half plane, and the +gx half of the gy = 0 row) beyond min_g
    peaks = peak_local_max(amplitude, min_distance=2, exclude_border=False)
    iy, ix = peaks.T
    keep = (np.hypot(gx[ix], gy[iy]) >= min_g_per_nm) & ((gy[iy] > 0) | ((gy[iy] == 0) & (gx[ix] > 0)))
    peaks = peaks[keep][np.argsort(-amplitude[iy[keep], ix[keep]], kind="stable")]
    if peaks.size:
        peaks = peaks[amplitude[peaks[:, 0], peaks[:, 1]] >= min_amplitude * amplitude[peaks[0, 0], peaks[0, 1]]][:count]
    log_amp = np.log(np.maximum(amplitude, 1e-300))
    rows = []
    for iy, ix in peaks:
        dy = _vertex(*log_amp[iy - 1 : iy + 2, ix]) if 0 < iy < len(gy) - 1 else 0.0
        dx = _vertex(*log_amp[iy, ix - 1 : ix + 2]) if 0 < ix < len(gx) - 1 else 0.0
        sx = gx[ix] + dx * (gx[1] - gx[0])
        sy = gy[iy] + dy * (gy[1] - gy[0])
        rows.append((np.hypot(sx, sy), np.degrees(np.arctan2(sy, sx)) % 180.0, sx, sy, amplitude[iy, ix]))
    rows.sort(key=lambda r: -r[-1])
    g, angle, sx, sy, amp = (np.array(c, dtype=float) for c in zip(*rows)) if rows else (np.empty(0),) * 5
    strongest = amp[0] if amp.size else 1.0
    return xr.Dataset(
        {
            "g": ("spot", g, {"units": "nm-1", "long_name": "|g| of the spot"}),
            "d": ("spot", 1.0 / g, {"units": "nm", "long_name": "lattice spacing 1/|g|"}),
            "angle": ("spot", angle, {"units": "degree", "long_name": "angle of g, counter-clockwise from +x, in [0, 180)"}),
            "gx": ("spot", sx, {"units": "nm-1", "long_name": "x component of g"}),
            "gy": ("spot", sy, {"units": "nm-1", "long_name": "y component of g"}),
            "amplitude": ("spot", amp / strongest, {"units": "1", "long_name": "FFT amplitude relative to the strongest spot"}),
        },
        coords={"spot": ("spot", np.arange(g.size), {"units": "1", "long_name": "spot rank (0 = strongest)"})},
        attrs={"fft_pixel_x_per_nm": float(gx[1] - gx[0]), "fft_pixel_y_per_nm": float(gy[1] - gy[0]),
               "region_nm": f"x0,x1,y0,y1 = {region.as_text()} nm" if region else "the whole image"},
    )

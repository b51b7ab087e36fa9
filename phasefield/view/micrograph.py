"""A TEM-like micrograph beside the FFT of a region with its spots (as in paper Figs. 4, 5)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from .annotate import add_scale_bar
from .fft import power_spectrum
from ..io.selection import Region

DECADES = 5.0
"""Dynamic range of the spectrum shown (powers of ten below its maximum)."""


def micrograph_figure(image: xr.DataArray, spots: xr.Dataset, region: Region | None = None) -> Figure:
    """The image (with the region outlined) and the log power spectrum of the region.

    Parameters
    ----------
    image
        A TEM-like image (:func:`phasefield.view.tem.tem_image`).
    spots
        Its FFT spots (:func:`phasefield.view.fft.fft_spots` of the same region): circled and
        numbered on the spectrum, each with its +-g pair.
    region
        The region of the FFT (default: the whole image).
    """
    fig = Figure(figsize=(10.0, 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    image_ax, fft_ax = fig.subplots(1, 2)
    x0, x1 = float(image.x[0]), float(image.x[-1])
    y0, y1 = float(image.y[0]), float(image.y[-1])
    image_ax.imshow(image.values, origin="lower", cmap="gray", extent=(x0, x1, y0, y1), interpolation="antialiased")
    image_ax.set_axis_off()
    add_scale_bar(image_ax, x1 - x0)
    time_s, temperature_K = image.attrs.get("time_s"), image.attrs.get("temperature_K")
    if time_s is not None and temperature_K is not None:
        image_ax.set_title(f"t = {time_s:g} s, T = {temperature_K - 273.15:.1f} °C", fontsize=10)
    if region is not None:
        image_ax.add_patch(Rectangle((region.x0, region.y0), region.x1 - region.x0, region.y1 - region.y0, fill=False, ec="yellow", lw=1.2))
    power = power_spectrum(image, region)
    reach = 1.3 * float(spots.g.max()) if spots.sizes["spot"] else 4.0
    shown = np.log10(power.sel(gx=slice(-reach, reach), gy=slice(-reach, reach)) + 1e-300)
    top = float(shown.max())
    fft_ax.imshow(shown.values, origin="lower", cmap="magma", vmin=top - DECADES, vmax=top,
                  extent=(float(shown.gx[0]), float(shown.gx[-1]), float(shown.gy[0]), float(shown.gy[-1])))
    lines = []
    for k in range(spots.sizes["spot"]):
        gx, gy = float(spots.gx[k]), float(spots.gy[k])
        for sign in (1, -1):
            fft_ax.add_patch(Circle((sign * gx, sign * gy), 0.08 * reach, fill=False, ec="cyan", lw=1))
        fft_ax.annotate(str(k + 1), (gx, gy), xytext=(7, 5), textcoords="offset points", color="cyan", fontsize=9)
        lines.append(f"{k + 1}: d = {float(spots.d[k]):.3f} nm, {float(spots.angle[k]):.1f}°")
    if lines:
        fft_ax.text(0.02, 0.02, "\n".join(lines), transform=fft_ax.transAxes, va="bottom", ha="left", fontsize=8, color="white",
                    bbox={"facecolor": "black", "alpha": 0.5, "edgecolor": "none"})
    fft_ax.set_xlabel("g_x (1/nm)")
    fft_ax.set_ylabel("g_y (1/nm)")
    fft_ax.set_title("FFT of the " + ("outlined region" if region is not None else "image"), fontsize=10)
    return fig

"""Movies of a run: one video frame per frame of the Dataset, as mp4 or gif.

Each frame shows the field (``phases``: the phase map in :data:`PHASE_COLOURS`; ``c``: the
P-bearing fraction, surroundings in their phase colour; ``tem``: the TEM-like image of
:mod:`.tem`), a scale bar in nm, the time and temperature, and a legend. One matplotlib Agg
figure is drawn for the whole movie and only its image data and text change between frames
(``set_data``), so a frame costs one redraw. mp4 goes through imageio-ffmpeg (its bundled
ffmpeg, H.264), gif through imageio's Pillow plugin (it holds the frames until it writes).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from tqdm import tqdm

from ..io.output import atomic_write
from ..model.phases import PHASES, SURROUNDINGS
from ..model.values import ParameterError
from .annotate import add_scale_bar, phase_legend
from .colours import phase_rgb
from .outputs import checked_output
from ..io.selection import NotARunError, Region, require
from .tem import DEFAULT_PIXEL_NM, TEM_VARIABLES, TemOptics, fine_axes, tem_frame

VIEWS = ("phases", "c", "tem")
"""What a movie can show."""

VIEW_VARIABLES = {"phases": ("phase_map", "T"), "c": ("c", "phase_map", "T"), "tem": TEM_VARIABLES}
"""The run variables each view reads."""

MOVIE_FORMATS = (".mp4", ".gif")
"""Extensions a movie can be written as."""

IMAGE_PIXELS = 512
"""Smallest long side of the drawn image [pixels]: cells are repeated an integer number of times."""

PANEL_PIXELS = 200
"""Width of the legend panel right of the image [pixels]."""

MIN_HEIGHT_PIXELS = 320
"""Smallest frame height, so that the legend fits [pixels]."""

_BLOCK = 16  # H.264 macroblock: frame sizes are multiples of it (no rescaling by ffmpeg)


def check_view(view: str) -> None:
    if view not in VIEWS:
        raise ParameterError(f"view = {view!r} is unknown; allowed: {', '.join(VIEWS)}")


def _round_up(n: int) -> int:
    return -(-n // _BLOCK) * _BLOCK


def _time_decimals(times: np.ndarray) -> int:
    """Decimals that keep consecutive frame times apart (so no two frames look the same)."""
    steps = np.diff(times)
    steps = steps[steps > 0]
    return 1 if steps.size == 0 else max(1, math.ceil(-math.log10(float(steps.min()))))


class MovieFrames:
    """The frames of a movie of a run, drawn one at a time into RGB arrays.

    Parameters
    ----------
    ds
        The run (with :data:`VIEW_VARIABLES` of ``view``).
    view
        One of :data:`VIEWS`.
    optics
        The phases' contrast, for the ``tem`` view (:func:`scenarios.optics.tem_optics`).
    pixel_nm
        Pixel of the ``tem`` view [nm].
    region
        Part of the box to show (default: all of it).
    """

    def __init__(
        self,
        ds: xr.Dataset,
        view: str = "phases",
        *,
        optics: TemOptics | None = None,
        pixel_nm: float = DEFAULT_PIXEL_NM,
        region: Region | None = None,
    ):
        check_view(view)
        require(ds, VIEW_VARIABLES[view], f"the {view} view")
        if view == "tem":
            if optics is None:
                raise ParameterError("optics = None is not allowed for the tem view; allowed: a TemOptics (scenarios.optics.tem_optics())")
            optics.check_pixel(pixel_nm)
        self.region = (region or Region.whole(ds)).check_inside(ds)
        self.view, self.optics = view, optics
        self.times = np.asarray(ds.time.values, dtype=float)
        self.temperatures_K = np.asarray(ds.T.values, dtype=float)
        if self.times.size == 0:
            raise NotARunError("the run has no frames yet; allowed: a run with at least one finished frame")
        if view == "tem":
            self.xs, self.ys = fine_axes(self.region, pixel_nm)
            self.ds = ds
            self.extent = (self.region.x0, self.region.x1, self.region.y0, self.region.y1)
        else:
            self.ds = ds.sel(x=slice(self.region.x0, self.region.x1), y=slice(self.region.y0, self.region.y1))
            if min(self.ds.sizes["x"], self.ds.sizes["y"]) < 1:
                raise ParameterError(f"region = {self.region.as_text()} nm holds no cell centre; allowed: a region at least one cell wide")
            self.xs, self.ys = self.ds.x.values, self.ds.y.values
            half_x, half_y = float(ds.x[1] - ds.x[0]) / 2, float(ds.y[1] - ds.y[0]) / 2  # the cells' edges
            self.extent = (self.xs[0] - half_x, self.xs[-1] + half_x, self.ys[0] - half_y, self.ys[-1] + half_y)
        self.decimals = _time_decimals(self.times)
        self._lut = phase_rgb()
        self._build_figure()

    def __len__(self) -> int:
        return self.times.size

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of every frame in pixels (multiples of 16)."""
        return self._canvas_size

    def _build_figure(self) -> None:
        nx, ny = self.xs.size, self.ys.size
        repeat = max(1, math.ceil(IMAGE_PIXELS / max(nx, ny)))
        width, height = nx * repeat, ny * repeat
        canvas_w, canvas_h = _round_up(width + PANEL_PIXELS), _round_up(max(height, MIN_HEIGHT_PIXELS))
        self._canvas_size = (canvas_w, canvas_h)
        dpi = 100
        self.fig = Figure(figsize=(canvas_w / dpi, canvas_h / dpi), dpi=dpi, facecolor="white")
        FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0, (canvas_h - height) / canvas_h, width / canvas_w, height / canvas_h))
        ax.set_axis_off()
        x0, x1, y0, y1 = self.extent
        first = self._field(0)
        style = dict(zip(("vmin", "vmax"), self.optics.intensity_range()), cmap="gray") if self.view == "tem" else {}
        self.image = ax.imshow(first, origin="lower", extent=(x0, x1, y0, y1), interpolation="nearest", aspect="equal", **style)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        add_scale_bar(ax, x1 - x0)
        self.label = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", ha="left", fontsize=11,
                             bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 3})
        panel = self.fig.add_axes(((width + 8) / canvas_w, 0.0, (canvas_w - width - 8) / canvas_w, 1.0))
        panel.set_axis_off()
        self._legend(panel)

    def _legend(self, panel) -> None:
        if self.view == "phases":
            present = np.unique(self.ds.phase_map.values)
            phase_legend(panel, [PHASES[i] for i in present if 0 <= i < len(PHASES)], title="phase")
        elif self.view == "c":
            bar_ax = panel.inset_axes((0.08, 0.25, 0.1, 0.6))
            self.fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), colormaps["viridis"]), cax=bar_ax, label="c = n_P / (n_V + n_P)")
            phase_legend(panel, [SURROUNDINGS], loc="lower left")
        else:
            lines = ["fringes:"]
            for phase in dict.fromkeys(str(p) for p in self.ds.grain_phase.values):
                look = self.optics.phases[phase]
                if look.fringe_spacing_nm:
                    lines.append(f"{phase} {look.reflection}\n  d = {look.fringe_spacing_nm:.3f} nm")
            low, high = self.optics.intensity_range()
            lines.append(f"thickness {self.optics.thickness_nm:g} nm\ngrey: I/I0 {low:.2f}-{high:.2f}")
            panel.text(0.02, 0.98, "\n".join(lines), va="top", ha="left", fontsize=9, transform=panel.transAxes)

    def _field(self, index: int) -> np.ndarray:
        """The image data of one frame (RGB uint8, or I/I0 for tem)."""
        if self.view == "tem":
            return tem_frame(self.ds.isel(time=index), self.optics, self.xs, self.ys)
        phase_map = np.asarray(self.ds.phase_map.isel(time=index).values)  # one frame's read of a lazy run
        if self.view == "phases":
            return self._lut[phase_map]
        rgb = (colormaps["viridis"](np.clip(self.ds.c.isel(time=index).values, 0.0, 1.0))[..., :3] * 255).astype(np.uint8)
        surroundings = PHASES.index(SURROUNDINGS)
        rgb[phase_map == surroundings] = self._lut[surroundings]
        return rgb

    def render(self, index: int) -> np.ndarray:
        """Frame ``index`` as an RGB array (height, width, 3) of uint8."""
        self.image.set_data(self._field(index))
        temperature_C = float(self.temperatures_K[index]) - 273.15
        self.label.set_text(f"t = {self.times[index]:.{self.decimals}f} s\nT = {temperature_C:.1f} °C")
        self.fig.canvas.draw()
        return np.ascontiguousarray(np.asarray(self.fig.canvas.buffer_rgba())[..., :3])


def _write_mp4(tmp: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float) -> None:
    writer = imageio_ffmpeg.write_frames(str(tmp), size, fps=fps, codec="libx264", quality=8, macro_block_size=_BLOCK,
                                         output_params=["-f", "mp4"], ffmpeg_log_level="error")
    writer.send(None)
    try:
        for frame in frames:
            writer.send(frame)
    finally:
        writer.close()


def _write_gif(tmp: Path, frames: Iterable[np.ndarray], size: tuple[int, int], fps: float) -> None:
    with iio.imopen(tmp, "w", extension=".gif", plugin="pillow") as gif:
        for frame in frames:
            gif.write(frame, duration=1000.0 / fps, loop=0)


_WRITERS = {".mp4": _write_mp4, ".gif": _write_gif}


def write_movie(
    ds: xr.Dataset,
    out: str | os.PathLike,
    *,
    view: str = "phases",
    fps: float = 10.0,
    optics: TemOptics | None = None,
    pixel_nm: float = DEFAULT_PIXEL_NM,
    region: Region | None = None,
    progress: bool = False,
) -> Path:
    """Write a movie of every frame of a run.

    Parameters
    ----------
    ds
        The run (e.g. ``phasefield.open_run(path)``: the frames written so far).
    out
        ``.mp4`` (H.264 through imageio-ffmpeg) or ``.gif``; written atomically.
    view
        ``phases``, ``c`` or ``tem`` (:data:`VIEWS`).
    fps
        Frames per second of the movie.
    optics, pixel_nm, region
        See :class:`MovieFrames`.
    progress
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    path = checked_output(out, MOVIE_FORMATS)
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise ParameterError(f"fps = {fps!r} is not allowed; allowed: a number > 0")
    frames = MovieFrames(ds, view, optics=optics, pixel_nm=pixel_nm, region=region)
    indices = tqdm(range(len(frames)), desc=f"movie {path.name}", unit="frame", file=sys.stderr, disable=not progress)
    atomic_write(path, lambda tmp: _WRITERS[path.suffix.lower()](tmp, (frames.render(i) for i in indices), frames.size, fps))
    return path

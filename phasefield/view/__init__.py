"""Seeing a run: movies, TEM-like images and their FFT, paper-style plots.

Every function takes an ``xarray.Dataset`` of a run (:func:`phasefield.open_run`, also the
frames of a run still being written) and refuses bad input on one line before any work.

:mod:`.colours`     PHASE_COLOURS, the one colour per phase of every figure
:mod:`.selection`   reading a run, choosing a frame (time) and a region (nm)
:mod:`.tem`         TEM-like image: mass-thickness contrast and lattice fringes
:mod:`.fft`         FFT of a region and its strongest spots (|g|, angle)
:mod:`.micrograph`  the image beside the FFT of a region (paper Figs. 4, 5)
:mod:`.movie`       mp4/gif of every frame (phases, c or tem view)
:mod:`.timeline`    phase areas, T and V valence against time; a sweep against T
:mod:`.annotate`    scale bar and phase legend
:mod:`.outputs`     allowed extensions, atomic writes

The contrast data of the phases (densities, cross-sections, reflections) come from the
crystallography, which this package does not import: :func:`scenarios.optics.tem_optics`.
"""

from .colours import PHASE_COLOURS
from .fft import fft_spots, power_spectrum
from .micrograph import micrograph_figure
from .movie import MovieFrames, write_movie
from ..io.selection import NotARunError, Region, read_run
from .tem import PhaseOptics, TemOptics, tem_image
from .timeline import plot, sweep_figure, timeline_figure

__all__ = [
    "PHASE_COLOURS",
    "MovieFrames",
    "NotARunError",
    "PhaseOptics",
    "Region",
    "TemOptics",
    "fft_spots",
    "micrograph_figure",
    "plot",
    "power_spectrum",
    "read_run",
    "sweep_figure",
    "tem_image",
    "timeline_figure",
    "write_movie",
]

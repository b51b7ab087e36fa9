"""Writing a view to a file: the allowed extensions, and nothing half-written.

Every file is written whole to a temporary file that then replaces the target
(:func:`phasefield.io.output.atomic_write`): an error or a kill leaves no partial file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from ..io.output import atomic_write, check_place
from ..model.values import ParameterError

FIGURE_FORMATS = (".png", ".svg", ".pdf")
"""Extensions a figure can be written as."""

FIGURE_DPI = 150
"""Resolution of raster figures [dots per inch]."""


def checked_output(out: str | os.PathLike, allowed: Sequence[str], what: str = "--out") -> Path:
    """``out`` as a Path, refused (one line) unless its extension is allowed and its directory writable."""
    path = Path(out)
    if path.suffix.lower() not in allowed:
        raise ParameterError(f"{what} {path}: the extension {path.suffix or '(none)'!s} is not supported; allowed: {', '.join(allowed)}")
    check_place(path)
    return path


def save_figure(fig: Figure, out: str | os.PathLike) -> Path:
    """Write a figure (.png, .svg or .pdf, from the extension) atomically; returns the path."""
    path = checked_output(out, FIGURE_FORMATS)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=path.suffix[1:].lower(), dpi=FIGURE_DPI))
    return path

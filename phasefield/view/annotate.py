"""Marks drawn on every image: a scale bar in nm and the legend of the phase colours."""

from __future__ import annotations

import math
from collections.abc import Iterable

from matplotlib.axes import Axes
from matplotlib.patches import Patch
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from .colours import PHASE_COLOURS


def scale_length_nm(width_nm: float) -> float:
    """A round bar length (1, 2 or 5 x 10^k nm) of at most a fifth of ``width_nm``.

    Examples
    --------
    >>> scale_length_nm(64.0), scale_length_nm(10.4)
    (10.0, 2.0)
    """
    target = width_nm / 5
    power = 10.0 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def add_scale_bar(ax: Axes, width_nm: float) -> AnchoredSizeBar:
    """A scale bar at the lower left of an image axes whose data units are nm."""
    length = scale_length_nm(width_nm)
    bar = AnchoredSizeBar(
        ax.transData, length, f"{length:g} nm", loc="lower left", pad=0.4, borderpad=0.6, sep=4,
        frameon=True, size_vertical=length / 25, color="black", fontproperties={"size": 10},
    )
    bar.patch.set(alpha=0.7, facecolor="white", edgecolor="none")
    ax.add_artist(bar)
    return bar


def phase_legend(ax: Axes, phases: Iterable[str], **options) -> None:
    """A legend of phase colours (:data:`~phasefield.view.colours.PHASE_COLOURS`) on ``ax``."""
    handles = [Patch(facecolor=PHASE_COLOURS[p], edgecolor="0.3", linewidth=0.5, label=p) for p in phases]
    ax.legend(handles=handles, **{"frameon": False, "loc": "upper left", **options})

"""One colour per phase, the same in every figure and movie of the package.

The condensed phases take colours of the Okabe-Ito palette (M. Okabe and K. Ito, "Color
Universal Design (CUD): how to make figures and presentations that are friendly to colorblind
people", J*Fly, 2008), which stay distinct under the common colour-vision deficiencies; the
surroundings (vacuum) are a near-white, the amorphous precursor a neutral grey.
"""

from __future__ import annotations

import types

import numpy as np
from matplotlib.colors import to_rgb

from ..model.phases import PHASES

PHASE_COLOURS: types.MappingProxyType = types.MappingProxyType(
    {
        "surroundings": "#f4f4f4",
        "amorphous": "#999999",
        "NH4VO3": "#e69f00",  # Okabe-Ito orange
        "NaH2PO4": "#56b4e9",  # sky blue
        "NVP": "#009e73",  # bluish green
        "NZSP": "#cc79a7",  # reddish purple
    }
)
"""Colour (hex) of each phase of :data:`phasefield.model.phases.PHASES`, by name."""


def phase_rgb() -> np.ndarray:
    """The phase colours as uint8 RGB rows in the order of ``PHASES`` (a ``phase_map`` lookup table).

    Examples
    --------
    >>> phase_rgb()[PHASES.index("NVP")].tolist()
    [0, 158, 115]
    """
    return np.array([[round(255 * v) for v in to_rgb(PHASE_COLOURS[name])] for name in PHASES], dtype=np.uint8)

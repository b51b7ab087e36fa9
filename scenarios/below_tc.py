"""The same contact below the critical temperature (paper Fig. S7, Movie S9).

The NH4VO3/NaH2PO4 pair of :mod:`scenarios.epitaxy`, heated to 650 degC only.
The paper: below ~700 degC the precursors only gain crystallinity; NVP never
forms. In the model dG_NVP = dS (T_c - T) > 0, so the nucleation rate is zero
and any NVP would be unstable.

What to look at: ``phase_fraction.sel(phase="NVP")`` stays 0 for the whole run;
the particles only round off.
"""

from __future__ import annotations

from dataclasses import dataclass

from .epitaxy import EpitaxyParameters, run
from .registry import Scenario


@dataclass(frozen=True)
class BelowTcParameters(EpitaxyParameters):
    """Epitaxy geometry, held at 650 degC."""

    hold_temperature_C: float = 650.0


SCENARIO = Scenario(
    name="below-tc",
    summary="Fig. S7: the same contact held at 650 degC: no NVP, ever",
    parameters=BelowTcParameters,
    run=run,
)

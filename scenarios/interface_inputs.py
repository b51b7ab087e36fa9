"""The NH4VO3/NVP interface's numbers for the phase-field model, from the atomistic module (plain numbers).

- :func:`coincidence`: the m:n coincidence of the paper's planes, (1 2 -1) NH4VO3 // (2 -1 0) NVP
  (Fig. 4), of smallest |misfit| with m, n <= a bound (:func:`atomistic.epitaxy_misfit`): the
  bound 3 gives the paper's 3:2 (delta = +8.16 %), 4 and 5 give 4:3 (-3.32 %). Its ``delta``
  becomes ``misfit_strain`` of :class:`phasefield.ModelParameters`.
- :func:`v_site_overlap`: the share of NH4VO3's V sites with an NVP V site within 0.5 Å under the
  paper's relationship (3D sites, :func:`atomistic.v_site_overlap`), from an NH4VO3 CIF (none is
  bundled); it scales the NH4VO3/NVP interface mobility.
"""

from __future__ import annotations

import functools
import os

import atomistic
from phasefield.model.values import ParameterError, one_line


@functools.lru_cache(maxsize=None)
def coincidence(max_multiple: int) -> atomistic.Coincidence:
    """The coincidence of (1 2 -1) NH4VO3 / (2 -1 0) NVP of smallest |delta| with m, n <= ``max_multiple``."""
    return atomistic.epitaxy_misfit(max_multiple=max_multiple)


def v_site_overlap(cif: str, parameter: str = "nh4vo3_cif") -> float:
    """V-site overlap fraction of the NH4VO3 in ``cif`` with NVP under the paper's relationship.

    Raises
    ------
    ParameterError
        Naming ``parameter``, for a file that is missing or is not a readable NH4VO3 CIF.
    """
    try:
        stat = os.stat(cif)
        return _overlap(os.path.abspath(cif), stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError) as err:  # atomistic.CifError is a ValueError
        raise ParameterError(f"{parameter} = {cif!r} is not allowed: {one_line(err)}; allowed: a readable NH4VO3 CIF") from None


@functools.lru_cache(maxsize=8)
def _overlap(path: str, mtime_ns: int, size: int) -> float:
    """The overlap of one version of a file (the stamp makes a changed file be read again)."""
    atomistic.check_formula(atomistic.bulk("NH4VO3", cif=path), "NH4VO3")
    return atomistic.v_site_overlap(cifs={"NH4VO3": path}).fraction

"""Guards on the fields of a run: what stops it at once, with one line naming the field and the time.

A NaN or inf in any field, or in a coefficient of a step's linear systems, is a
fault (a corrupted state or a bad parameter), not a step too large: the
solvers do not recover from it (our CG runs to its 20 000-iteration limit on a
NaN right-hand side, scipy's ``cg`` under FiPy to its own, and pyamg raises a
ValueError while building a hierarchy from a NaN matrix), so
:func:`non_finite` is checked before every solve and after it, and the run
stops instead of retrying smaller steps. :func:`out_of_bounds` checks the
order parameters of every accepted step against bounds measured on real runs.
"""

from __future__ import annotations

import numpy as np

ORDER_PARAMETER_OVERSHOOT = 0.05
"""How far an order parameter may leave [0, 1]. Measured over every accepted step: at grid 64,
epitaxy to 12 s (one nucleus) min -1.3e-3 and max 1 + 6e-6, trimming -1.2e-4 and
1 + 1.5e-4, wetting, coalescence (one grain or two) and wulff within 1e-10; the 48-cell test epitaxy (2.4 cells per
interface width) after nucleation -0.011, at time_tolerance 0.5 (seeds 0, 4, 7; many nuclei:
-0.009) and 0.05 alike, so the coarse grid, not the time step, sets it. 0.05 is 4x
the worst of these: a value beyond it is an instability, not the implicit scheme's overshoot."""

ORDER_PARAMETER_SUM_TOLERANCE = 0.75
"""How far sum_i eta_i may be from 1. Moelans' model does not constrain the sum: it is 1 in bulk
and on two-grain paths, below 1 where three or more grains meet. Measured over every accepted
step: the NVP seed at the NH4VO3/NaH2PO4/surroundings junction 0.36 (epitaxy, grid 64) and up
to 0.41 (sum 0.59; the 48-cell test epitaxy, loosest time_tolerance), the wetting contact line
0.11, a two-grain coalescence neck 0.073, trimming 0.015, wulff 0.004; above 1 never more
than 0.08. So only a gross
fault is caught: a point left with almost no grain (sum < 0.25) or with a grain duplicated
(sum > 1.75)."""


class SimulationError(RuntimeError):
    """The run cannot go on (the time step collapsed, a field became non-finite or left its
    bounds, the conserved amounts drifted); frames already written are kept."""


class FieldFault(SimulationError):
    """A field or a step coefficient holds NaN or inf, or the order parameters left their bounds.

    Raised at once, not retried with a smaller step; ``str()`` is one line naming the field and
    the time.
    """


def non_finite(fields: dict[str, np.ndarray]) -> str | None:
    """The first of ``fields`` holding NaN or inf, described with its counts; None if all are finite.

    Parameters
    ----------
    fields
        Arrays by the name a user should read (``eta``, ``n``, ``mu``, a coefficient).

    Returns
    -------
    str or None
        For example ``"mu (3 NaN and 0 inf of 8192 values)"``.
    """
    for name, values in fields.items():
        values = np.asarray(values)
        finite = np.isfinite(values)
        if not finite.all():
            nan = int(np.isnan(values).sum())
            return f"{name} ({nan} NaN and {values.size - int(finite.sum()) - nan} inf of {values.size} values)"
    return None


def out_of_bounds(
    eta: np.ndarray,
    coords_nm: np.ndarray,
    overshoot: float = ORDER_PARAMETER_OVERSHOOT,
    sum_tolerance: float = ORDER_PARAMETER_SUM_TOLERANCE,
) -> str | None:
    """What breaks eta_i in [-overshoot, 1 + overshoot] or |sum_i eta_i - 1| <= sum_tolerance; None if nothing.

    Parameters
    ----------
    eta
        Order parameters, (grains, cells).
    coords_nm
        Cell centres, (dim, cells), to say where.

    Returns
    -------
    str or None
        The worst value, its grain and place, and what is allowed, e.g.
        ``"eta of grain 3 = -0.2 at (12.5, 7.5) nm (allowed: -0.05 to 1.05)"``.
    """
    at = lambda cell: "(" + ", ".join(f"{x:.4g}" for x in coords_nm[:, cell]) + ") nm"  # noqa: E731
    allowed = f"allowed: {-overshoot:g} to {1 + overshoot:g}"
    for grain, cell in (np.unravel_index(np.argmin(eta), eta.shape), np.unravel_index(np.argmax(eta), eta.shape)):
        if not -overshoot <= eta[grain, cell] <= 1.0 + overshoot:
            return f"eta of grain {grain} = {eta[grain, cell]:.4g} at {at(cell)} ({allowed})"
    deviation = np.abs(eta.sum(axis=0) - 1.0)
    cell = int(np.argmax(deviation))
    if deviation[cell] > sum_tolerance:
        return f"the sum of the order parameters = {eta[:, cell].sum():.4g} at {at(cell)} (allowed: 1 +- {sum_tolerance:g})"
    return None

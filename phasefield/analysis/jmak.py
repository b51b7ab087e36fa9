r"""Kolmogorov-Johnson-Mehl-Avrami (JMAK) kinetics of nucleation and growth in 2D.

Nuclei that form only in untransformed matter and grow until they meet transform
:math:`X = 1 - \exp(-X_{ext})` of the area, with :math:`X_{ext}` the extended
fraction: the area all grains would cover if they grew through each other
(Kolmogorov 1937, Avrami 1939, Johnson & Mehl 1939). For a grain of radius
:math:`r(a)` at age :math:`a`,

* site saturation (N nuclei per area at t = 0): :math:`X_{ext} = N\pi r(t)^2`;
* constant rate J per untransformed area: :math:`X_{ext} = \int_0^t J\pi r(t - \tau)^2 d\tau`.

With :math:`r = v a` these give :math:`X = 1 - \exp(-kt^n)` with the Avrami
exponent n = 2 and n = 3. PFHub benchmark 8 fits n over 0.023 < X < 0.9.

In a bounded box (a run without periodic boundaries) the same argument holds point
by point: a point x is untransformed with probability :math:`\exp(-X_{ext}(x))`,
where the disc of radius r about x now only counts where it lies inside the box
(nuclei form only there), so points near the walls transform later
(:func:`fraction_in_box`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import trapezoid  # numpy's is 2.0+; Debian 12's petsc4py needs numpy 1.24
from scipy.signal import fftconvolve

__all__ = ["avrami_exponent", "extended_fraction", "fraction_in_box", "half_time"]


def avrami_exponent(time_s: ArrayLike, fraction: ArrayLike, *, origin_s: float = 0.0, lo: float = 0.023, hi: float = 0.9) -> float:
    r"""Slope of :math:`\ln(-\ln(1 - X))` against :math:`\ln(t - t_0)` over lo < X < hi (least squares).

    Parameters
    ----------
    time_s, fraction
        Times and transformed fractions X.
    origin_s
        Time origin :math:`t_0` (the time a point nucleus born at the first seed's
        formation would reach a seed's size: growth that starts from a finite seed
        shifts the origin to before the nucleation time).
    lo, hi
        The window of X.

    Examples
    --------
    >>> t = np.linspace(0.1, 3.0, 40)
    >>> round(avrami_exponent(t, 1 - np.exp(-0.3 * t**3)), 6)
    3.0
    """
    t = np.asarray(time_s, dtype=float) - origin_s
    X = np.asarray(fraction, dtype=float)
    window = (X > lo) & (X < hi) & (t > 0)
    if window.sum() < 3:
        raise ValueError(f"fraction: {int(window.sum())} points within ({lo}, {hi}); need at least 3 to fit")
    return float(np.polyfit(np.log(t[window]), np.log(-np.log1p(-X[window])), 1)[0])


def half_time(time_s: ArrayLike, fraction: ArrayLike) -> float:
    """Time at which X first reaches 1/2 (linear interpolation)."""
    t, X = np.asarray(time_s, dtype=float), np.asarray(fraction, dtype=float)
    above = np.flatnonzero(X >= 0.5)
    if above.size == 0 or above[0] == 0:
        raise ValueError("fraction: does not cross 1/2 after the first point")
    i = above[0]
    return float(t[i - 1] + (0.5 - X[i - 1]) * (t[i] - t[i - 1]) / (X[i] - X[i - 1]))


def extended_fraction(time_s: ArrayLike, radius_nm, *, nuclei_per_nm2: float = 0.0, rate_per_nm2_s: float = 0.0) -> np.ndarray:
    r"""Avrami's extended fraction at ``time_s`` for a grain growth law ``radius_nm(age_s)``.

    Site saturation (``nuclei_per_nm2``) plus a constant rate (``rate_per_nm2_s``),
    the rate's integral over birth times by the trapezoid rule on 400 ages per time.

    Examples
    --------
    Constant speed v from zero size: :math:`J\pi v^2 t^3/3`.

    >>> round(float(extended_fraction(2.0, lambda a: 1.5 * a, rate_per_nm2_s=0.01)[0]), 6), round(0.01 * np.pi * 1.5**2 * 8 / 3, 6)
    (0.188496, 0.188496)
    """
    out = []
    for t in np.atleast_1d(np.asarray(time_s, dtype=float)):
        ages = np.linspace(0.0, t, 400)
        born = trapezoid(np.pi * np.asarray(radius_nm(ages), dtype=float) ** 2, ages) if t > 0 else 0.0
        out.append(nuclei_per_nm2 * np.pi * float(radius_nm(t)) ** 2 + rate_per_nm2_s * born)
    return np.array(out)


def fraction_in_box(
    time_s: ArrayLike,
    radius_nm,
    box_nm: tuple[float, float],
    *,
    nuclei_per_nm2: float = 0.0,
    rate_per_nm2_s: float = 0.0,
    spacing_nm: float = 0.25,
) -> np.ndarray:
    r"""Expected transformed fraction of a rectangular box, nuclei uniform in it (Kolmogorov).

    :math:`X(t) = 1 - \langle\exp(-N A(x, r(t)) - J\int_0^t A(x, r(a))\,da)\rangle_x` with
    :math:`A(x, r)` the area of the disc of radius r about x inside the box, evaluated on
    a grid of ``spacing_nm`` (discs by FFT convolution, 120 radii interpolated, 200 ages
    per time in the rate's integral).

    Examples
    --------
    Site saturation, radius 2 nm, in a 200 nm box and in the unbounded plane: the box
    transforms less: points within 2 nm of a wall see fewer nuclei.

    >>> X = fraction_in_box([1.0], lambda a: 2.0 * a, (200.0, 200.0), nuclei_per_nm2=0.01, spacing_nm=0.5)
    >>> round(float(X[0]), 4), round(1 - float(np.exp(-0.01 * np.pi * 4)), 4)
    (0.1175, 0.1181)
    """
    t = np.atleast_1d(np.asarray(time_s, dtype=float))
    nx, ny = (max(1, int(round(L / spacing_nm))) for L in box_nm)
    inside = np.ones((ny, nx))
    r_max = float(np.max(radius_nm(np.array([t.max()]))))
    radii = np.linspace(0.0, max(r_max, spacing_nm), 120)

    def covered(r: float) -> np.ndarray:
        k = int(np.ceil(r / spacing_nm))
        u = np.arange(-k, k + 1) * spacing_nm
        # anti-aliased: each cell counts the part of its width inside r (area error O(spacing^2))
        disc = np.clip((r - np.hypot(u[:, None], u[None, :])) / spacing_nm + 0.5, 0.0, 1.0)
        return fftconvolve(inside, disc, mode="same") * spacing_nm**2

    table = np.array([covered(r) for r in radii])  # (radii, y, x)

    def area(r) -> np.ndarray:
        j = np.clip(np.searchsorted(radii, r) - 1, 0, len(radii) - 2)
        w = np.clip((r - radii[j]) / (radii[j + 1] - radii[j]), 0.0, 1.0)
        return (1 - w) * table[j] + w * table[j + 1]

    out = []
    for time in t:
        ext = nuclei_per_nm2 * area(float(radius_nm(np.array([time]))[0]))
        if rate_per_nm2_s > 0.0 and time > 0.0:
            ages = np.linspace(0.0, time, 200)
            r = np.asarray(radius_nm(ages), dtype=float)
            ext = ext + rate_per_nm2_s * trapezoid(np.array([area(x) for x in r]), ages, axis=0)
        out.append(1.0 - float(np.exp(-ext).mean()))
    return np.array(out)

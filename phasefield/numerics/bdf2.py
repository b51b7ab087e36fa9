"""Variable-step BDF2: its weights, a predictor, and the local error from their difference.

BDF2 sets the derivative of the quadratic through y_{n-1}, y_n, y_{n+1} at t_{n+1} to
f(y_{n+1}). With steps h (this one) and h1 (the last), w = h / h1, that is

    (1 + 2w)/(1 + w) y_{n+1} - (1 + w) y_n + w^2/(1 + w) y_{n-1} = h f(y_{n+1})

(Hairer, Norsett & Wanner, Solving ODEs I, III.5), or, divided by its first weight,
an implicit Euler step of size a h from the shifted start c1 y_n - c0 y_{n-1}:
the package's implicit Euler solve (:meth:`phasefield.numerics.stepping.Simulation.try_step`)
takes it unchanged. c1 - c0 = 1, so a conserved total of y_n and y_{n-1} is that of the start.

The local error comes from Milne's device: the quadratic predictor through y_{n-2}, y_{n-1},
y_n misses y(t_{n+1}) by y'''/6 h (h + h1)(h + h1 + h2), BDF2 by -y'''/6 h^3 (1 + w)^2 /
(w (1 + 2w)) (the residual of the scheme for a cubic), so the corrector's error is a known share
of corrector - predictor (:func:`error_share`; exact for a cubic solution, tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MAX_RATIO = 1.0 + math.sqrt(2.0)
"""Largest step ratio h / h1 taken with BDF2 (a larger one is a step doubling step): the classical
zero-stability bound of variable-step BDF2, which Li & Liao ("Stability of variable-step BDF2 and
BDF3 methods", 2021) relax; kept as the conservative side. The controller grows a step at most 2x
(2.2x when stretched onto a time), so it rarely binds."""


def shifted_euler(ratio: float) -> tuple[float, float, float]:
    """(c1, c0, a) with  y_{n+1} - a h f(y_{n+1}) = c1 y_n - c0 y_{n-1}:  BDF2 at step ratio
    ``ratio`` = h / h1 as an implicit Euler step of a h.

    >>> shifted_euler(1.0)  # constant steps: 4/3, 1/3, 2/3
    (1.3333333333333333, 0.3333333333333333, 0.6666666666666666)
    """
    w = float(ratio)
    return (1.0 + w) ** 2 / (1.0 + 2.0 * w), w**2 / (1.0 + 2.0 * w), (1.0 + w) / (1.0 + 2.0 * w)


def extrapolate(times: Sequence[float], values: Sequence[np.ndarray], t: float) -> np.ndarray:
    """The polynomial through (times[i], values[i]) at ``t`` (Lagrange form; linear for two points,
    quadratic for three)."""
    out = 0.0
    for i, (ti, yi) in enumerate(zip(times, values)):
        weight = 1.0
        for j, tj in enumerate(times):
            if j != i:
                weight *= (t - tj) / (ti - tj)
        out = out + weight * yi
    return np.asarray(out)


def error_share(h: float, h1: float, h2: float) -> float:
    """Local error of a BDF2 step of h (after steps h1, then h2 before it) over corrector - quadratic
    predictor: A / (A + B) with A = h^3 (1 + w)^2 / (w (1 + 2w)), B = h (h + h1)(h + h1 + h2).

    >>> round(error_share(1.0, 1.0, 1.0), 12)  # constant steps: 2/11
    0.181818181818
    """
    w = h / h1
    a = h**3 * (1.0 + w) ** 2 / (w * (1.0 + 2.0 * w))
    b = h * (h + h1) * (h + h1 + h2)
    return a / (a + b)

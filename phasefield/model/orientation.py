"""Grain orientation: the one place where an orientation becomes a rotation.

A grain's rotation maps crystal-frame vectors to the lab frame. 2D: an angle in
degrees, counter-clockwise; 3D: a proper 3x3 rotation matrix. A grain's scalar
``orientation_deg`` is an in-plane rotation (about z in 3D): :func:`grain_rotation`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Orientation of a grain: 2D angle in degrees (CCW), 3D rotation matrix, or None (identity).
Rotation = float | ArrayLike | None

_FloatArray = NDArray[np.float64]


def rotation_matrix(rotation: Rotation, dim: int) -> _FloatArray:
    """Rotation matrix mapping crystal-frame vectors to the lab frame.

    Parameters
    ----------
    rotation : float, array_like (3, 3) or None
        2D: counter-clockwise angle, degrees.  3D: proper rotation matrix.  None: identity.
    dim : int
        Space dimension, 2 or 3.

    Returns
    -------
    ndarray, shape (dim, dim)

    Examples
    --------
    >>> rotation_matrix(90.0, 2).round(12) @ [1.0, 0.0]
    array([0., 1.])
    """
    if rotation is None:
        return np.eye(dim)
    if dim == 2:
        if np.ndim(rotation) != 0:
            raise ValueError(f"rotation: {rotation!r} not allowed in 2D; give an angle in degrees")
        t = np.radians(float(rotation))  # type: ignore[arg-type]
        return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    r = np.asarray(rotation, dtype=float)
    if r.shape != (3, 3):
        raise ValueError(f"rotation: shape {r.shape} not allowed in 3D; need a 3x3 matrix")
    if not (np.allclose(r @ r.T, np.eye(3), atol=1e-8) and np.linalg.det(r) > 0):
        raise ValueError("rotation: matrix is not a proper rotation (R R^T = I, det R = +1)")
    return r


def grain_rotation(orientation_deg: float, dim: int):
    """2D: the angle; 3D: a rotation about z by the angle (grain orientation convention)."""
    if dim == 2:
        return float(orientation_deg)
    t = np.radians(orientation_deg)
    return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])

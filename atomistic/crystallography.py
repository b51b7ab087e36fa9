"""Lattice geometry for any crystal: d-spacings, zone law, angles, orientation relationships.

Every function takes a phase name, an ``ase.Atoms`` or an ``ase.cell.Cell`` (see
:func:`atomistic.crystals.cell`). Plane indices (h k l) are Miller indices in the basis of that
cell; direction indices [u v w] are lattice vectors u a + v b + w c. Hexagonal cells also take
four-index Miller-Bravais indices, (h k i l) with i = -(h + k) and [U V T W] with
T = -(U + V). Lengths are in Å, angles in degrees, reciprocal vectors without the 2 pi.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import Sequence

import numpy as np

from .crystals import Crystal, cell

__all__ = [
    "OrientationRelationship",
    "d_spacing",
    "direction_angle",
    "direction_indices",
    "direction_vector",
    "in_zone",
    "index_box",
    "orientation_frame",
    "orientation_matrix",
    "plane_angle",
    "plane_direction_angle",
    "plane_indices",
    "plane_normal",
    "reduced_indices",
    "zone_axis",
    "zone_law",
]

Indices = Sequence[int]


def _integers(indices: Indices, what: str) -> np.ndarray:
    arr = np.asarray(indices)
    if arr.ndim != 1 or len(arr) not in (3, 4):
        raise ValueError(f"{what} {tuple(indices)}: allowed are 3 or 4 integer indices")
    if not np.all(np.equal(np.mod(arr, 1), 0)):
        raise ValueError(f"{what} {tuple(indices)}: indices must be integers")
    arr = arr.astype(int)
    if not arr.any():
        raise ValueError(f"{what} {tuple(indices)}: all indices are zero")
    return arr


def plane_indices(hkl: Indices) -> np.ndarray:
    """Three-index Miller indices of a plane given as (h k l) or (h k i l).

    Examples
    --------
    >>> plane_indices((1, 0, -1, 4)).tolist()
    [1, 0, 4]
    """
    arr = _integers(hkl, "plane")
    if len(arr) == 4:
        h, k, i, l = arr
        if i != -(h + k):
            raise ValueError(
                f"plane {tuple(hkl)}: a Miller-Bravais index needs i = -(h + k) = {-(h + k)}, got {i}"
            )
        arr = np.array([h, k, l])
    return arr


def direction_indices(uvw: Indices) -> np.ndarray:
    """Three-index lattice direction of [u v w] or [U V T W] (u = 2U + V, v = 2V + U, w = W).

    Examples
    --------
    >>> direction_indices((2, -1, -1, 0)).tolist()
    [3, 0, 0]
    """
    arr = _integers(uvw, "direction")
    if len(arr) == 4:
        big_u, big_v, big_t, big_w = arr
        if big_t != -(big_u + big_v):
            raise ValueError(
                f"direction {tuple(uvw)}: a Miller-Bravais direction needs T = -(U + V) = "
                f"{-(big_u + big_v)}, got {big_t}"
            )
        arr = np.array([2 * big_u + big_v, 2 * big_v + big_u, big_w])
    return arr


def _check_hexagonal(crystal: Crystal, indices: Indices) -> None:
    if len(indices) != 4:
        return
    a, b, _, _, _, gamma = cell(crystal).cellpar()
    if not (np.isclose(a, b, rtol=1e-6) and np.isclose(gamma, 120.0, atol=1e-4)):
        raise ValueError(
            f"four-index indices {tuple(indices)} need a hexagonal cell (a = b, gamma = 120 deg); "
            f"this cell has a = {a:.4f}, b = {b:.4f} Å, gamma = {gamma:.3f} deg"
        )


def plane_normal(crystal: Crystal, hkl: Indices) -> np.ndarray:
    """Cartesian reciprocal-lattice vector g_hkl of a plane, 1/Å (|g| = 1/d)."""
    _check_hexagonal(crystal, hkl)
    return plane_indices(hkl) @ cell(crystal).reciprocal()


def direction_vector(crystal: Crystal, uvw: Indices) -> np.ndarray:
    """Cartesian lattice vector u a + v b + w c of a direction, Å."""
    _check_hexagonal(crystal, uvw)
    return direction_indices(uvw) @ np.asarray(cell(crystal))


def d_spacing(crystal: Crystal, hkl: Indices) -> float:
    """Interplanar spacing d_hkl = 1 / |h a* + k b* + l c*|, Å.

    Examples
    --------
    >>> round(d_spacing("NVP", (2, 0, 2)), 4)
    3.5749
    >>> round(d_spacing("NVP", (2, -2, 0, 2)), 4)
    3.5749
    """
    return float(1.0 / np.linalg.norm(plane_normal(crystal, hkl)))


def zone_law(hkl: Indices, uvw: Indices) -> int:
    """h u + k v + l w: zero when the direction [uvw] lies in the plane (hkl).

    Examples
    --------
    >>> zone_law((1, 2, -1), (0, 1, 2))
    0
    """
    return int(plane_indices(hkl) @ direction_indices(uvw))


def in_zone(hkl: Indices, uvw: Indices) -> bool:
    """True when [uvw] lies in (hkl) (the zone law holds)."""
    return zone_law(hkl, uvw) == 0


def reduced_indices(indices: Indices) -> tuple[int, ...]:
    """Indices divided by their greatest common divisor: (0 0 9) -> (0 0 1).

    Examples
    --------
    >>> reduced_indices((2, -4, 6))
    (1, -2, 3)
    """
    values = [int(x) for x in indices]
    g = 0
    for x in values:
        g = gcd(g, x)
    return tuple(x // g for x in values) if g else tuple(values)


def index_box(extent: int | Sequence[int]) -> np.ndarray:
    """All integer triples (n1, n2, n3) with |n_k| <= extent_k, as an (n, 3) array.

    Examples
    --------
    >>> index_box(1).shape
    (27, 3)
    """
    reach = np.broadcast_to(np.asarray(extent, dtype=int), (3,))
    axes = [np.arange(-r, r + 1) for r in reach]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)


def zone_axis(hkl1: Indices, hkl2: Indices) -> tuple[int, int, int]:
    """The direction common to two planes, [uvw] = (h1 k1 l1) x (h2 k2 l2), reduced.

    Examples
    --------
    >>> zone_axis((1, 0, 0), (0, 1, 0))
    (0, 0, 1)
    """
    axis = np.cross(plane_indices(hkl1), plane_indices(hkl2))
    if not axis.any():
        raise ValueError(f"planes {tuple(hkl1)} and {tuple(hkl2)} are parallel: no zone axis")
    return reduced_indices(axis)  # type: ignore[return-value]


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    c = float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def plane_angle(crystal: Crystal, hkl1: Indices, hkl2: Indices) -> float:
    """Angle between the normals of two planes, degrees (0..180).

    Examples
    --------
    >>> round(plane_angle("NH4VO3", (1, 0, 0), (0, 1, 0)), 6)
    90.0
    """
    return _angle(plane_normal(crystal, hkl1), plane_normal(crystal, hkl2))


def direction_angle(crystal: Crystal, uvw1: Indices, uvw2: Indices) -> float:
    """Angle between two lattice directions, degrees (0..180).

    Examples
    --------
    >>> round(direction_angle("NVP", (1, 0, 0), (0, 1, 0)), 6)
    120.0
    """
    return _angle(direction_vector(crystal, uvw1), direction_vector(crystal, uvw2))


def plane_direction_angle(crystal: Crystal, hkl: Indices, uvw: Indices) -> float:
    """Angle between a plane's normal and a direction, degrees; 90 when [uvw] lies in (hkl)."""
    return _angle(plane_normal(crystal, hkl), direction_vector(crystal, uvw))


@dataclass(frozen=True)
class OrientationRelationship:
    """[direction_a] // [direction_b] and (plane_a) // (plane_b) between crystals a and b.

    Parameters
    ----------
    direction_a, direction_b : tuple of int
        Parallel directions, [uvw] or [UVTW].
    plane_a, plane_b : tuple of int
        Parallel planes, (hkl) or (hkil). For an interface, the interface plane.

    Examples
    --------
    >>> print(OrientationRelationship((0, 1, 2), (1, 2, -1), (1, 2, -1), (2, -1, 0)))
    [0 1 2]_a // [1 2 -1]_b, (1 2 -1)_a // (2 -1 0)_b
    """

    direction_a: tuple[int, ...]
    direction_b: tuple[int, ...]
    plane_a: tuple[int, ...]
    plane_b: tuple[int, ...]

    def __post_init__(self) -> None:
        for field in ("direction_a", "direction_b"):
            object.__setattr__(self, field, tuple(int(x) for x in getattr(self, field)))
            direction_indices(getattr(self, field))
        for field in ("plane_a", "plane_b"):
            object.__setattr__(self, field, tuple(int(x) for x in getattr(self, field)))
            plane_indices(getattr(self, field))

    def swapped(self) -> "OrientationRelationship":
        """The same relationship seen from crystal b."""
        return OrientationRelationship(self.direction_b, self.direction_a, self.plane_b, self.plane_a)

    def __str__(self) -> str:
        def fmt(v: tuple[int, ...]) -> str:
            return " ".join(str(x) for x in v)

        return (
            f"[{fmt(self.direction_a)}]_a // [{fmt(self.direction_b)}]_b, "
            f"({fmt(self.plane_a)})_a // ({fmt(self.plane_b)})_b"
        )


def orientation_frame(crystal: Crystal, uvw: Indices, hkl: Indices) -> np.ndarray:
    """Orthonormal frame (rows x, y, z) with x // [uvw] and z along the normal of (hkl).

    The normal is made orthogonal to [uvw] (Gram-Schmidt) when the direction is not exactly
    in the plane; y = z x x completes a right-handed frame.
    """
    x = direction_vector(crystal, uvw)
    x = x / np.linalg.norm(x)
    n = plane_normal(crystal, hkl)
    z = n - (n @ x) * x
    if np.linalg.norm(z) < 1e-8 * np.linalg.norm(n):
        raise ValueError(
            f"direction {tuple(uvw)} is parallel to the normal of {tuple(hkl)}: no frame"
        )
    z = z / np.linalg.norm(z)
    return np.array([x, np.cross(z, x), z])


def orientation_matrix(
    crystal_a: Crystal,
    crystal_b: Crystal,
    relationship: OrientationRelationship,
    *,
    angle_tol_deg: float = 1.0,
    require_in_plane: bool = True,
) -> np.ndarray:
    """Rotation that brings crystal b into crystal a's Cartesian frame under a relationship.

    ``R @ v_b`` is the Cartesian vector ``v_b`` of crystal b expressed in crystal a's frame:
    ``R @ direction_vector(b, direction_b)`` is parallel to ``direction_vector(a, direction_a)``
    and ``R @ plane_normal(b, plane_b)`` to ``plane_normal(a, plane_a)``.

    Parameters
    ----------
    crystal_a, crystal_b : phase name, ase.Atoms or ase.cell.Cell
    relationship : OrientationRelationship
    angle_tol_deg : float
        Largest allowed difference, degrees, between the direction-to-plane-normal angle in a
        and in b (the two pairs can only be parallel at once if these angles agree).
    require_in_plane : bool
        Refuse a direction that does not lie in its plane (zone law), the usual form of an
        epitaxial relationship (zone axis in the interface plane).

    Returns
    -------
    numpy.ndarray
        Proper rotation matrix (3, 3).

    Raises
    ------
    ValueError
        The relationship is inconsistent; the message gives the zone-law value or both angles.

    Examples
    --------
    >>> rel = OrientationRelationship((1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 0, 1))
    >>> np.allclose(orientation_matrix("NVP", "NZSP", rel), np.eye(3))
    True
    """
    rel = relationship
    if require_in_plane:
        for side, crystal, uvw, hkl in (
            ("a", crystal_a, rel.direction_a, rel.plane_a),
            ("b", crystal_b, rel.direction_b, rel.plane_b),
        ):
            value = zone_law(hkl, uvw)
            if value != 0:
                angle = plane_direction_angle(crystal, hkl, uvw)
                raise ValueError(
                    f"crystal {side}: direction {list(uvw)} does not lie in plane {tuple(hkl)} "
                    f"(zone law h u + k v + l w = {value}, not 0; angle to the normal "
                    f"{angle:.2f} deg, not 90). Give a direction in the plane, or pass "
                    "require_in_plane=False for a general relationship."
                )
    angle_a = plane_direction_angle(crystal_a, rel.plane_a, rel.direction_a)
    angle_b = plane_direction_angle(crystal_b, rel.plane_b, rel.direction_b)
    if abs(angle_a - angle_b) > angle_tol_deg:
        raise ValueError(
            f"inconsistent relationship {rel}: the angle between direction and plane normal is "
            f"{angle_a:.2f} deg in crystal a but {angle_b:.2f} deg in crystal b (tolerance "
            f"{angle_tol_deg} deg), so both pairs cannot be parallel at once"
        )
    frame_a = orientation_frame(crystal_a, rel.direction_a, rel.plane_a)
    frame_b = orientation_frame(crystal_b, rel.direction_b, rel.plane_b)
    return frame_a.T @ frame_b

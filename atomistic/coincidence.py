"""Coincidence of two lattices: 1D m:n relations, 2D coincidence cells, and the strain split.

1D (the paper's argument): m spacings d_sub of the substrate against n spacings d_epi of the
overgrowth leave the misfit

    delta = (m d_sub - n d_epi) / (m d_sub),

the paper's definition (Fig. 4, ref. 41). A 3:2 relation brings the ~30 % mismatch of
(1 2 -1) NH4VO3 / (2 -1 0) NVP to ~8 %.

2D (Zur & McGill, J. Appl. Phys. 55 (1984) 378): supercells of the two surface lattices with
nearly equal areas are enumerated (every sublattice of index i once, in Hermite normal form),
each basis is Lagrange-Gauss reduced, and two reduced cells match when their vector lengths
and angle agree within tolerances. With ``fixed_orientation`` (an orientation relationship
already fixes the in-plane rotation) the vectors themselves must agree, not just their
lengths.

Strain split: a coherent period L between the substrate's L_sub and the overgrowth's L_epi
strains them by eps_sub = L / L_sub - 1 and eps_epi = L / L_epi - 1. Minimising the elastic
energy per period, Y_sub eps_sub^2 L_sub + Y_epi eps_epi^2 L_epi (linear in the strains, equal
thickness), puts a share s = (Y_epi / L_epi) / (Y_sub / L_sub + Y_epi / L_epi) of the
difference on the substrate, L = L_sub + s (L_epi - L_sub); with equal stiffness this gives
equal and opposite strains.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import gcd

import numpy as np

__all__ = [
    "Coincidence",
    "CoincidenceCell",
    "MisfitSplit",
    "coincidence_cells",
    "coincidences",
    "split_misfit",
    "substrate_share",
]


@dataclass(frozen=True)
class Coincidence:
    """m spacings of the substrate against n of the overgrowth.

    Attributes
    ----------
    m, n : int
        Multiples of d_sub and d_epi.
    d_sub, d_epi : float
        Spacings, Å.

    Examples
    --------
    >>> c = Coincidence(3, 2, 3.1701, 4.3669)
    >>> round(100 * c.delta, 2)
    8.16
    """

    m: int
    n: int
    d_sub: float
    d_epi: float

    def __post_init__(self) -> None:
        for name in ("m", "n"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"Coincidence.{name} = {value}; allowed: integers >= 1")
        for name in ("d_sub", "d_epi"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Coincidence.{name} = {value}; allowed: > 0 Å")

    @property
    def delta(self) -> float:
        """Misfit (m d_sub - n d_epi) / (m d_sub), as a fraction."""
        return (self.m * self.d_sub - self.n * self.d_epi) / (self.m * self.d_sub)

    @property
    def period_sub(self) -> float:
        """m d_sub, Å."""
        return self.m * self.d_sub

    @property
    def period_epi(self) -> float:
        """n d_epi, Å."""
        return self.n * self.d_epi


def coincidences(
    d_sub: float,
    d_epi: float,
    max_multiple: int = 5,
    *,
    max_misfit: float | None = None,
) -> list[Coincidence]:
    """All coprime m:n relations with m, n <= max_multiple, sorted by |delta| (then by m).

    Parameters
    ----------
    d_sub, d_epi : float
        Spacings of substrate and overgrowth, Å.
    max_multiple : int
        Largest m and n.
    max_misfit : float, optional
        Keep only |delta| <= max_misfit (a fraction).

    Examples
    --------
    >>> best = coincidences(3.1701, 4.3669, max_multiple=3)[0]
    >>> best.m, best.n, round(best.delta, 4)
    (3, 2, 0.0816)
    """
    if max_multiple < 1:
        raise ValueError(f"max_multiple = {max_multiple}; allowed: >= 1")
    found = [
        Coincidence(m, n, d_sub, d_epi)
        for m in range(1, max_multiple + 1)
        for n in range(1, max_multiple + 1)
        if gcd(m, n) == 1
    ]
    if max_misfit is not None:
        found = [c for c in found if abs(c.delta) <= max_misfit]
    return sorted(found, key=lambda c: (abs(c.delta), c.m))


@dataclass(frozen=True)
class MisfitSplit:
    """How a coherent period shares the misfit between substrate and overgrowth.

    Attributes
    ----------
    substrate_share : float
        s in [0, 1]: 0 leaves the substrate unstrained, 1 the overgrowth.
    common_length : float
        The coherent period L, Å.
    strain_sub, strain_epi : float
        L / L_sub - 1 and L / L_epi - 1.
    """

    substrate_share: float
    common_length: float
    strain_sub: float
    strain_epi: float


def substrate_share(
    length_sub: float, length_epi: float, stiffness: tuple[float, float] = (1.0, 1.0)
) -> float:
    """Share of the misfit the substrate takes at minimum elastic energy (module docstring).

    ``stiffness`` = (Y_sub, Y_epi), any common unit (e.g. Young's moduli in GPa); equal
    stiffness gives equal and opposite strains.

    Examples
    --------
    >>> round(substrate_share(9.0, 10.0), 6) == round(9 / 19, 6)
    True
    """
    y_sub, y_epi = stiffness
    if y_sub <= 0 or y_epi <= 0:
        raise ValueError(f"stiffness = {stiffness}; allowed: two positive numbers")
    return (y_epi / length_epi) / (y_sub / length_sub + y_epi / length_epi)


def split_misfit(
    length_sub: float,
    length_epi: float,
    *,
    stiffness: tuple[float, float] = (1.0, 1.0),
    share: float | None = None,
) -> MisfitSplit:
    """Coherent period and the two strains for a substrate/overgrowth period pair.

    Parameters
    ----------
    length_sub, length_epi : float
        Unstrained periods (e.g. m d_sub and n d_epi), Å.
    stiffness : (float, float)
        (Y_sub, Y_epi) for the minimum-energy split; ignored when ``share`` is given.
    share : float, optional
        Substrate share s in [0, 1], given directly.

    Examples
    --------
    >>> s = split_misfit(10.0, 11.0)
    >>> round(s.strain_sub, 6) == round(-s.strain_epi, 6)
    True
    """
    if share is None:
        share = substrate_share(length_sub, length_epi, stiffness)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share = {share}; allowed: 0 <= share <= 1")
    common = length_sub + share * (length_epi - length_sub)
    return MisfitSplit(share, common, common / length_sub - 1.0, common / length_epi - 1.0)


@dataclass(frozen=True)
class CoincidenceCell:
    """A 2D coincidence cell of two surface lattices.

    Attributes
    ----------
    sub_matrix, epi_matrix : tuple of tuple of int
        2x2 integer matrices; their rows are the supercell vectors in units of the input
        bases (``sub_matrix @ sub_basis`` ~ ``epi_matrix @ epi_basis``), determinant > 0.
    area : float
        Area of the substrate supercell, Å^2.
    length_misfits : tuple of float
        (|p_k| - |q_k|) / |p_k| for the two supercell vectors p (substrate), q (overgrowth),
        the paper's delta along each vector.
    angle_misfit_deg : float
        Angle between the substrate vectors minus that between the overgrowth vectors, deg.
    rotation_deg : float
        In-plane rotation that brings the overgrowth's first vector onto the substrate's, deg.
    """

    sub_matrix: tuple[tuple[int, int], tuple[int, int]]
    epi_matrix: tuple[tuple[int, int], tuple[int, int]]
    area: float
    length_misfits: tuple[float, float]
    angle_misfit_deg: float
    rotation_deg: float

    @property
    def max_misfit(self) -> float:
        """Largest |length misfit|, a fraction."""
        return max(abs(x) for x in self.length_misfits)


@lru_cache(maxsize=None)
def _hermite_forms(index: int) -> tuple[np.ndarray, ...]:
    """Every 2x2 integer matrix [[a, b], [0, c]], a c = index, 0 <= b < c (one per sublattice)."""
    forms = []
    for a in range(1, index + 1):
        if index % a:
            continue
        c = index // a
        forms.extend(np.array([[a, b], [0, c]]) for b in range(c))
    return tuple(forms)


def _reduce(matrix: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Lagrange-Gauss reduction of the 2D lattice spanned by ``matrix @ basis``.

    Returns the integer matrix of the reduced basis (|u| <= |v|, |u.v| <= |u|^2 / 2,
    right-handed).
    """
    m = matrix.copy()
    for _ in range(100):
        u, v = m @ basis
        if u @ u > v @ v + 1e-12:
            m = m[::-1].copy()
            continue
        q = int(np.round((u @ v) / (u @ u)))
        if q == 0:
            break
        m[1] -= q * m[0]
    u, v = m @ basis
    if u[0] * v[1] - u[1] * v[0] < 0:
        m[1] *= -1
    return m


def _angle_between(u: np.ndarray, v: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(u[0] * v[1] - u[1] * v[0], u @ v)))


def coincidence_cells(
    sub_basis: np.ndarray,
    epi_basis: np.ndarray,
    *,
    max_area: float = 500.0,
    length_tol: float = 0.05,
    angle_tol_deg: float = 2.0,
    area_tol: float | None = None,
    fixed_orientation: bool = True,
) -> list[CoincidenceCell]:
    """2D coincidence cells of two surface lattices (Zur & McGill), smallest area first.

    Parameters
    ----------
    sub_basis, epi_basis : (2, 2) array
        Rows are the two in-plane lattice vectors of each surface, Å, in a common 2D frame
        (for ``fixed_orientation`` the frame the orientation relationship defines).
    max_area : float
        Largest supercell area searched, Å^2.
    length_tol : float
        Largest relative misfit of a supercell vector length.
    angle_tol_deg : float
        Largest misfit of the angle between the two supercell vectors (and, with
        ``fixed_orientation``, of the direction of each vector), degrees.
    area_tol : float, optional
        Largest relative area misfit of the two supercells (default 2 ``length_tol``).
    fixed_orientation : bool
        True: the vectors must coincide as they lie (orientation fixed). False: only lengths
        and angle must agree (Zur & McGill's rotation-free search).

    Returns
    -------
    list of CoincidenceCell
        Sorted by area, then by largest length misfit; a cell that is a supercell of a
        smaller match (the same integer multiple on both sides) is left out.

    Examples
    --------
    >>> square = lambda a: np.array([[a, 0.0], [0.0, a]])
    >>> cells = coincidence_cells(square(3.0), square(2.0), max_area=40)
    >>> cells[0].sub_matrix, cells[0].epi_matrix, round(cells[0].area, 6)
    (((2, 0), (0, 2)), ((3, 0), (0, 3)), 36.0)
    """
    s = np.asarray(sub_basis, dtype=float)
    e = np.asarray(epi_basis, dtype=float)
    if s.shape != (2, 2) or e.shape != (2, 2):
        raise ValueError(f"bases must be (2, 2) arrays of in-plane vectors, got {s.shape}, {e.shape}")
    area_s, area_e = abs(np.linalg.det(s)), abs(np.linalg.det(e))
    if area_s < 1e-9 or area_e < 1e-9:
        raise ValueError("a basis is degenerate (zero area)")
    area_tol = 2.0 * length_tol if area_tol is None else area_tol
    found: dict[tuple, CoincidenceCell] = {}
    for i in range(1, int(max_area / area_s) + 1):
        for j in range(1, int(max_area / area_e) + 1):
            if abs(i * area_s - j * area_e) > area_tol * i * area_s:
                continue
            reduced_e = [_reduce(h, e) for h in _hermite_forms(j)]
            for h_s in _hermite_forms(i):
                m_s = _reduce(h_s, s)
                for m_e in reduced_e:
                    match = _match(m_s, s, m_e, e, length_tol, angle_tol_deg, fixed_orientation)
                    if match is not None:
                        found.setdefault(match.sub_matrix + match.epi_matrix, match)
    kept: list[CoincidenceCell] = []
    for match in sorted(found.values(), key=lambda c: (round(c.area, 6), c.max_misfit)):
        if not any(_is_multiple(match, smaller) for smaller in kept):
            kept.append(match)
    return kept


def _is_multiple(big: CoincidenceCell, small: CoincidenceCell) -> bool:
    """True when ``big`` is a supercell of ``small`` on both sides (the same integer matrix)."""
    k_s = np.array(big.sub_matrix) @ np.linalg.inv(np.array(small.sub_matrix))
    k_e = np.array(big.epi_matrix) @ np.linalg.inv(np.array(small.epi_matrix))
    integer = np.allclose(k_s, np.round(k_s), atol=1e-8)
    return bool(integer and np.allclose(k_s, k_e, atol=1e-8))


def _as_tuple(m: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    return ((int(m[0, 0]), int(m[0, 1])), (int(m[1, 0]), int(m[1, 1])))


def _match(
    m_s: np.ndarray,
    s: np.ndarray,
    m_e: np.ndarray,
    e: np.ndarray,
    length_tol: float,
    angle_tol_deg: float,
    fixed: bool,
) -> CoincidenceCell | None:
    p, q = m_s @ s, m_e @ e
    if fixed:
        # The same lattice in another basis: q' = U q with U unimodular, nearest to p.
        u = np.round(p @ np.linalg.inv(q)).astype(int)
        if round(abs(np.linalg.det(u))) != 1:
            return None
        m_e = u @ m_e
        q = m_e @ e
    lengths_p = np.linalg.norm(p, axis=1)
    misfits = (lengths_p - np.linalg.norm(q, axis=1)) / lengths_p
    if np.max(np.abs(misfits)) > length_tol:
        return None
    angle_misfit = _angle_between(p[0], p[1]) - _angle_between(q[0], q[1])
    if abs(angle_misfit) > angle_tol_deg:
        return None
    rotation = _angle_between(q[0], p[0])
    if fixed and max(abs(rotation), abs(_angle_between(q[1], p[1]))) > angle_tol_deg:
        return None
    return CoincidenceCell(
        sub_matrix=_as_tuple(m_s),
        epi_matrix=_as_tuple(m_e),
        area=float(abs(np.linalg.det(p))),
        length_misfits=(float(misfits[0]), float(misfits[1])),
        angle_misfit_deg=float(angle_misfit),
        rotation_deg=float(rotation),
    )

"""Grains and initial microstructures.

A run has a fixed number of order-parameter slots (grains). Each slot has a
phase; the surroundings are one grain, the NZSP substrate (if any) one fixed
grain, and empty NVP slots wait for nucleation. Shapes are given in nm and
turned into equilibrium profiles eta = (1 - tanh(2 d / l)) / 2 of the signed
distance d (the flat-interface solution of :mod:`phasefield.model.free_energy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .phases import DENSITY, PHASES, SUBSTRATE, SURROUNDINGS, phase_index


@dataclass(frozen=True)
class Grain:
    """One order-parameter slot.

    Parameters
    ----------
    phase
        A name from :data:`phasefield.model.phases.PHASES`.
    orientation_deg
        In-plane rotation of the crystal frame, counter-clockwise from +x.
    fixed
        The grain never evolves (the NZSP substrate).
    """

    phase: str
    orientation_deg: float = 0.0
    fixed: bool = False

    def __post_init__(self) -> None:
        phase_index(self.phase)


@dataclass(frozen=True)
class Disc:
    """A disc (2D) or sphere (3D) of a grain."""

    center_nm: tuple[float, ...]
    radius_nm: float

    def distance(self, coords: np.ndarray) -> np.ndarray:
        c = np.asarray(self.center_nm, dtype=float)[: coords.shape[0], None]
        return np.sqrt(((coords - c) ** 2).sum(axis=0)) - self.radius_nm


@dataclass(frozen=True)
class Polygon:
    """A convex polygon given by its vertices (nm, counter-clockwise); 2D only."""

    vertices_nm: tuple[tuple[float, float], ...]

    def distance(self, coords: np.ndarray) -> np.ndarray:
        v = np.asarray(self.vertices_nm, dtype=float)
        edges = np.roll(v, -1, axis=0) - v
        normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        offsets = (normals * v).sum(axis=1)
        # max over half-planes: exact outside the edges' normal cones, a lower bound near corners.
        return (normals @ coords[:2] - offsets[:, None]).max(axis=0)


@dataclass(frozen=True)
class HalfSpace:
    """The points with coordinate[axis] below (or above) position_nm: a substrate, a flat interface."""

    position_nm: float
    axis: int = 1
    below: bool = True

    def distance(self, coords: np.ndarray) -> np.ndarray:
        d = coords[self.axis] - self.position_nm
        return d if self.below else -d


@dataclass(frozen=True)
class Union:
    """The union of several shapes (an irregular particle): the smallest signed distance."""

    parts: tuple[object, ...]

    def distance(self, coords: np.ndarray) -> np.ndarray:
        return np.min([part.distance(coords) for part in self.parts], axis=0)


@dataclass(frozen=True)
class Intersection:
    """The points inside all of several shapes (a disc cut by a plane): the largest signed distance."""

    parts: tuple[object, ...]

    def distance(self, coords: np.ndarray) -> np.ndarray:
        return np.max([part.distance(coords) for part in self.parts], axis=0)


@dataclass(frozen=True)
class Microstructure:
    """Grains and their shapes (the initial state of a scenario).

    Parameters
    ----------
    grains
        The shaped grains, in order; each is paired with a shape in ``shapes``.
    shapes
        :class:`Disc`, :class:`Polygon`, :class:`HalfSpace`, :class:`Union` or :class:`Intersection` per grain.
    empty_slots
        Phases of extra, initially empty slots (nuclei land there).
    """

    grains: tuple[Grain, ...]
    shapes: tuple[object, ...]
    empty_slots: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.grains) != len(self.shapes):
            raise ValueError(f"shapes has {len(self.shapes)} entries for {len(self.grains)} grains; allowed: one shape per grain")
        for g in self.grains:
            if g.phase == SURROUNDINGS:
                raise ValueError("grains: the surroundings grain is added automatically; allowed: condensed phases only")

    def all_grains(self) -> tuple[Grain, ...]:
        """Surroundings first, then the shaped grains, then the empty slots."""
        return (Grain(SURROUNDINGS), *self.grains, *(Grain(ph) for ph in self.empty_slots))


def profile(distance_nm: np.ndarray, width_nm: float) -> np.ndarray:
    """Equilibrium interface profile (1 - tanh(2 d / l)) / 2 of a signed distance."""
    return 0.5 * (1.0 - np.tanh(2.0 * distance_nm / width_nm))


def build_fields(micro: Microstructure, coords_nm: np.ndarray, width_nm: float) -> tuple[np.ndarray, np.ndarray]:
    """Order parameters (grains, cells) and densities n (species, cells) of a microstructure.

    Shapes are painted in order, later ones on top (eta_k = phi_k times the
    part not covered by later shapes); the surroundings fill what is left, so
    the order parameters sum to one. n is the local equilibrium value
    sum_alpha h_alpha rho^alpha (chemical potential zero).
    """
    grains = micro.all_grains()
    n = coords_nm.shape[1]
    eta = np.zeros((len(grains), n))
    uncovered = np.ones(n)
    for k in range(len(micro.shapes), 0, -1):
        phi = profile(micro.shapes[k - 1].distance(coords_nm), width_nm)
        eta[k] = phi * uncovered
        uncovered *= 1.0 - phi
    eta[0] = uncovered
    phase = np.array([PHASES.index(g.phase) for g in grains])
    e2 = eta**2
    rho = np.array([DENSITY[p] for p in PHASES])  # (phases, species)
    n = (rho[phase].T @ e2) / e2.sum(axis=0)
    return eta, n


def grain_phase_indices(grains: tuple[Grain, ...]) -> np.ndarray:
    return np.array([PHASES.index(g.phase) for g in grains])


def is_substrate(grains: tuple[Grain, ...]) -> np.ndarray:
    return np.array([g.fixed or g.phase == SUBSTRATE for g in grains])

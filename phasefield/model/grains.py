"""Grains and initial microstructures.

A run has a fixed number of order-parameter slots. Each slot has a phase and
holds one grain, or several grains of its phase apart from each other
(``Microstructure.slots``; :mod:`phasefield.model.tracking`); the surroundings
are one slot, the NZSP substrate (if any) one fixed slot, and empty NVP slots
wait for nucleation. Shapes are given in nm and
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
    slots
        Per shaped grain, the order-parameter slot it is painted into, numbered from 0 among
        the shaped grains' slots; grains sharing a slot must share its phase and be apart
        (each keeps its own orientation, :mod:`phasefield.model.tracking`). Empty: one slot
        per grain.
    """

    grains: tuple[Grain, ...]
    shapes: tuple[object, ...]
    empty_slots: tuple[str, ...] = field(default=())
    slots: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.grains) != len(self.shapes):
            raise ValueError(f"shapes has {len(self.shapes)} entries for {len(self.grains)} grains; allowed: one shape per grain")
        for g in self.grains:
            if g.phase == SURROUNDINGS:
                raise ValueError("grains: the surroundings grain is added automatically; allowed: condensed phases only")
        if self.slots:
            self._check_slots()

    def _check_slots(self) -> None:
        n = len(self.grains)
        if len(self.slots) != n or sorted(set(self.slots)) != list(range(max(self.slots) + 1)):
            raise ValueError(f"slots = {self.slots} is not allowed; allowed: one slot number per grain ({n}), numbered 0, 1, ... without gaps")
        for k, slot in enumerate(self.slots):
            first = self.grains[self.slots.index(slot)]
            if (self.grains[k].phase, self.grains[k].fixed) != (first.phase, first.fixed):
                raise ValueError(
                    f"slots: grain {k} ({self.grains[k].phase}) shares slot {slot} with a {first.phase} grain; allowed: grains of one phase per slot"
                )

    @property
    def slot_of_grain(self) -> tuple[int, ...]:
        """The slot index (in :meth:`all_grains`, the surroundings being 0) of each shaped grain."""
        return tuple(1 + s for s in (self.slots or range(len(self.grains))))

    @property
    def n_shaped_slots(self) -> int:
        return len(set(self.slot_of_grain))

    def all_grains(self) -> tuple[Grain, ...]:
        """One grain per slot: surroundings first, then the shaped grains' slots (the first grain
        painted into each gives its phase and orientation), then the empty slots."""
        first = {s: g for s, g in reversed(list(zip(self.slot_of_grain, self.grains)))}
        return (Grain(SURROUNDINGS), *(first[s] for s in sorted(first)), *(Grain(ph) for ph in self.empty_slots))


def profile(distance_nm: np.ndarray, width_nm: float) -> np.ndarray:
    """Equilibrium interface profile (1 - tanh(2 d / l)) / 2 of a signed distance."""
    return 0.5 * (1.0 - np.tanh(2.0 * distance_nm / width_nm))


def painted(micro: Microstructure, coords_nm: np.ndarray, width_nm: float) -> tuple[np.ndarray, np.ndarray]:
    """Each shaped grain's own order parameter (shaped grains, cells) and the uncovered rest (cells,).

    Shapes are painted in order, later ones on top (eta_k = phi_k times the
    part not covered by later shapes).
    """
    n = coords_nm.shape[1]
    own = np.zeros((len(micro.shapes), n))
    uncovered = np.ones(n)
    for k in range(len(micro.shapes) - 1, -1, -1):
        phi = profile(micro.shapes[k].distance(coords_nm), width_nm)
        own[k] = phi * uncovered
        uncovered *= 1.0 - phi
    return own, uncovered


def build_fields(micro: Microstructure, coords_nm: np.ndarray, width_nm: float) -> tuple[np.ndarray, np.ndarray]:
    """Order parameters (slots, cells) and densities n (species, cells) of a microstructure.

    Each slot holds the sum of its grains' painted fields (:func:`painted`); the
    surroundings fill what is left, so the order parameters sum to one. n is the
    local equilibrium value sum_alpha h_alpha rho^alpha (chemical potential zero).
    """
    grains = micro.all_grains()
    own, uncovered = painted(micro, coords_nm, width_nm)
    eta = np.zeros((len(grains), coords_nm.shape[1]))
    np.add.at(eta, list(micro.slot_of_grain), own)
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

"""Grain tracking: grains as connected regions of an order parameter, each with an identity.

A run has a few order-parameter slots; a slot may hold several grains of its phase
(:mod:`phasefield.model.reassignment` keeps them apart). This module says which grains
there are, and keeps each one's identity, phase and orientation from step to step,
whatever slot holds it. It follows MOOSE's GrainTracker (features flooded above a
threshold in each variable, matched between steps, remapped to another variable when two
on one variable come close; idaholab/moose,
modules/phase_field/src/postprocessors/GrainTrackerInterface.C: ``threshold``,
``halo_level``, ``remap_grains``, ``tolerate_failure``).

* A grain is a face-connected region of one slot where eta > ``grain_threshold``
  (its core; :func:`scipy.ndimage.label`). The box has zero-flux walls, not periodic ones,
  so regions do not wrap around it.
* Every cell of a slot belongs to the grain of that slot whose core is nearest
  (:func:`scipy.ndimage.distance_transform_edt`, a Voronoi partition): the interface
  tails too, so that the facet energy at any face reads the orientation of the grain it
  belongs to (:meth:`GrainTable.cell_orientation`), and a grain's area is the sum over
  its own cells.
* Matching after a step: each previous grain continues in the new core region that
  overlaps most of its cells. Several continuing in one region have merged: the one with
  the largest overlap keeps its identity, the others end (``merged_into``). A region that
  continues none is a new grain: a piece split off the grain it overlaps most (its phase
  and orientation), or a grain from nowhere (the slot's orientation). A previous grain
  that no region continues has vanished.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage


@dataclass
class GrainTable:
    """The tracked grains of a run and the cells each one owns (mutable run state).

    Ids start at 1; entry ``id - 1`` of each list describes grain ``id``.

    Attributes
    ----------
    owner
        (slots, cells): id of the grain each cell of each slot belongs to; 0 for none.
    distance
        (slots, cells): distance from each cell to the nearest grain core of the slot,
        in cells (inf in a slot without grains); derived from the cores, not stored.
    phase, orientation_deg, born_s, ended_s, merged_into
        Per grain: phase index, orientation [degree], time it appeared [s], time it
        ended [s] (NaN while alive), the grain it merged into (0: none).
    """

    owner: np.ndarray
    distance: np.ndarray
    phase: list[int] = field(default_factory=list)
    orientation_deg: list[float] = field(default_factory=list)
    born_s: list[float] = field(default_factory=list)
    ended_s: list[float] = field(default_factory=list)
    merged_into: list[int] = field(default_factory=list)

    @classmethod
    def empty(cls, slots: int, cells: int) -> "GrainTable":
        return cls(np.zeros((slots, cells), dtype=np.int64), np.full((slots, cells), np.inf))

    def new(self, phase: int, orientation_deg: float, time_s: float) -> int:
        """Register a grain; returns its id."""
        self.phase.append(int(phase))
        self.orientation_deg.append(float(orientation_deg))
        self.born_s.append(float(time_s))
        self.ended_s.append(math.nan)
        self.merged_into.append(0)
        return len(self.phase)

    def end(self, grain: int, time_s: float, merged_into: int = 0) -> None:
        self.ended_s[grain - 1] = float(time_s)
        self.merged_into[grain - 1] = int(merged_into)

    def alive(self) -> np.ndarray:
        """Ids of the grains not ended."""
        return np.flatnonzero(np.isnan(np.asarray(self.ended_s, dtype=float))) + 1

    def slot_of(self, grain: int) -> int:
        """The slot that holds a living grain."""
        return int(np.flatnonzero((self.owner == grain).any(axis=1))[0])

    def cell_orientation(self, slot_orientation_deg: np.ndarray) -> np.ndarray:
        """(slots, cells) orientation [degree] of the grain owning each cell; the slot's own where none does."""
        lookup = np.concatenate([[0.0], np.asarray(self.orientation_deg, dtype=float)])
        return np.where(self.owner > 0, lookup[self.owner], np.asarray(slot_orientation_deg, dtype=float)[:, None])

    def records(self) -> dict:
        """The per-grain lists as plain JSON-able data (NaN as None)."""
        ended = [None if math.isnan(t) else t for t in self.ended_s]
        return {"phase": self.phase, "orientation_deg": self.orientation_deg, "born_s": self.born_s, "ended_s": ended, "merged_into": self.merged_into}

    def to_json(self) -> str:
        return json.dumps(self.records())

    @classmethod
    def from_records(cls, owner: np.ndarray, records: dict) -> "GrainTable":
        """Rebuild a table from :meth:`records` and the owner map (the distances are recomputed by :func:`update`)."""
        ended = [math.nan if t is None else float(t) for t in records["ended_s"]]
        table = cls(np.asarray(owner, dtype=np.int64).copy(), np.full(owner.shape, np.inf))
        table.phase, table.orientation_deg = list(map(int, records["phase"])), list(map(float, records["orientation_deg"]))
        table.born_s, table.ended_s, table.merged_into = list(map(float, records["born_s"])), ended, list(map(int, records["merged_into"]))
        return table


def cores(eta_row: np.ndarray, shape: tuple[int, ...], threshold: float) -> tuple[np.ndarray, int]:
    """Face-connected regions of one slot where eta > threshold: labels (cells,) from 1, and their number."""
    labels, count = ndimage.label(_field(eta_row, shape) > threshold)
    return labels.ravel(), int(count)


def voronoi(ids_row: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Owner (the id of the nearest nonzero cell) and the distance to it [cells] of every cell of one slot."""
    ids = _field(ids_row, shape)
    if not ids.any():
        return np.zeros(ids_row.size, dtype=np.int64), np.full(ids_row.size, np.inf)
    distance, nearest = ndimage.distance_transform_edt(ids == 0, return_indices=True)
    return ids[tuple(nearest)].ravel(), distance.ravel()


def update(table: GrainTable, slot: int, eta_row: np.ndarray, shape: tuple[int, ...], threshold: float, phase: int,
           slot_orientation_deg: float, time_s: float) -> None:
    """Match the cores of one slot to its previous grains (module docstring) and rebuild its owner map."""
    labels, count = cores(eta_row, shape, threshold)
    previous = table.owner[slot]
    inside = (labels > 0) & (previous > 0)
    pairs, overlap = np.unique(np.stack([labels[inside], previous[inside]]), axis=1, return_counts=True)
    ids = np.zeros(count + 1, dtype=np.int64)
    continues = {}  # previous grain -> (overlap, region) where it continues
    for region, grain, n in zip(*pairs, overlap):
        if n > continues.get(grain, (0, 0))[0]:
            continues[int(grain)] = (int(n), int(region))
    by_region: dict[int, list[tuple[int, int]]] = {}
    for grain, (n, region) in continues.items():
        by_region.setdefault(region, []).append((n, grain))
    for region, grains in by_region.items():
        keeper = max(grains)[1]
        ids[region] = keeper
        for _, grain in grains:
            if grain != keeper:
                table.end(grain, time_s, merged_into=keeper)
    for region in range(1, count + 1):
        if ids[region]:
            continue
        mine = pairs[0] == region
        parent = int(pairs[1][mine][np.argmax(overlap[mine])]) if mine.any() else 0
        orientation = table.orientation_deg[parent - 1] if parent else slot_orientation_deg
        ids[region] = table.new(phase, orientation, time_s)
    for grain in np.setdiff1d(np.unique(previous), [0, *continues]):
        table.end(int(grain), time_s)
    table.owner[slot], table.distance[slot] = voronoi(ids[labels], shape)


def measures(owner: np.ndarray, eta: np.ndarray, coords_nm: np.ndarray, cell_measure: float, count: int) -> dict[str, np.ndarray]:
    """Per grain id 1..count: its slot (-1: not present), area (3D: volume) and centroid.

    A grain's measure is the sum over its own cells of eta_s^2 / sum_j eta_j^2 (as the
    slot measure ``grain_area``), times the cell measure; its centroid is the mean position
    with the same weights. NaN for grains not present.
    """
    e2 = eta**2
    weight = (e2 / np.maximum(e2.sum(axis=0), 1e-12)).ravel()
    ids = owner.ravel()
    area = np.bincount(ids, weight, minlength=count + 1)[1:] * cell_measure
    slot = np.full(count + 1, -1)
    for s, row in enumerate(owner):
        slot[np.unique(row)] = s
    slot = slot[1:]
    present = slot >= 0
    out = {"slot": slot, "area": np.where(present, area, np.nan)}
    for k in range(coords_nm.shape[0]):
        moment = np.bincount(ids, weight * np.tile(coords_nm[k], owner.shape[0]), minlength=count + 1)[1:] * cell_measure
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"centroid_{k}"] = np.where(present, moment / area, np.nan)
    return out


def close_pairs(owner_row: np.ndarray, distance_row: np.ndarray, shape: tuple[int, ...], reach_cells: float) -> dict[tuple[int, int], float]:
    """Pairs of grains of one slot whose cores come within ``reach_cells`` of each other, with that distance [cells].

    Where the Voronoi cells of grains a and b meet, neighbouring cells at distances d_a and d_b
    from their cores join the two cores by a path of d_a + 1 + d_b cells; the least over the
    meeting line is never below their distance between cell centres and, when no third
    grain's cell lies between them, at most a cell above it (tested). A pair with a third
    grain between them is found through the nearer pairs with it. O(cells) whatever the
    number of grains.
    """
    owner, distance = _field(owner_row, shape), _field(distance_row, shape)
    found: dict[tuple[int, int], float] = {}
    for axis in range(owner.ndim):
        lo, hi = _shifted(axis, owner.ndim)
        a, b = owner[lo], owner[hi]
        gap = distance[lo] + distance[hi] + 1.0
        meet = (a != b) & (a > 0) & (b > 0) & (gap < reach_cells)
        for x, y, g in zip(a[meet], b[meet], gap[meet]):
            key = (int(min(x, y)), int(max(x, y)))
            found[key] = min(found.get(key, math.inf), float(g))
    return found


def _shifted(axis: int, ndim: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    lo = [slice(None)] * ndim
    hi = [slice(None)] * ndim
    lo[axis], hi[axis] = slice(None, -1), slice(1, None)
    return tuple(lo), tuple(hi)


def _field(row: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Cells (FiPy numbers them x-fastest) -> an array of shape ([z,] y, x)."""
    return row.reshape(tuple(reversed(shape)))

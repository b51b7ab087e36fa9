"""Reassignment: grains of one slot that come close move to another slot before they touch.

Grains of one order parameter merge where they meet (one field has no boundary inside
it), so a run of few slots keeps many grains apart by moving them among the slots of
their phase, as MOOSE's GrainTracker remaps features among its variables when their halos
would overlap (idaholab/moose, GrainTrackerInterface.C: ``remap_grains``,
``halo_level``; ``tolerate_failure`` lets grains coalesce when no variable is free).

Rules (checked after every accepted step, :meth:`phasefield.numerics.stepping.Simulation.track`):

* Two grains of one slot whose cores (eta > ``grain_threshold``) come within
  ``reassignment_distance_widths`` interface widths of each other
  (:func:`phasefield.model.tracking.close_pairs`) are a close pair.
* Coalescence: a close pair whose orientations differ by at most
  ``merge_misorientation_deg`` (:func:`misorientation_deg`) is left to merge: one grain,
  the larger keeping its identity. Any other close pair is separated: the smaller grain
  (fewer core cells; the larger if the smaller finds no room) moves to the slot of its
  phase whose nearest core is farthest from it, if that is at least the same distance away.
* No such slot: the pair is logged once and counted (``n_unresolved_contacts``) and
  the two merge when they touch (MOOSE's ``tolerate_failure``).
* Grains that already sit in different slots keep the boundary between them when they
  meet, whatever their orientations.

A move (:func:`move`) swaps the values of the two slots in the cells nearer the moving
grain's core than to any other core of either slot (its own Voronoi cell, its interface
tail included). Both slots are of one phase, so every cell keeps the same set of values:
the phase fractions and the densities n are unchanged, and with them the V and P amounts
(the densities are not touched at all). What moves with the grain besides its own profile
is the tail of the other slot's grains in those cells, at least half the reassignment
distance from any core (eta < 1e-3 at the default 4 widths); the tail of the grain beyond
the Voronoi line stays behind. Both slots are then tracked again, so the grain keeps its
identity, phase and orientation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from . import tracking

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Move:
    """One reassignment: grain ``grain`` moved from slot ``source`` to slot ``target``; ``cells`` were swapped."""

    grain: int
    source: int
    target: int
    cells: int


def misorientation_deg(a: float, b: float) -> float:
    """Smallest rotation between two in-plane orientations [degree], in [0, 180] (no crystal symmetry applied)."""
    d = abs(float(a) - float(b)) % 360.0
    return min(d, 360.0 - d)


def room(table: tracking.GrainTable, grain: int, source: int, target: int) -> float:
    """Distance [cells] from the core of ``grain`` (in ``source``) to the nearest core of slot ``target`` (inf: none)."""
    core = (table.owner[source] == grain) & (table.distance[source] == 0.0)
    return float(table.distance[target][core].min(initial=np.inf))


def move(eta: np.ndarray, table: tracking.GrainTable, grain: int, source: int, target: int) -> np.ndarray:
    """Swap ``eta[source]`` and ``eta[target]`` where ``grain`` is nearer than any core of either slot (in place).

    Returns the swapped cells; the owner maps give them to ``grain`` in ``target``, and
    every cell ``grain`` owned in ``source`` to nobody (:func:`phasefield.model.tracking.update` then
    rebuilds both).
    """
    mine = table.owner[source] == grain
    cells = mine & (table.distance[source] < table.distance[target])
    held = eta[source, cells]
    eta[source, cells] = eta[target, cells]
    eta[target, cells] = held
    table.owner[source, mine] = 0  # also where a grain of the target is nearer: the grain has left the slot
    table.owner[target, cells] = grain
    return cells


def next_move(
    table: tracking.GrainTable,
    slot: int,
    partners: list[int],
    shape: tuple[int, ...],
    reach_cells: float,
    tolerance_deg: float,
) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
    """The first move that separates a close pair of ``slot`` (module docstring), closest pair first.

    ``partners`` are the other slots of the phase a grain may move to. Returns
    ``(grain, target)`` or None, and the close pairs met before it that are left to merge
    for want of room, as ``(a, b)``. A move changes the distances: apply it (:func:`move`,
    then track both slots) and ask again.
    """
    pairs = tracking.close_pairs(table.owner[slot], table.distance[slot], shape, reach_cells)
    stuck = []
    for (a, b), _ in sorted(pairs.items(), key=lambda item: item[1]):
        if misorientation_deg(table.orientation_deg[a - 1], table.orientation_deg[b - 1]) <= tolerance_deg:
            continue  # coalescence: they merge
        size = {g: int(((table.owner[slot] == g) & (table.distance[slot] == 0.0)).sum()) for g in (a, b)}
        for grain in sorted((a, b), key=lambda g: (size[g], g)):
            rooms = {t: room(table, grain, slot, t) for t in partners}
            target = max(rooms, key=lambda t: (rooms[t], -t), default=None)
            if target is not None and rooms[target] >= reach_cells:
                return (grain, target), stuck
        stuck.append((a, b))
    return None, stuck

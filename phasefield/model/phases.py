"""The phases of the NVP reaction and their composition.

The conserved field ``c`` is the NaH2PO4 fraction of the precursor units
(DESIGN.md section 1): the reaction 2 NH4VO3 + 3 NaH2PO4 -> Na3V2(PO4)3 puts
3/5 of NaH2PO4 units into NVP, and the as-infiltrated amorphous precursor has
the same ratio. The surroundings (vacuum or support film) and the NZSP
substrate carry no precursor units (c = 0, no diffusion through them).

Every condensed phase is assumed to hold the same number of precursor units per
volume; that is what makes ``c`` a volume fraction and the V inventory
``(1 - c)`` a diagnostic rather than a conserved quantity.
"""

from __future__ import annotations

PHASES: tuple[str, ...] = ("surroundings", "amorphous", "NH4VO3", "NaH2PO4", "NVP", "NZSP")
"""Phase labels, in the order of the ``phase`` coordinate of every output."""

SURROUNDINGS = "surroundings"
SUBSTRATE = "NZSP"

COMPOSITION: dict[str, float] = {
    "surroundings": 0.0,
    "amorphous": 3.0 / 5.0,
    "NH4VO3": 0.0,
    "NaH2PO4": 1.0,
    "NVP": 3.0 / 5.0,
    "NZSP": 0.0,
}
"""Equilibrium NaH2PO4 fraction c of each phase."""

V_CONTENT: dict[str, float] = {
    "surroundings": 0.0,
    "amorphous": 2.0 / 5.0,
    "NH4VO3": 1.0,
    "NaH2PO4": 0.0,
    "NVP": 2.0 / 5.0,
    "NZSP": 0.0,
}
"""V atoms per precursor unit (the NH4VO3 fraction, 1 - c, of each phase)."""

V_VALENCE: dict[str, float] = {"amorphous": 5.0, "NH4VO3": 5.0, "NVP": 3.0}
"""Nominal V oxidation state (paper Fig. 1t, EELS: +5 in the precursor, +3 in NVP)."""


def phase_index(name: str) -> int:
    """Index of a phase in :data:`PHASES`.

    >>> phase_index("NVP")
    4
    """
    try:
        return PHASES.index(name)
    except ValueError:
        raise ValueError(f"phase = {name!r} is unknown; allowed: {', '.join(PHASES)}") from None


def pair_key(a: str, b: str) -> str:
    """Canonical key "A/B" of an unordered phase pair (order of :data:`PHASES`).

    >>> pair_key("NVP", "NH4VO3")
    'NH4VO3/NVP'
    """
    ia, ib = phase_index(a), phase_index(b)
    return f"{a}/{b}" if ia <= ib else f"{b}/{a}"


def parse_pair_key(key: str) -> str:
    """Validate and canonicalise a pair key written "A/B" in any order."""
    parts = key.split("/")
    if len(parts) != 2:
        raise ValueError(f"phase pair = {key!r} is malformed; allowed: 'A/B' with A, B in {', '.join(PHASES)}")
    return pair_key(parts[0].strip(), parts[1].strip())

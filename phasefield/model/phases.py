"""The phases of the NVP reaction, what they are made of, and the conserved species.

Two conserved species (:data:`SPECIES`): the V-bearing precursor unit (NH4VO3
carries one) and the P-bearing unit (NaH2PO4 carries one). Their number
densities ``n_V``, ``n_P`` are counted per volume of a condensed phase full of
precursor units (DESIGN.md section 1: every condensed phase is assumed to hold
the same number of units per volume, so a condensed phase has n_V + n_P = 1 at
equilibrium). The reaction 2 NH4VO3 + 3 NaH2PO4 -> Na3V2(PO4)3 puts V and P into
NVP in the ratio 2:3 (n_V = 2/5, n_P = 3/5); the as-infiltrated amorphous
precursor has the same ratio. The surroundings (vacuum or support film) and the
NZSP substrate hold none. ``composition`` (the NaH2PO4 fraction of the units,
the former conserved field c) and ``v_content`` are the equilibrium n_P and n_V
of a phase.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SURROUNDINGS_ROLE = "surroundings"
SUBSTRATE_ROLE = "substrate"
CONDENSED_ROLE = "condensed"
ROLES = (SURROUNDINGS_ROLE, SUBSTRATE_ROLE, CONDENSED_ROLE)


@dataclass(frozen=True)
class ChemicalEnergy:
    """Bulk free energy g(T) of a phase relative to the precursors, linear in T [J/m^3].

    g = dS (T0 - T) (``stable_above``: favourable above T0) or g = dS (T - T0)
    (unfavourable above T0), with dS and T0 the :class:`ModelParameters` fields named
    by ``entropy`` [J/(m^3 K)] and ``temperature`` [K].
    """

    entropy: str
    temperature: str
    stable_above: bool

    def __call__(self, params: Any, temperature_K: float) -> float:
        dS, T0 = getattr(params, self.entropy), getattr(params, self.temperature)
        return dS * (T0 - temperature_K) if self.stable_above else dS * (temperature_K - T0)


@dataclass(frozen=True)
class Phase:
    """One phase: what every table, index and output about phases derives from.

    Attributes
    ----------
    name
        Label (the ``phase`` coordinate of every output, keys of parameter tables).
    composition
        Equilibrium NaH2PO4 fraction c.
    v_content
        V atoms per precursor unit (the NH4VO3 fraction, 1 - c, of a precursor phase).
    v_valence
        Nominal V oxidation state (0 for a phase without V).
    chemical_energy
        g(T) relative to the precursors; None: 0 (a precursor, the substrate, the surroundings).
    role
        "condensed", "substrate" (never moves) or "surroundings" (vacuum or support film).
    """

    name: str
    composition: float
    v_content: float = 0.0
    v_valence: float = 0.0
    chemical_energy: ChemicalEnergy | None = None
    role: str = CONDENSED_ROLE


@dataclass(frozen=True)
class NucleationRoles:
    """Which phase nucleates where: ``product`` at ``parent``/``partner`` contacts; the
    ``parent`` grain under a nucleus lends it its orientation (epitaxy)."""

    product: str
    parent: str
    partner: str


@dataclass(frozen=True)
class PhaseRegistry:
    """The phases in output order, and the nucleation roles among them."""

    phases: tuple[Phase, ...]
    nucleation: NucleationRoles

    def __post_init__(self) -> None:
        names = self.names
        if len(set(names)) != len(names):
            raise ValueError(f"phases: duplicate names in {', '.join(names)}")
        for ph in self.phases:
            if ph.role not in ROLES:
                raise ValueError(f"phase {ph.name}: role = {ph.role!r} is not allowed; allowed: {', '.join(ROLES)}")
            if not (0.0 <= ph.composition <= 1.0 and 0.0 <= ph.v_content <= 1.0):
                raise ValueError(f"phase {ph.name}: composition and v_content must lie in [0, 1]")
        if [ph.role for ph in self.phases].count(SURROUNDINGS_ROLE) != 1:
            raise ValueError("phases: exactly one phase must be the surroundings")
        if [ph.role for ph in self.phases].count(SUBSTRATE_ROLE) > 1:
            raise ValueError("phases: at most one phase may be the substrate")
        for name in (self.nucleation.product, self.nucleation.parent, self.nucleation.partner):
            if name not in names:
                raise ValueError(f"nucleation: phase {name!r} is unknown; allowed: {', '.join(names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(ph.name for ph in self.phases)

    def __getitem__(self, name: str) -> Phase:
        return self.phases[self.index(name)]

    def __len__(self) -> int:
        return len(self.phases)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"phase = {name!r} is unknown; allowed: {', '.join(self.names)}") from None

    def _with_role(self, role: str) -> str:
        return next((ph.name for ph in self.phases if ph.role == role), "")

    @property
    def surroundings(self) -> str:
        return self._with_role(SURROUNDINGS_ROLE)

    @property
    def substrate(self) -> str:
        """The substrate phase ("" if there is none)."""
        return self._with_role(SUBSTRATE_ROLE)

    @property
    def condensed(self) -> tuple[str, ...]:
        """Phases that are neither surroundings nor substrate."""
        return tuple(ph.name for ph in self.phases if ph.role == CONDENSED_ROLE)

    def with_phase(self, phase: Phase) -> "PhaseRegistry":
        """A registry with ``phase`` appended (existing indices, and old files, keep their meaning)."""
        return replace(self, phases=(*self.phases, phase))

    def chemical_energies_J_m3(self, params: Any, temperature_K: float) -> list[float]:
        """g(T) of every phase, in order [J/m^3]."""
        return [0.0 if ph.chemical_energy is None else ph.chemical_energy(params, temperature_K) for ph in self.phases]


REGISTRY = PhaseRegistry(
    phases=(
        Phase("surroundings", composition=0.0, role=SURROUNDINGS_ROLE),
        Phase(
            "amorphous",
            composition=3.0 / 5.0,
            v_content=2.0 / 5.0,
            v_valence=5.0,
            chemical_energy=ChemicalEnergy("crystallization_entropy_J_m3K", "crystallization_temperature_K", stable_above=False),
        ),
        Phase("NH4VO3", composition=0.0, v_content=1.0, v_valence=5.0),
        Phase("NaH2PO4", composition=1.0),
        Phase(
            "NVP",
            composition=3.0 / 5.0,
            v_content=2.0 / 5.0,
            v_valence=3.0,
            chemical_energy=ChemicalEnergy("reaction_entropy_J_m3K", "critical_temperature_K", stable_above=True),
        ),
        Phase("NZSP", composition=0.0, role=SUBSTRATE_ROLE),
    ),
    nucleation=NucleationRoles(product="NVP", parent="NH4VO3", partner="NaH2PO4"),
)
"""The phases of the model. V valence: paper Fig. 1t, EELS (+5 in the precursor, +3 in NVP).
Adding a phase: append a :class:`Phase` here (never insert: the ``phase`` coordinate and the
``phase_map`` flag values of old files keep their meaning) plus its parameter data (pair
energies and mobilities fall back to the defaults; a diffusivity in ``_DEFAULT_DIFFUSIVITIES``)."""

SPECIES: tuple[str, ...] = ("V", "P")
"""The conserved species, in the order of the ``species`` axis of ``n``: V-bearing and
P-bearing precursor units."""

PHASES: tuple[str, ...] = REGISTRY.names
"""Phase labels, in the order of the ``phase`` coordinate of every output."""

SURROUNDINGS = REGISTRY.surroundings
SUBSTRATE = REGISTRY.substrate

DENSITY: dict[str, tuple[float, float]] = {ph.name: (ph.v_content, ph.composition) for ph in REGISTRY.phases}
"""Equilibrium (n_V, n_P) of each phase, in the order of :data:`SPECIES`."""

V_VALENCE: dict[str, float] = {ph.name: ph.v_valence for ph in REGISTRY.phases if ph.v_content > 0}
"""Nominal V oxidation state of the phases that hold V."""


def phase_index(name: str) -> int:
    """Index of a phase in :data:`PHASES`.

    >>> phase_index("NVP")
    4
    """
    return REGISTRY.index(name)


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

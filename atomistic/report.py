"""The crystal report: the paper's numbers beside what the lattices and structures give.

Backs the console command ``nvp-growth crystal-report [--cif PHASE=PATH ...]``. Every number
carries the status of its input (read / not re-read / model / user CIF); where the lattice
disagrees with the paper the report says so, and nothing is tuned to the paper.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .coincidence import coincidences, split_misfit
from .crystallography import (
    OrientationRelationship,
    d_spacing,
    orientation_matrix,
    plane_direction_angle,
    plane_indices,
    reduced_indices,
    zone_law,
)
from .crystals import Crystal, MissingAtomsError, bulk, phase_record, phases
from .facets import effective_d_spacing, facet_traces
from .overlap import OverlapResult, site_overlap
from .paper import (
    NAH2PO4_NVP,
    NH4VO3_NVP,
    PAPER_COINCIDENCE,
    PAPER_MISFIT_PLANES,
    PAPER_RAW_MISMATCH,
    PAPER_SPACINGS,
    PAPER_STRAINS,
)
from .symmetry import allowed_reflections, symmetry_operations
from .xrd import powder_xrd

__all__ = ["crystal_report"]

#: Relative difference above which a number is reported as disagreeing with the paper.
AGREE_TOL = 0.01


def _idx(v: tuple[int, ...] | np.ndarray) -> str:
    return " ".join(str(int(x)) for x in v)


def _status(name: str, cifs: Mapping[str, object]) -> str:
    if name in cifs:
        return "user CIF"
    return phase_record(name).cell_status


def _cell(name: str, cifs: Mapping[str, str | os.PathLike[str]]) -> Crystal:
    """The lattice to use: the user's CIF structure if given, else the bundled lattice."""
    return bulk(name, cif=cifs[name]) if name in cifs else name


def _sources(cifs: Mapping[str, str | os.PathLike[str]]) -> list[str]:
    out = ["Sources and status", "------------------"]
    for name in phases():
        rec = phase_record(name)
        a, b, c, al, be, ga = rec.cellpar
        out.append(
            f"{name:<13} {rec.spacegroup_symbol} (No. {rec.spacegroup}); a = {a}, b = {b}, c = {c} Å, "
            f"alpha = {al}, beta = {be}, gamma = {ga} deg"
        )
        checked = "checked against source" if rec.cell_checked else "NOT checked against source"
        out.append(f"    cell: {rec.cell_status} ({checked}): {rec.cell_source}")
        out.append(f"    atoms: {rec.atoms_description}")
        if name in cifs:
            out.append(f"    user CIF given: {os.fspath(cifs[name])} (used instead of the bundled data)")
    return out


def _spacings(cifs: Mapping[str, str | os.PathLike[str]]) -> list[str]:
    out = ["", "d-spacings (paper's HRTEM values vs the lattices)", "-" * 49]
    out.append(f"{'quantity':<22}{'paper':>9}{'lattice':>10}{'diff':>9}  status / verdict")
    for spacing in PAPER_SPACINGS:
        crystal = _cell(spacing.phase, cifs)
        d = d_spacing(crystal, spacing.hkl)
        diff = (d - spacing.d) / spacing.d
        verdict = "agrees" if abs(diff) <= AGREE_TOL else "DISAGREES"
        out.append(
            f"d({_idx(spacing.hkl)}) {spacing.phase:<{13 - len(_idx(spacing.hkl))}}"
            f"{spacing.d:>9.3f}{d:>10.4f}{100 * diff:>8.1f}%  "
            f"cell {_status(spacing.phase, cifs)}; {verdict}"
        )
        if verdict == "DISAGREES":
            table = powder_xrd(crystal, 90.0)
            near = table.iloc[np.argsort(np.abs(table["d"] - spacing.d).to_numpy())[:3]]
            listed = ", ".join(f"({r.h} {r.k} {r.l}) {r.d:.3f}" for r in near.itertuples())
            out.append(f"    {spacing.where}; allowed reflections nearest {spacing.d} Å: {listed} Å")
    out.append("(Å; 'diff' = (lattice - paper) / paper; the paper gives one significant digit less)")
    return out


def _misfit(cifs: Mapping[str, str | os.PathLike[str]]) -> list[str]:
    (sub, sub_plane), (epi, epi_plane) = PAPER_MISFIT_PLANES
    d_sub = d_spacing(_cell(sub, cifs), sub_plane)
    d_epi = d_spacing(_cell(epi, cifs), epi_plane)
    out = ["", f"Misfit of ({_idx(sub_plane)}) {sub} / ({_idx(epi_plane)}) {epi}", "-" * 40]
    out.append(
        f"d_sub = {d_sub:.4f} Å (cell {_status(sub, cifs)}), d_epi = {d_epi:.4f} Å (cell {_status(epi, cifs)})"
    )
    raw_sub = (d_sub - d_epi) / d_sub
    raw_epi = (d_epi - d_sub) / d_epi
    out.append(
        f"raw mismatch (d_sub - d_epi)/d_sub = {100 * raw_sub:.1f} %, (d_epi - d_sub)/d_epi = "
        f"{100 * raw_epi:.1f} %; paper: about {100 * PAPER_RAW_MISMATCH:.0f} % (it does not say which)"
    )
    out.append("best m:n coincidences (m, n <= 5), delta = (m d_sub - n d_epi)/(m d_sub):")
    out.append(f"    {'m:n':<6}{'delta':>9}{'m d_sub':>10}{'n d_epi':>10}")
    found = coincidences(d_sub, d_epi, max_multiple=5)
    for c in found[:5]:
        out.append(f"    {f'{c.m}:{c.n}':<6}{100 * c.delta:>8.2f}%{c.period_sub:>10.3f}{c.period_epi:>10.3f}")
    m, n, delta_paper = PAPER_COINCIDENCE
    paper = next(c for c in found if (c.m, c.n) == (m, n))
    rank = found.index(paper) + 1
    rank_short = [(c.m, c.n) for c in coincidences(d_sub, d_epi, max_multiple=max(m, n))].index((m, n)) + 1
    verdict = "agrees" if abs(paper.delta - delta_paper) <= 0.1 * abs(delta_paper) else "DISAGREES"
    out.append(
        f"the paper's {m}:{n}: delta = {100 * paper.delta:.2f} % vs paper ~{100 * delta_paper:.1f} % "
        f"({verdict}); it ranks {rank} by |delta| for m, n <= 5 and {rank_short} for m, n <= {max(m, n)}."
    )
    split = split_misfit(paper.period_sub, paper.period_epi)
    out.append(
        f"strain split of the {m}:{n} period, equal stiffness: {sub} {100 * split.strain_sub:+.2f} %, "
        f"{epi} {100 * split.strain_epi:+.2f} %; paper (from its images): "
        + ", ".join(f"{k} {100 * v:.1f} %" for k, v in PAPER_STRAINS.items())
    )
    if rank > 1:
        best = found[0]
        out.append(
            f"    note: {best.m}:{best.n} gives a smaller |delta| ({100 * best.delta:.2f} %) over a longer "
            f"period ({best.period_sub:.2f} Å vs {paper.period_sub:.2f} Å); the paper does not discuss it."
        )
    return out


def _relationship(name_a: str, name_b: str, rel: OrientationRelationship, cifs: Mapping) -> list[str]:
    out = [f"{name_a} / {name_b}: {rel}".replace("_a", f"_{name_a}").replace("_b", f"_{name_b}")]
    for name, uvw, hkl in ((name_a, rel.direction_a, rel.plane_a), (name_b, rel.direction_b, rel.plane_b)):
        value = zone_law(hkl, uvw)
        angle = plane_direction_angle(_cell(name, cifs), hkl, uvw)
        mark = "holds" if value == 0 else "FAILS"
        out.append(
            f"    zone law: [{_idx(uvw)}] in ({_idx(hkl)}) {name}: h u + k v + l w = {value} ({mark}; "
            f"angle to the plane normal {angle:.2f} deg)"
        )
        out.extend(_absence_note(name, hkl, cifs))
    try:
        orientation_matrix(_cell(name_a, cifs), _cell(name_b, cifs), rel)
        out.append("    the two pairs are consistent: a rotation exists")
    except ValueError as err:
        out.append(f"    INCONSISTENT: {err}")
    return out


def _absence_note(name: str, hkl: tuple[int, ...], cifs: Mapping) -> list[str]:
    crystal = _cell(name, cifs)
    rotations, translations = symmetry_operations(crystal)
    h = plane_indices(hkl)
    if allowed_reflections(h[None, :], rotations, translations)[0]:
        return []
    base = np.array(reduced_indices(h))
    d_eff = effective_d_spacing(crystal, tuple(base))
    order = round(d_spacing(crystal, tuple(base)) / d_eff)
    return [
        f"    note: ({_idx(h)}) is systematically absent in {phase_record(name).spacegroup_symbol}; "
        f"as a plane orientation it is ({_idx(base)}), whose first allowed reflection is "
        f"({_idx(order * base)}) at d = {d_eff:.4f} Å"
    ]


def _overlap_line(r: OverlapResult) -> str:
    """Fraction, counts, and whether it beats uncorrelated sites (the anchor always matches)."""
    expected = r.random_fraction * (r.n_sites - 1)
    beyond = (r.n_matched - 1) > expected + 2.0 * np.sqrt(expected) + 1.0
    verdict = "above chance" if beyond else "not above chance"
    return (
        f"{r.fraction:.3f} ({r.n_matched}/{r.n_sites}, anchor included), "
        f"random {r.random_fraction:.3f}: {verdict}"
    )


def _overlaps(cifs: Mapping[str, str | os.PathLike[str]]) -> list[str]:
    out = ["", "V-site overlap (module atomistic.overlap: fraction of a's sites with a site of b within", "r_tol = 0.5 Å, best anchor, 4x4x4 cells of a; 'random' = uncorrelated expectation)", "-" * 60]
    try:
        sub = bulk("NH4VO3", cif=cifs.get("NH4VO3"))
        epi = bulk("NVP", cif=cifs.get("NVP"))
        for projected in (False, True):
            r = site_overlap(sub, epi, NH4VO3_NVP, projected=projected)
            view = "columns down [0 1 2]" if projected else "3D"
            out.append(f"NH4VO3 V / NVP V ({view}): {_overlap_line(r)}")
        out.append(f"    {r.description}")
        out.append("    paper (Fig. 4d): V positions 'almost overlapped'")
    except MissingAtomsError:
        out.append(
            "NH4VO3 V / NVP V: not computed: needs an NH4VO3 CIF (no NH4VO3 coordinates are bundled). "
            "Pass one: nvp-growth crystal-report --cif NH4VO3=path/to/NH4VO3.cif, or "
            "atomistic.crystal_report({'NH4VO3': path})"
        )
    epi = bulk("NVP", cif=cifs.get("NVP"))
    for projected in (False, True):
        r = site_overlap("NaH2PO4", epi, NAH2PO4_NVP, species_a="lattice", projected=projected)
        view = "columns down [-3 2 1]" if projected else "3D"
        out.append(f"NaH2PO4 lattice points / NVP V ({view}): {_overlap_line(r)}")
    out.append(
        "    lattice points = the Bravais lattice of NaH2PO4 (P21/c: one per cell); the paper's Fig. S6 "
        "points were chosen from its O/Na pattern (CrystalMaker), so this is a reproducible analogue, not the same set"
    )
    model = " (model)" if epi.info.get("model") else ""
    out.append(f"    NVP V sites{model}: {epi.info.get('source', '')}")
    return out


def _lowest(traces: list) -> set[tuple[int, ...]]:
    return {t.hkl for t in traces if t.relative_energy < 1.0 + 1e-9}


def _facets(cifs: Mapping[str, str | os.PathLike[str]]) -> list[str]:
    out = ["", "Facets seen down the paper's zone axes (lattice-only Donnay-Harker estimate, gamma ~ 1/d_eff)", "-" * 60]
    found = {}
    for name, zone in (("NH4VO3", (0, 1, 1)), ("NH4VO3", (0, 1, 2)), ("NVP", (1, 2, -1))):
        traces = facet_traces(_cell(name, cifs), zone, max_index=2)
        found[name, zone] = traces
        pairs = sorted(
            {(round(t.relative_energy, 6), max(t.hkl, tuple(-x for x in t.hkl))) for t in traces}
        )
        listed = ", ".join(f"+-({_idx(h)}) {e:.2f}" for e, h in pairs[:5])
        out.append(f"{name} [{_idx(zone)}]: {listed}")
    flat_100 = all((1, 0, 0) in _lowest(found["NH4VO3", zone]) for zone in ((0, 1, 1), (0, 1, 2)))
    rough = next(t for t in found["NH4VO3", (0, 1, 2)] if t.hkl == (1, -2, 1)).relative_energy
    verdict = "agrees" if flat_100 and rough > 1.0 else "DISAGREES"
    out.append(
        "    paper: NH4VO3 shows flat (100) at [011] and [012] and a rough, high-energy (1 -2 1). "
        f"Estimate: (100) lowest at both: {flat_100}; (1 -2 1) at {rough:.2f} x the lowest: {verdict}"
    )
    return out


def crystal_report(cifs: Mapping[str, str | os.PathLike[str]] | None = None) -> str:
    """The paper's crystallographic numbers beside what the lattices and structures give.

    Parameters
    ----------
    cifs : mapping, optional
        Phase name -> CIF path (e.g. ``{"NH4VO3": "NH4VO3.cif"}``); a listed phase is read
        from its CIF and used instead of the bundled lattice/atoms, which enables the NH4VO3/NVP
        V-site overlap.

    Returns
    -------
    str
        The report: sources and status of every input, d-spacings, the (1 2 -1)/(2 -1 0)
        mismatch and coincidences, the zone-law check of both orientation relationships, the
        V-site overlaps (or which CIF they need), facet estimates.

    Raises
    ------
    CifError
        A CIF path that is missing, a directory, or not a readable CIF with atoms; every CIF
        is read before the report starts.
    """
    cifs = dict(cifs or {})
    for name, path in cifs.items():
        bulk(name, cif=path)  # refuse a bad file before any work
    unknown = sorted(set(cifs) - set(phases()))
    lines = ["NVP growth: crystallographic report (atomistic)", "=" * 47]
    if unknown:
        lines.append(f"(ignored CIFs for phases the report does not use: {', '.join(unknown)})")
    lines += _sources(cifs)
    lines += _spacings(cifs)
    lines += _misfit(cifs)
    lines += ["", "Orientation relationships (zone law)", "-" * 36]
    lines += _relationship("NH4VO3", "NVP", NH4VO3_NVP, cifs)
    lines += _relationship("NaH2PO4", "NVP", NAH2PO4_NVP, cifs)
    lines += _overlaps(cifs)
    lines += _facets(cifs)
    lines += [
        "",
        "Status: 'read' = number read in the cited source; 'not re-read' = literature value whose source "
        "was not re-read; 'model' = built by substitution on the read Na4Zr2Si3O12 framework; "
        "'user CIF' = from the file given.",
    ]
    return "\n".join(lines)

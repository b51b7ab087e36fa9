"""Atoms of a snapshot (phasefield.export.atoms): grains filled with their crystals, checked
against independent computations (the Dataset's own ownership map, bulk distances, a lattice
recovered from the exported atoms alone, its powder pattern, the facet angles of the runs)."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest
from pymatgen.core import Composition
from scipy.ndimage import distance_transform_edt
from scipy.spatial import cKDTree

import atomistic
from ase import Atoms
from phasefield import ParameterError
from phasefield.export.atoms import snapshot_atoms, write_atoms
from scenarios.facets import epitaxial_facets
from tests.conftest import synthetic_run

TIME = 1.0
FRAME = 2
DX_A = 5.0  # synthetic_run's cell, Å
GRAINS = {1: "NVP", 2: "NZSP", 4: "NH4VO3"}


@pytest.fixture(scope="module")
def run():
    return synthetic_run()


@pytest.fixture(scope="module")
def owner(run):
    """Which grain holds each cell at the exported frame: argmax of eta, computed here."""
    return run["eta"].isel(time=FRAME).argmax("grain").values


@pytest.fixture(scope="module")
def snapshot(run, hypothetical_cifs):
    return snapshot_atoms(run, TIME, thickness_nm=2.0, cifs={"NH4VO3": hypothetical_cifs["NH4VO3"]}, seed=3)


def _crystal(phase, cifs):
    return atomistic.bulk(phase, cif=cifs[phase]) if phase in cifs else atomistic.bulk(phase)


def test_info_records_where_the_atoms_come_from(snapshot, run):
    info = snapshot.info
    assert info["time_s"] == TIME and info["frame"] == FRAME and info["thickness_nm"] == 2.0
    assert list(info["grains"]) == sorted(GRAINS) and list(info["grain_phases"]) == [GRAINS[g] for g in sorted(GRAINS)]
    assert list(info["grain_orientations_deg"]) == pytest.approx([run["orientation"].values[FRAME, g] for g in sorted(GRAINS)])
    assert info["run_package_version"] == "synthetic" and info["package_version"]
    assert "NH4VO3_hypothetical.cif" in info["grain_sources"][2]
    assert snapshot.cell.lengths() == pytest.approx([240.0, 180.0, 20.0])


def test_each_grain_holds_whole_formula_units_of_its_phase(snapshot, run, owner, hypothetical_cifs):
    """Exact: the trim leaves whole formula units (pymatgen parses the formulas here). The number
    of units plus the atoms the floor and the trim removed (reported) must fill the grain's cells
    at the bulk density: the cut at the grain's edge is exact on average; measured within 1.2 %,
    bound 3 % (a wrong cell volume, Z or unit is a factor, not percents)."""
    tags = snapshot.get_tags()
    symbols = np.array(snapshot.get_chemical_symbols())
    info = snapshot.info
    for i, (grain, phase) in enumerate(zip(info["grains"], info["grain_phases"])):
        formula = Composition(atomistic.phase_record(phase).formula)
        held = {e: int(np.sum(symbols[tags == grain] == e)) for e in set(symbols[tags == grain])}
        units = info["grain_formula_units"][i]
        assert {e: n / units for e, n in held.items()} == pytest.approx({str(e): v for e, v in formula.items()}, rel=1e-12)
        crystal = _crystal(phase, hypothetical_cifs)
        volume = np.sum(owner == grain) * DX_A**2 * 20.0
        expected = volume / crystal.cell.volume * sum(atomistic.composition(crystal).values())
        exported = units * formula.num_atoms + info["removed_below_floor"][i] + info["removed_to_formula"][i]
        assert exported == pytest.approx(expected, rel=0.03), phase


def test_atoms_lie_in_their_grains_cells_and_fill_them(snapshot, owner):
    tags = snapshot.get_tags()
    col = (snapshot.positions[:, 0] // DX_A).astype(int)
    row = (snapshot.positions[:, 1] // DX_A).astype(int)
    assert np.array_equal(owner[row, col], tags)
    assert snapshot.positions[:, 2].min() >= 0.0 and snapshot.positions[:, 2].max() < 20.0
    for grain in GRAINS:  # every cell deeper than 1 nm inside a grain holds atoms
        deep = distance_transform_edt(owner == grain) * DX_A > 10.0
        filled = np.zeros_like(deep)
        filled[row[tags == grain], col[tags == grain]] = True
        assert deep.any() and filled[deep].all()


def test_amorphous_and_surroundings_are_left_empty_and_the_amorphous_area_reported(snapshot, owner):
    area = np.sum(owner == 3) * (DX_A / 10) ** 2
    assert list(snapshot.info["empty_phases"]) == ["amorphous"]
    assert snapshot.info["empty_area_nm2"][0] == pytest.approx(area)
    assert not np.isin(snapshot.get_tags(), [0, 3]).any()


def test_no_pair_across_a_grain_boundary_is_closer_than_the_bulk_crystals_shortest_bond(snapshot, hypothetical_cifs):
    shortest = {}  # shortest distances inside the bulk crystals, heavy atoms and with H, computed here
    for phase in GRAINS.values():
        crystal = _crystal(phase, hypothetical_cifs)
        d = crystal.get_all_distances(mic=True)
        np.fill_diagonal(d, np.inf)
        h = np.array(crystal.get_chemical_symbols()) == "H"
        with_h = h[:, None] | h[None, :]
        shortest["heavy"] = min(shortest.get("heavy", np.inf), d[~with_h].min())
        if with_h.any():
            shortest["H"] = min(shortest.get("H", np.inf), d[with_h].min())
    assert snapshot.info["bond_floor_A"] == pytest.approx(shortest["heavy"])
    assert snapshot.info["bond_floor_H_A"] == pytest.approx(shortest["H"])
    tags = snapshot.get_tags()
    h = np.array(snapshot.get_chemical_symbols()) == "H"
    pairs = cKDTree(snapshot.positions).query_pairs(shortest["heavy"], output_type="ndarray")
    d = np.linalg.norm(snapshot.positions[pairs[:, 0]] - snapshot.positions[pairs[:, 1]], axis=1)
    across = tags[pairs[:, 0]] != tags[pairs[:, 1]]
    floor = np.where(h[pairs[:, 0]] | h[pairs[:, 1]], shortest["H"], shortest["heavy"])
    assert not np.any(across & (d < floor - 1e-9))
    assert sum(snapshot.info["removed_below_floor"]) > 0  # the NVP/NH4VO3 boundary had such pairs


@pytest.mark.parametrize("grain, hkl", [(1, (2, -1, 0)), (4, (1, 0, 0))])
def test_grains_are_turned_by_their_orientation(snapshot, grain, hkl):
    """The (hkl) fringes of a grain lie where the runs' facet frame (scenarios.facets, from
    facet_traces: a separate code path) puts that facet's normal, turned by the grain's
    orientation: the Z-weighted structure factor of the projected atoms at |g| = 1/d, scanned
    over angles, peaks there. Its width is ~d / grain size (~3 deg); step 0.2 deg, tolerance
    0.3 deg (half a step plus round-off)."""
    phase = GRAINS[grain]
    traces = atomistic.facet_traces(phase, atomistic.VIEW_ZONES[phase])
    angle = next(a for t, a in zip(traces, epitaxial_facets()[phase][0]) if tuple(t.hkl) == hkl)
    theta = snapshot.info["grain_orientations_deg"][list(snapshot.info["grains"]).index(grain)]
    atoms = snapshot[snapshot.get_tags() == grain]
    phis = np.radians(np.arange(0.0, 180.0, 0.2))
    g = np.column_stack([np.cos(phis), np.sin(phis)]) / atomistic.d_spacing(atomistic.cell(phase), hkl)
    weights = atoms.get_atomic_numbers()
    amplitude = np.abs(np.exp(2j * np.pi * atoms.positions[:, :2] @ g.T).T @ weights) / weights.sum()
    found = np.degrees(phis[np.argmax(amplitude)])
    assert abs((found - (angle + theta) + 90.0) % 180.0 - 90.0) <= 0.3
    assert amplitude.max() > 10 * np.median(amplitude)


def _recovered_lattice(atoms: Atoms, interior) -> tuple[np.ndarray, np.ndarray]:
    """Three shortest independent translations that map every interior atom of the fully
    occupied framework (all but Na) onto an atom of its element (within 0.02 Å), from the
    atoms alone; and the origin atom."""
    symbols = np.array(atoms.get_chemical_symbols())
    trees = {e: cKDTree(atoms.positions[symbols == e]) for e in set(symbols) - {"Na"}}

    def is_translation(t):
        for tree in trees.values():
            p = tree.data[interior(tree.data) & interior(tree.data + t)]
            if not len(p) or not np.isfinite(tree.query(p + t, distance_upper_bound=0.02)[0]).all():
                return False
        return True

    vanadium = trees["V"].data[interior(trees["V"].data)]
    origin = vanadium[np.argmin(np.linalg.norm(vanadium - vanadium.mean(axis=0), axis=1))]
    candidates = trees["V"].data - origin
    candidates = candidates[(np.linalg.norm(candidates, axis=1) > 0.1) & (np.linalg.norm(candidates, axis=1) < 16.0)]
    found = sorted((t for t in candidates if is_translation(t)), key=np.linalg.norm)
    basis = [found[0]]
    for t in found[1:]:
        if len(basis) == 1 and np.linalg.norm(np.cross(basis[0], t)) > 1e-3 * np.dot(t, t):
            basis.append(t)
        elif len(basis) == 2 and abs(np.linalg.det(np.array([*basis, t]))) > 1e-3:
            basis.append(t)
            break
    basis = np.array(basis)
    frac = np.linalg.solve(basis.T, np.array(found).T).T  # every translation found is in the lattice
    assert np.allclose(frac, np.round(frac), atol=1e-6)
    return basis, origin


def _folded(atoms: Atoms, basis: np.ndarray, origin: np.ndarray) -> Atoms:
    """The atoms folded into one cell; a site's occupancy is how often it is held, relative to
    the framework's sites (all held)."""
    symbols = np.array(atoms.get_chemical_symbols())
    frac = np.linalg.solve(basis.T, (atoms.positions - origin).T).T % 1.0
    tree = cKDTree(frac, boxsize=1.0 + 1e-12)
    site = -np.ones(len(frac), dtype=int)
    first, counts = [], []
    for i in range(len(frac)):
        if site[i] < 0:
            members = [j for j in tree.query_ball_point(frac[i], 1e-4) if symbols[j] == symbols[i]]
            site[members] = len(first)
            first.append(i)
            counts.append(len(members))
    first, counts = np.array(first), np.array(counts)
    full = np.median(counts[symbols[first] != "Na"])
    folded = Atoms(symbols[first], scaled_positions=frac[first], cell=basis, pbc=True)
    folded.new_array("spacegroup_kinds", np.arange(len(folded)))
    folded.info["occupancy"] = {str(i): {s: min(n / full, 1.0)} for i, (s, n) in enumerate(zip(symbols[first], counts))}
    return folded


def test_exported_nvp_has_the_bulk_powder_pattern(run, owner, hypothetical_cifs):
    """A 4 nm slab; the NVP lattice is recovered from its atoms alone (translations that map the
    interior framework onto itself), the atoms folded into that cell, and atomistic.powder_xrd
    of it compared with the bulk model's. Positions: 1e-3 deg (the recovered lattice is the
    turned bulk lattice to round-off, ~1e-12 Å). Intensities: within 3 on the 100 scale, since
    the folded Na2 occupancies are the sampled fractions of the region (0.62-0.70 measured
    against 2/3); measured <= 1.7."""
    thickness = 40.0
    atoms = snapshot_atoms(run, TIME, thickness_nm=thickness / 10, cifs={"NH4VO3": hypothetical_cifs["NH4VO3"]})
    nvp = atoms[atoms.get_tags() == 1]
    edt = distance_transform_edt(np.pad(owner == 1, 1))[1:-1, 1:-1] * DX_A

    def interior(p, margin=6.0):
        row = np.clip((p[:, 1] // DX_A).astype(int), 0, owner.shape[0] - 1)
        col = np.clip((p[:, 0] // DX_A).astype(int), 0, owner.shape[1] - 1)
        return (edt[row, col] - DX_A / 2 >= margin) & (p[:, 2] >= margin) & (p[:, 2] <= thickness - margin)

    basis, origin = _recovered_lattice(nvp, interior)
    bulk = atomistic.bulk("NVP")
    assert abs(np.linalg.det(basis)) == pytest.approx(bulk.cell.volume / 3, rel=1e-9)  # the primitive R cell
    folded = _folded(nvp, basis, origin)
    assert atomistic.spacegroup(folded).no == 167
    mine = atomistic.powder_xrd(folded, 50.0)
    ref = atomistic.powder_xrd(bulk, 50.0)
    mine, ref = mine[mine["intensity"] >= 1.0].reset_index(), ref[ref["intensity"] >= 1.0].reset_index()
    assert len(mine) == len(ref) > 20
    assert np.abs(mine["two_theta"] - ref["two_theta"]).max() < 1e-3
    assert np.abs(mine["intensity"] - ref["intensity"]).max() < 3.0


def test_partly_occupied_sites_follow_the_seed(run):
    region = (0.0, 11.5, 2.5, 15.0)  # NVP only
    a, b, c = (snapshot_atoms(run, TIME, region_nm=region, seed=seed) for seed in (1, 1, 2))
    assert list(a.info["grain_phases"]) == ["NVP"]
    assert np.array_equal(a.positions, b.positions) and a.get_chemical_symbols() == b.get_chemical_symbols()
    na = [np.sort(x.positions[np.array(x.get_chemical_symbols()) == "Na"], axis=0) for x in (a, c)]
    assert not np.array_equal(na[0], na[1])
    assert a.info["grain_formula_units"][0] == pytest.approx(c.info["grain_formula_units"][0], rel=0.02)


@pytest.mark.parametrize("fmt, suffix", [("extxyz", ".extxyz"), ("vasp", ".vasp")])
def test_a_round_trip_through_ase_io_keeps_the_atoms(snapshot, tmp_path, fmt, suffix):
    path = tmp_path / f"snapshot{suffix}"
    assert write_atoms(snapshot, path) == fmt
    back = ase.io.read(path, format=fmt)
    order = np.lexsort(snapshot.positions.T)
    back_order = np.lexsort(back.positions.T)
    # extxyz writes 8 decimals (1e-8 Å), POSCAR 16 digits of the fractional coordinates
    assert np.allclose(back.positions[back_order], snapshot.positions[order], atol=1e-6)
    assert np.array(back.get_chemical_symbols())[back_order].tolist() == np.array(snapshot.get_chemical_symbols())[order].tolist()
    if fmt == "extxyz":
        assert np.array_equal(back.get_tags(), snapshot.get_tags())
        for key in ("time_s", "grains", "grain_phases", "grain_formula_units", "bond_floor_A", "region_nm"):
            assert np.all(np.asarray(back.info[key]) == np.asarray(snapshot.info[key])), key


def test_a_failed_write_leaves_nothing(snapshot, tmp_path, monkeypatch):
    path = tmp_path / "snapshot.extxyz"

    def broken(filename, images, format=None, **kw):
        with open(filename, "w") as f:
            f.write("half")
        raise OSError("disk went away")

    monkeypatch.setattr(ase.io, "write", broken)
    with pytest.raises(OSError):
        write_atoms(snapshot, path)
    assert list(tmp_path.iterdir()) == []


BAD = [
    (dict(time_s=0.7), "time = 0.7 s is not a frame time", "0.5 or 1 s"),
    (dict(time_s=1.5), "time = 1.5 s is outside the run", "3 frames from 0 to 1 s"),
    (dict(time_s=-0.1), "outside the run", "a frame time"),
    (dict(region_nm=(10.0, 30.0, 0.0, 5.0)), "region = 10,30,0,5 nm", "x0 < x1 in [0, 24] nm"),
    (dict(region_nm=(5.0, 4.0, 0.0, 5.0)), "region", "x0 < x1"),
    (dict(region_nm=(5.0, 5.1, 0.0, 0.1)), "holds no cell centre", "a larger region"),
    (dict(thickness_nm=0.0), "thickness = 0.0 nm", "> 0 nm"),
    (dict(thickness_nm=1e4), "atoms", "<= 5e+06"),
    (dict(bond_floor_A=-1.0), "bond_floor_A = -1.0", "> 0 Å"),
    (dict(cifs={"Quartz": "q.cif"}), "cif for Quartz", "NH4VO3, NVP, NaH2PO4, NZSP"),
    (dict(region_nm=(16.0, 21.0, 10.0, 15.0)), "holds no crystal grain at t = 1 s (amorphous (", "a region with a grain of NH4VO3"),
]


@pytest.mark.parametrize("change, what, allowed", BAD)
def test_bad_input_is_refused_naming_it_and_what_is_allowed(run, hypothetical_cifs, change, what, allowed):
    args = dict(time_s=TIME, cifs={"NH4VO3": hypothetical_cifs["NH4VO3"]})
    args.update(change)
    with pytest.raises(ParameterError) as err:
        snapshot_atoms(run, args.pop("time_s"), **args)
    assert what in str(err.value) and allowed in str(err.value) and "\n" not in str(err.value)


def test_a_phase_without_atoms_is_refused_naming_the_cif_it_needs(run):
    with pytest.raises(ParameterError, match=r"holds NH4VO3.*no coordinates are invented.*--cif NH4VO3=PATH"):
        snapshot_atoms(run, TIME)
    # a region without NH4VO3 needs no CIF
    assert set(snapshot_atoms(run, TIME, region_nm=(0.0, 10.0, 0.0, 18.0)).info["grain_phases"]) == {"NVP", "NZSP"}


def test_a_cif_of_another_phase_is_refused(run, hypothetical_cifs):
    with pytest.raises(atomistic.CifError, match=r"NH4VO3: the structure from .*NaH2PO4_hypothetical.cif holds H16Na8O32P8 per cell, not a multiple of NH4VO3"):
        snapshot_atoms(run, TIME, cifs={"NH4VO3": hypothetical_cifs["NaH2PO4"]})


def test_not_a_run_and_a_3d_run_are_refused(run):
    with pytest.raises(ParameterError, match="is not a run of nvp-growth: no eta"):
        snapshot_atoms(run.drop_vars("eta"), TIME)
    with pytest.raises(ParameterError, match="3D run"):
        snapshot_atoms(run.expand_dims(z=[0.5]), TIME)


def test_an_unknown_format_is_refused(snapshot, tmp_path):
    with pytest.raises(ParameterError, match=r"snapshot.lmp \('lmp'\) is not a format ase.io can write; allowed: .*lammps-data"):
        write_atoms(snapshot, tmp_path / "snapshot.lmp")
    with pytest.raises(ParameterError, match="format = 'nonsense'"):
        write_atoms(snapshot, tmp_path / "snapshot.xyz", "nonsense")
    assert list(tmp_path.iterdir()) == []

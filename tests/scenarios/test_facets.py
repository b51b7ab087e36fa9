"""The 3D facet sets of NH4VO3 and NVP (scenarios.facets), checked against the lattices,
the 2D traces and pymatgen's Wulff construction."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import atomistic
from phasefield import wulff_polyhedron
from phasefield.model.anisotropy import FacetSet
from scenarios.facets import NH4VO3_ZONE, NVP_ZONE, epitaxial_facet_planes, epitaxial_facets, epitaxial_facets_3d

ZONES = {"NH4VO3": NH4VO3_ZONE, "NVP": NVP_ZONE}


@pytest.mark.parametrize("phase", ["NH4VO3", "NVP"])
def test_normals_are_unit_vectors_at_the_lattice_angles_and_handedness(phase):
    faces = epitaxial_facet_planes()[phase]
    normals = np.array([f.normal for f in faces])
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-12)
    # angles between plane normals from the reciprocal metric of the cell (atomistic.plane_angle),
    # not from the rotation the facets went through; compared as cosines (arccos amplifies the
    # 1e-16 rounding to 1e-6 deg at 180 deg), to 1e-12: a few roundings of unit vectors
    for a, b in itertools.combinations(faces, 2):
        expected = np.cos(np.radians(atomistic.plane_angle(phase, a.hkl, b.hkl)))
        assert np.dot(a.normal, b.normal) == pytest.approx(expected, abs=1e-12)
    # equal angles also hold for a mirror image: a proper rotation keeps the sign of every triple product
    for a, b, c in itertools.combinations(faces, 3):
        sample = np.linalg.det(np.array([a.normal, b.normal, c.normal]))
        crystal = np.linalg.det(np.array([atomistic.plane_normal(phase, f.hkl) for f in (a, b, c)]))
        if abs(sample) > 1e-6:
            assert np.sign(sample) == np.sign(crystal)


@pytest.mark.parametrize("phase", ["NH4VO3", "NVP"])
def test_zone_faces_lie_in_the_2d_view_at_the_2d_angles(phase):
    """2D against 3D: the faces that contain the viewing zone axis have their normals in the
    x, y plane, at the angles of the 2D facet set (facet traces, NVP turned by the 2D offset
    between the (1 2 -1) NH4VO3 and (2 -1 0) NVP traces: another path through the relationship)."""
    traces = atomistic.facet_traces(phase, ZONES[phase])
    angle_2d = {t.hkl: a for t, a in zip(traces, epitaxial_facets()[phase][0])}
    zone_faces = [f for f in epitaxial_facet_planes()[phase] if atomistic.in_zone(f.hkl, ZONES[phase])]
    assert len(zone_faces) >= 2  # NH4VO3: {1 0 0}, {0 2 -1}; NVP: {0 1 2}
    for f in zone_faces:
        assert f.normal[2] == pytest.approx(0.0, abs=1e-12)
        angle = np.degrees(np.arctan2(f.normal[1], f.normal[0])) % 360.0
        # 1e-9 deg: both are rounded to 1e-10 deg on the way (facet_traces)
        assert (angle - angle_2d[f.hkl] + 180.0) % 360.0 - 180.0 == pytest.approx(0.0, abs=1e-9)


def test_relative_energies_are_the_donnay_harker_spacings_by_hand():
    """gamma ~ 1/d_eff with the extinctions of International Tables A: Pbcm (NH4VO3, a = 4.92,
    b = 11.79 Å) has 0k0: k = 2n and no condition on h00, so gamma(100)/gamma(010) = (b/2)/a;
    R-3c (NVP, hexagonal axes) has 000l: l = 6n and -h+k+l = 3n (0 1 2 allowed), so
    gamma(001)/gamma(012) = d(012)/(c/6) with 1/d^2 = 4(h^2+hk+k^2)/(3a^2) + l^2/c^2."""
    energy = {ph: {f.hkl: f.relative_energy for f in faces} for ph, faces in epitaxial_facet_planes().items()}
    a, b, _, _, _, _ = atomistic.cell("NH4VO3").cellpar()
    assert energy["NH4VO3"][(1, 0, 0)] / energy["NH4VO3"][(0, 1, 0)] == pytest.approx((b / 2) / a, rel=1e-12)
    a, _, c, _, _, _ = atomistic.cell("NVP").cellpar()
    d012 = 1.0 / np.sqrt(4.0 * 1.0 / (3.0 * a**2) + 4.0 / c**2)
    assert energy["NVP"][(0, 0, 1)] / energy["NVP"][(0, 1, 2)] == pytest.approx(d012 / (c / 6.0), rel=1e-9)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside pymatgen/spglib
def test_nh4vo3_faces_are_those_of_pymatgens_wulff_shape_of_all_low_index_planes():
    """pymatgen builds the Wulff shape of every plane up to index 2 (energies 1/d_eff, families
    expanded by the orthorhombic lattice's mmm, which is NH4VO3's Laue class) on its own
    lattice frame; the kept faces are its faces, and their polyhedron has its volume."""
    pymatgen_wulff = pytest.importorskip("pymatgen.analysis.wulff")
    from pymatgen.core import Lattice

    planes = [hkl for hkl in map(tuple, atomistic.index_box(2).tolist()) if any(hkl) and atomistic.reduced_indices(hkl) == hkl]
    energies = np.array([1.0 / atomistic.effective_d_spacing("NH4VO3", hkl) for hkl in planes])
    order = np.argsort(energies, kind="stable")  # the first of a family names it in pymatgen
    reference = pymatgen_wulff.WulffShape(Lattice.from_parameters(*atomistic.cell("NH4VO3").cellpar()), [planes[i] for i in order], [energies[i] for i in order])
    families = [hkl for hkl, share in reference.area_fraction_dict.items() if share > 0]
    expected = {tuple(s * i for s, i in zip(signs, hkl)) for hkl in families for signs in itertools.product((1, -1), repeat=3)}
    faces = epitaxial_facet_planes()["NH4VO3"]
    assert {f.hkl for f in faces} == expected
    normals, relative = epitaxial_facets_3d()["NH4VO3"]
    hull = wulff_polyhedron(FacetSet([normals[i : i + 3] for i in range(0, len(normals), 3)], relative))
    # relative energies are 1/d_eff over its lowest value: volumes differ by that value cubed
    assert hull.volume * energies.min() ** 3 == pytest.approx(reference.volume, rel=1e-9)


def test_nvp_faces_are_closed_under_its_point_group():
    """The estimate depends on the space group only through d_eff, so the kept faces of NVP
    form whole -3m families: every rotation of R-3c maps a face onto a face (and -1 too)."""
    rotations, _ = atomistic.symmetry_operations("NVP")
    faces = {f.hkl for f in epitaxial_facet_planes()["NVP"]}
    for rotation in rotations:
        # Miller indices transform with the transpose of the direct-space rotation
        assert {tuple(int(x) for x in np.asarray(hkl) @ rotation) for hkl in faces} == faces
    assert {tuple(-x for x in hkl) for hkl in faces} == faces

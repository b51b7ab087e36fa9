"""Scenario epitaxy in 3D: two touching spheres, the 3D facet sets, NVP nucleating at the contact."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phasefield import ParameterError
from phasefield.model import free_energy as fe
from phasefield.model import nucleation
from phasefield.model.grains import build_fields, grain_phase_indices
from phasefield.model.phases import PHASES
from scenarios.epitaxy import EpitaxyParameters, microstructure, run
from scenarios.facets import epitaxial_facets, epitaxial_facets_3d
from tests.conftest import small_epitaxy

# one worker runs this module (pyproject: --dist loadgroup), so its module-scoped run is computed once
pytestmark = pytest.mark.xdist_group("test_epitaxy_3d")


def small_epitaxy_3d(**changes) -> EpitaxyParameters:
    """tests.conftest.small_epitaxy in 21 x 16 x 16 cells (dx 1 nm, 2 per interface width), r = 4 / 3 nm, at 720 degC.

    720 degC keeps the seed lens (R_A = 2 nm x ``nucleus_seed_scale``) inside particles this
    small; the prefactor, 1/20 of the default, gives ~5 nuclei per 0.01 s interval on the
    ~14 nm^2 contact (rate per area J/a), so one forms in the first interval (P(none) ~ 0.5 %;
    the seed is fixed anyway). One NVP slot: the others are refused (one warning each).
    """
    threed = dict(
        grid=21,
        domain_nm=(21.0, 16.0, 16.0),
        nh4vo3_radius_nm=4.0,
        nah2po4_radius_nm=3.0,
        contact_overlap_nm=1.5,
        start_temperature_C=720.0,
        hold_temperature_C=720.0,
        nucleation_prefactor_per_m_s=2.8e13,
        nucleus_seed_scale=2.5,
        nvp_slots=1,
        nh4vo3_orientation_deg=23.0,
        duration_s=0.03,
        output_interval_s=0.01,
        nucleation_interval_s=0.01,
    )
    return small_epitaxy(**{**threed, **changes})


def contact_geometry(p: EpitaxyParameters) -> tuple[float, float, float, np.ndarray]:
    """The contact, by hand [nm]: x of the plane through the circle where the two spheres meet, its
    radius, the depth of the NaH2PO4 cap that bulges from it into NH4VO3 (NaH2PO4 is painted on
    top), and the axis point (y, z)."""
    ra, rs = p.nh4vo3_radius_nm, p.nah2po4_radius_nm
    d = ra + rs - p.contact_overlap_nm
    xa = 0.5 * (p.domain_nm[0] - (2 * (ra + rs) - p.contact_overlap_nm)) + ra
    along = (d**2 + ra**2 - rs**2) / (2 * d)  # from the NH4VO3 centre (radical plane)
    return xa + along, math.sqrt(ra**2 - along**2), along - (d - rs), 0.5 * np.asarray(p.domain_nm[1:])


@pytest.fixture(scope="module")
def reacted_3d():
    nuclei = []
    p = small_epitaxy_3d()
    return p, run(p, on_nucleus=nuclei.append), nuclei


def test_the_2d_defaults_are_unchanged_and_3d_takes_the_3d_facets():
    p2 = EpitaxyParameters()
    assert dict(p2.phase_facet_angles_deg) == {k: v[0] for k, v in epitaxial_facets().items()}
    assert dict(p2.phase_facet_normals) == {}
    p3 = EpitaxyParameters(domain_nm=(64.0, 36.0, 36.0))
    assert dict(p3.phase_facet_angles_deg) == {}
    assert dict(p3.phase_facet_normals) == {k: v[0] for k, v in epitaxial_facets_3d().items()}
    assert dict(p3.phase_facet_energies) == {k: v[1] for k, v in epitaxial_facets_3d().items()}
    assert p3.facets("NVP").dim == 3 and p3.facets("NaH2PO4") is None
    assert EpitaxyParameters.from_dict(p3.to_dict()) == p3  # the run file's parameters rebuild it (resume)
    # isotropic in 3D as in 2D: empty facet mappings stay empty
    iso = EpitaxyParameters(domain_nm=(64.0, 36.0, 36.0), phase_facet_angles_deg={}, phase_facet_energies={})
    assert iso.facets("NH4VO3") is None and iso.facets("NVP") is None


def test_the_spheres_are_centred_with_nh4vo3_on_the_left():
    p = EpitaxyParameters(domain_nm=(64.0, 36.0, 40.0))
    a, s = microstructure(p).shapes
    assert a.center_nm == (23.0, 18.0, 20.0) and a.radius_nm == 14.0
    assert s.center_nm == (45.0, 18.0, 20.0) and s.radius_nm == 10.0


def test_2d_facet_angles_with_a_3d_domain_are_refused_naming_what_to_set():
    with pytest.raises(ParameterError, match=r"^phase_facet_angles_deg\.NVP = .* 3D domain_nm .*phase_facet_normals\.NVP") as err:
        EpitaxyParameters(domain_nm=(64.0, 36.0, 36.0), phase_facet_angles_deg={"NH4VO3": epitaxial_facets()["NH4VO3"][0], "NVP": (0.0, 90.0, 180.0, 270.0)})
    assert "\n" not in str(err.value)  # the command line's refusal: tests/scenarios/test_cli_bad_input.py
    with pytest.raises(ParameterError, match=r"^domain_nm = \(64.0, 36.0, 20.0\) is too small.*\(54.0, 36.0, 36.0\)"):
        EpitaxyParameters(domain_nm=(64.0, 36.0, 20.0))


def test_nuclei_are_drawn_on_the_contact_plane_in_2d_and_in_3d():
    """2D against 3D on the same particles: every drawn nucleus cell lies on the contact: within
    the NaH2PO4 cap's depth plus one interface width l of the plane where the circles (spheres)
    meet, inside the contact disc widened by l. Why l: the contact weight lives in the diffuse
    NH4VO3/NaH2PO4 boundary (the painted cap, apex 0.89 nm from the plane here) and its tails."""
    for domain in ((21.0, 16.0), (21.0, 16.0, 16.0)):
        p = small_epitaxy_3d(domain_nm=domain)
        micro = microstructure(p)
        axes = [(np.arange(n) + 0.5) * p.dx_nm for n in p.shape]
        coords = np.stack([c.ravel() for c in np.meshgrid(*axes, indexing="ij")])
        eta, _ = build_fields(micro, coords, p.interface_width_nm)
        h = fe.phase_fractions(eta, grain_phase_indices(micro.all_grains()), len(PHASES))
        cells = np.concatenate([nucleation.sample_nuclei(np.random.default_rng(s), p, h, p.dx_nm**p.dim, 0.0, 0.01)[0] for s in range(20)])
        assert cells.size > 20
        x_plane, radius, depth, axis = contact_geometry(p)
        assert np.abs(coords[0, cells] - x_plane).max() <= depth + p.interface_width_nm
        off_axis = np.linalg.norm(coords[1:, cells] - axis[:, None], axis=0)
        assert off_axis.max() <= radius + p.interface_width_nm


def test_3d_epitaxy_nucleates_nvp_at_the_contact_and_conserves_v_and_p(reacted_3d):
    p, ds, nuclei = reacted_3d
    assert ds.attrs["n_nuclei"] == 1 and len(nuclei) == 1 and ds.sizes["z"] == 16
    x_plane, radius, depth, axis = contact_geometry(p)
    centre = np.asarray(nuclei[0].center_nm)
    # the planted seed is centred on a drawn contact cell (the bounds of the test above)
    assert abs(centre[0] - x_plane) <= depth + p.interface_width_nm
    assert np.linalg.norm(centre[1:] - axis) <= radius + p.interface_width_nm
    nvp = ds.phase_area.sel(phase="NVP").values  # nm^3 in 3D
    assert nvp[0] == 0.0 and np.all(nvp[1:] > 5.0)  # the seed holds (~30 nm^3 planted)
    # the run's own guard stops at 1e-8; both species are conserved to round-off
    assert np.abs(ds.amount.values / ds.amount.values[0] - 1).max() < 1e-12
    # NVP inherits NH4VO3's orientation: the same rotation about z (23 deg) carries both facet sets
    grain = nuclei[0].slot
    assert str(ds.grain_phase.values[grain]) == "NVP"
    assert float(ds.orientation.sel(grain=grain).isel(time=-1)) == 23.0 == float(ds.orientation.sel(grain=1).isel(time=-1))

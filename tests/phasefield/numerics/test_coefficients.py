"""Tests of the coefficients' facet anisotropy: which normal a faceted interface uses."""

from __future__ import annotations

import numpy as np

from phasefield.model.anisotropy import gamma
from phasefield.model import free_energy as fe
from phasefield.numerics.coefficients import gradient_energy
from phasefield.numerics.stepping import Simulation
from scenarios.wulff import WulffParameters, microstructure

# Not centrosymmetric (gamma(-n) != gamma(n)), with an acute 50 degree Wulff corner: a set
# with -m_k among its normals would not tell the outward from the inward normal.
ACUTE = dict(facet_angles_deg=(0.0, 130.0, 170.0, 200.0, 250.0, 300.0), facet_energies=(1.0, 1.1, 1.2, 1.0, 1.15, 1.05))


def _coefficients(**facets):
    p = WulffParameters(domain_nm=(16.0, 16.0), grid=32, radius_nm=5.0, orientation_deg=23.0, **facets)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    lc = sim._local(sim.temperature_K(0.0))
    kappa_face = sim.geometry.arithmetic(fe.pair_interpolate(state.eta, sim.grain_phase, lc.kappa, float(lc.kappa.max())))
    return sim, state, gradient_energy(state.eta, sim.geometry, kappa_face, sim.facets, state.orientation_deg)


def test_both_sides_of_a_faceted_boundary_use_gamma_at_the_grains_outward_normal():
    """The grain (eta high inside) and the isotropic surroundings must carry the same gamma_g(n)^2
    with n the grain's outward normal; else the pair sees the centrosymmetric mean of
    gamma(n) and gamma(-n) (measured: an acute six-facet set relaxed 9 cells from its Wulff
    shape and 1.1 cells from that of the symmetrized gamma)."""
    sim, state, grad_energy = _coefficients(**ACUTE)
    grain = int(np.flatnonzero([f is not None for f in sim.facets])[0])
    surroundings = 0
    assert sim.facets[surroundings] is None and grain != surroundings
    grad = sim.geometry.face_gradient(state.eta[grain])
    live = np.linalg.norm(grad, axis=0) > 1e-2  # the interface, not its tails
    outward = -grad[:, live]
    expected = gamma(sim.facets[grain], outward / np.linalg.norm(outward, axis=0), state.orientation_deg[grain]) ** 2
    for i in (grain, surroundings):
        # 1e-3: the surroundings' weight eta_g^2 / sum eta_j^2 is 1 up to the third order
        # parameters' ~1e-4 presence; the grain itself matches to rounding
        np.testing.assert_allclose(grad_energy.coefficient[i][live], expected, rtol=1e-3, err_msg=f"grain {i}")


def test_two_grains_of_one_slot_each_use_their_own_orientation():
    """Two square grains (asymmetric placement and size) with the ACUTE facets at 20 and 65 degree:
    in one slot with per-cell orientations (each cell that of its nearest grain) the gradient
    energy and the anisotropy force equal those of the same grains in two slots of their own
    (36 cells apart, l = 3 cells: a grain's tail at the other is below 1e-15, so the fields add
    without cross terms; at 16 cells apart the tails, ~1e-5, left 1e-4 in the force);
    one orientation for both differs by far more."""
    import fipy as fp

    from phasefield.model.anisotropy import FacetSet
    from phasefield.model.grains import Polygon, profile
    from phasefield.model.tracking import GrainTable, cores, update
    from phasefield.numerics.geometry import FaceGeometry, grid_mesh

    shape = (80, 40)
    geometry = FaceGeometry.from_mesh(grid_mesh(shape, fp.serialComm))
    x, y = np.asarray(grid_mesh(shape, fp.serialComm).cellCenters.value)
    squares = [Polygon(((8, 10), (22, 10), (22, 24), (8, 24))), Polygon(((58, 14), (70, 14), (70, 26), (58, 26)))]
    own = np.array([profile(s.distance(np.stack([x, y])), 3.0) for s in squares])
    apart = np.stack([1.0 - own.sum(axis=0), own[0], own[1]])
    shared = np.stack([apart[0], own.sum(axis=0)])
    facets = FacetSet.from_angles(ACUTE["facet_angles_deg"], ACUTE["facet_energies"])
    kappa = np.ones(geometry.weight.shape)
    table = GrainTable.empty(2, x.size)
    labels, _ = cores(shared[1], shape, 0.5)
    for region, angle in ((labels[int(np.argmax(own[0]))], 20.0), (labels[int(np.argmax(own[1]))], 65.0)):
        table.owner[1, labels == region] = table.new(4, angle, 0.0)
    update(table, 1, shared[1], shape, 0.5, 4, 0.0, 0.0)
    per_cell = table.cell_orientation(np.zeros(2))
    two = gradient_energy(apart, geometry, kappa, [None, facets, facets], np.array([0.0, 20.0, 65.0]))
    one = gradient_energy(shared, geometry, kappa, [None, facets], per_cell)
    wrong = gradient_energy(shared, geometry, kappa, [None, facets], np.array([0.0, 20.0]))
    e_two, e_one, e_wrong = (g.total(kappa) for g in (two, one, wrong))
    # round-off: 1e-10 of the largest value
    assert abs(e_one - e_two) <= 1e-10 * e_two
    assert abs(e_wrong - e_two) > 1e-3 * e_two
    force_two = two.anisotropy_force[1] + two.anisotropy_force[2]
    assert np.abs(one.anisotropy_force[1] - force_two).max() <= 1e-10 * np.abs(force_two).max()
    np.testing.assert_allclose(one.anisotropy_force[0], two.anisotropy_force[0], atol=1e-10 * np.abs(two.anisotropy_force[0]).max())

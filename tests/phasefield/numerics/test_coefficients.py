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

"""Reassignment: two grains sharing an order parameter grow toward each other and are separated
before they touch (phasefield/model/reassignment.py), in 2D and in 3D.

The setup: two NVP discs of unequal size (r = 3 and 4 nm, off one line) in one slot, 8.8 nm
(4.4 widths) apart, in an amorphous matrix of NVP's own composition at 710 degC; the only
other NVP slot holds a third, small grain far from the first. NVP grows into it without partitioning (no diffusion needed), ~4 nm/s per
interface, so the gap closes within a second. In 3D: spheres (r = 3 and 3.5 nm, 8.6 nm apart, the
third r = 3 nm) on a 28 x 22 x 22 grid of 1 nm cells (2 per width, as the 3D epitaxy test), at
740 degC: at 710 and 730 degC spheres this small shrink (a sphere's capillary pressure is twice a
disc's; measured: r = 2-3 nm spheres vanished within 0.4 s at 710 degC). References: the halos
(eta > 0.01) are labelled here with scipy.ndimage, not by the tracker; the densities n are the
conserved amounts; and (2D) a run with the grains in their own slots from the start, which needs
no reassignment, is the reference for the grains' areas.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

import phasefield
from phasefield import Disc, Grain, HalfSpace, Microstructure, ParameterError, Simulation
from phasefield.model import free_energy as fe
from phasefield.model import tracking
from phasefield.model.phases import PHASES
from phasefield.model.reassignment import misorientation_deg
from tests.conftest import isothermal

# one worker runs this module (pyproject: --dist loadgroup), so its module-scoped run is computed once
pytestmark = pytest.mark.xdist_group("test_reassignment")

HALO = 0.01


# no nucleation of any kind: only the painted grains grow
SETUP = {"domain_nm": (32.0, 24.0), "grid": 48, "duration_s": 1.2, "output_interval_s": 0.1, "grain_reassignment": True,
         "crystallization_prefactor_per_m2_s": 0.0, "nucleation_prefactor_per_m_s": 0.0}


def _params(**changes):
    return isothermal(710.0, **{**SETUP, **changes})


def _micro(slots=(0, 1, 1, 2), orientations=(10.0, 70.0), second=(23.0, 13.0)) -> Microstructure:
    """Grains 2 and 3 share slot 2; grain 4 (r = 3 nm, near a corner) holds the only other NVP
    slot, so the moving grain must share it: the cells swapped carry grain 4's tail. Grain 1, the
    amorphous matrix, may split when grain 4 reaches the walls (a piece cut off in the corner):
    the checks are on the NVP grains 2-4."""
    return Microstructure(
        grains=(Grain("amorphous"), *(Grain("NVP", orientation_deg=a) for a in orientations), Grain("NVP", orientation_deg=130.0)),
        shapes=(HalfSpace(100.0), Disc((7.5, 10.0), 3.0), Disc(second, 4.0), Disc((28.0, 4.5), 3.0)),
        slots=slots,
    )


def _snapshot(sim, state) -> dict:
    table = state.grains
    return {
        "time_s": sim.time_s(state),
        "eta": state.eta.copy(),
        "n": state.n.copy(),
        "owner": table.owner.copy(),
        "orientation": list(table.orientation_deg),
        "phase": list(table.phase),
        "merged_into": list(table.merged_into),
        "reassigned": state.reassigned,
        "area": tracking.measures(table.owner, state.eta, sim.grid.coords_nm, sim.cell_measure, len(table.phase))["area"],
    }


def _params_3d(**changes):
    return isothermal(740.0, **{**SETUP, "domain_nm": (28.0, 22.0, 22.0), "grid": 28, "duration_s": 0.4, **changes})


def _micro_3d() -> Microstructure:
    """As :func:`_micro` in 3D: spheres 2 and 3 share slot 2, sphere 4 holds the other NVP slot, far
    from sphere 2 (the smaller, which moves) and 3 nm from sphere 3 (different slots from the start)."""
    return Microstructure(
        grains=(Grain("amorphous"), Grain("NVP", orientation_deg=10.0), Grain("NVP", orientation_deg=70.0), Grain("NVP", orientation_deg=130.0)),
        shapes=(HalfSpace(100.0), Disc((5.0, 6.0, 6.0), 3.0), Disc((19.0, 10.0, 10.0), 3.5), Disc((23.0, 17.0, 5.0), 3.0)),
        slots=(0, 1, 1, 2),
    )


def _record_steps(params, micro):
    """Every step of the run, just before and just after its reassignment pass."""
    sim = Simulation(params, micro)
    state = sim.initial_state()
    records = []
    original = sim.reassign

    def recording(s):
        before = _snapshot(sim, s)
        original(s)
        records.append((before, _snapshot(sim, s)))

    sim.reassign = recording
    sim.advance(state, sim.params.duration_s / sim.units.time_s)
    return sim, state, records


@pytest.fixture(scope="module")
def stepped_2d():
    """The 2D run (~6 s)."""
    return _record_steps(_params(), _micro())


@pytest.fixture(scope="module")
def stepped_3d():
    """The 3D run (82 steps to 0.4 s, the move at 0.13 s; 34 s wall at load 1.2 on 2 cores)."""
    return _record_steps(_params_3d(), _micro_3d())


@pytest.fixture(params=["stepped_2d", "stepped_3d"])
def stepped(request):
    return request.getfixturevalue(request.param)


def _moves(records):
    return [k for k, (before, after) in enumerate(records) if after["reassigned"] > before["reassigned"]]


def test_the_grains_are_separated_before_their_halos_touch(stepped):
    sim, state, records = stepped
    moves = _moves(records)
    assert len(moves) == 1 and moves[0] > 0, "one reassignment, after the run started"
    for before, after in records:
        for snap in (before, after):
            for slot in np.flatnonzero(sim.grain_phase == PHASES.index("NVP")):
                halos, count = ndimage.label(sim.grid.to_field(snap["eta"][slot]) > HALO)
                cores = sim.grid.to_field(snap["owner"][slot]) * (sim.grid.to_field(snap["eta"][slot]) > 0.5)
                for region in range(1, count + 1):
                    grains = np.unique(cores[(halos == region) & (cores > 0)])
                    assert grains.size <= 1, f"grains {grains} of slot {slot} share a halo at t = {snap['time_s']:.4g} s"
    # neither grain ended: no merge
    assert state.grains.merged_into[1:4] == [0, 0, 0] and {2, 3, 4} <= set(state.grains.alive())
    # they did grow into each other afterwards: in their two slots their halos now overlap (3D: 648 cells),
    # so in one slot they would have merged
    slot_of = {g: state.grains.slot_of(g) for g in (2, 3)}
    assert slot_of[2] != slot_of[3]
    assert ((state.eta[slot_of[2]] > HALO) & (state.eta[slot_of[3]] > HALO)).any()


def test_a_move_keeps_the_matter_and_the_phases_and_the_grain(stepped):
    sim, _, records = stepped
    k = _moves(records)[0]
    before, after = records[k]
    # densities untouched: the V and P amounts are the same (to 1e-12 relative, bit for bit in fact)
    amounts = [snap["n"].sum(axis=1) * sim.cell_measure for snap in (before, after)]
    np.testing.assert_allclose(amounts[1], amounts[0], rtol=1e-12, atol=0)
    # every cell keeps its set of values: the phase fractions agree to round-off (the order of
    # the sums over slots changes)
    h = [fe.phase_fractions(snap["eta"], sim.grain_phase, len(PHASES)) for snap in (before, after)]
    assert np.abs(h[1] - h[0]).max() <= 1e-12
    # identity: the same ids, phases and orientations; one of the two grains moved
    assert after["phase"] == before["phase"] and after["orientation"] == before["orientation"]
    moved = [g for g in (2, 3) if not (after["owner"] == g).any(axis=1)[np.flatnonzero((before["owner"] == g).any(axis=1))[0]]]
    assert len(moved) == 1
    # areas (3D: volumes): the move changes each grain's measure by less than the step before it did
    # (the step's own change is the tolerance: only eta < 1e-3 tails change hands)
    previous = records[k - 1][1]["area"]
    for g in (2, 3, 4):
        step_change = abs(before["area"][g - 1] - previous[g - 1])
        assert abs(after["area"][g - 1] - before["area"][g - 1]) < step_change


@pytest.fixture(scope="module")
def histories():
    """The written runs: reassigned, and the reference with each grain in its own slot (~10 s)."""
    moved = phasefield.run(_params(), _micro())
    own = phasefield.run(_params(), _micro(slots=(0, 1, 2, 3)))
    return moved.nvp.grain_history(), own.nvp.grain_history(), moved


def test_per_grain_outputs_follow_the_grain_through_the_move(histories):
    moved, own, ds = histories
    assert ds.attrs["n_reassigned_grains"] == 1 and ds.attrs["n_unresolved_contacts"] == 0
    slots = moved["slot"].sel(tracked_grain=[2, 3]).values
    assert {tuple(np.unique(s)) for s in slots.T} == {(2,), (2, 3)}, "one grain keeps slot 2, the other moves to slot 3"
    assert list(moved["phase"].values[:4]) == ["amorphous", "NVP", "NVP", "NVP"]
    np.testing.assert_array_equal(moved["orientation"].values[:4], [0.0, 10.0, 70.0, 130.0])
    assert moved["area"].attrs["units"] == "nm2" and moved["centroid_x"].attrs["units"] == "nm"
    # no jump: the area series equal those of the grains that never shared a slot, to 1 % of
    # the area gained (the two runs step differently after the move; time_tolerance 0.1 bounds
    # each step's local error to 10 % of its change, and the measured difference is far below)
    for g in (2, 3, 4):
        a, b = moved["area"].sel(tracked_grain=g).values, own["area"].sel(tracked_grain=g).values
        assert np.abs(a - b).max() <= 0.01 * (b[-1] - b[0])
    table = ds.nvp.grains()
    assert {2, 3, 4} <= set(table.index) and set(table["slot"]) == {1, 2, 3}
    np.testing.assert_allclose(table["area_nm2"], moved["area"].isel(time=-1).dropna("tracked_grain").values)


@pytest.mark.parametrize(("orientations", "merged"), [((10.0, 10.5), True), ((10.0, 12.0), False)])
def test_grains_of_one_orientation_merge_and_others_do_not(orientations, merged):
    """The coalescence rule, the two grains starting 2.7 nm apart: 10 and 10.5 degree differ by less
    than merge_misorientation_deg (1): no reassignment, and when they meet the larger grain (3)
    keeps its identity; 10 and 12 degree are separated at once."""
    sim = Simulation(_params(), _micro(orientations=orientations, second=(17.0, 12.0)))
    state = sim.initial_state()
    sim.advance(state, 0.6 / sim.units.time_s)
    assert state.reassigned == (0 if merged else 1)
    assert state.grains.merged_into[1:4] == ([3, 0, 0] if merged else [0, 0, 0])


def test_grains_sharing_a_slot_without_reassignment_are_refused_before_any_work(tmp_nc):
    with pytest.raises(ParameterError, match=r"grain_reassignment = False is not allowed with 4 grains in 3 order-parameter slots.*allowed"):
        phasefield.run(_params(grain_reassignment=False), _micro(), tmp_nc)
    assert not tmp_nc.exists()


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("reassignment_distance_widths", 2.0, r"in \[2.5, 20\]"),
        ("grain_threshold", 1.0, r"in \(0, 1\)"),
        ("merge_misorientation_deg", -1.0, r"in \[0, 180\]"),
        ("grain_reassignment", "yes", "true or false"),
    ],
)
def test_bad_tracking_parameters_are_refused_in_one_line(name, value, allowed):
    with pytest.raises(ParameterError, match=rf"^{name} = .* is not allowed; allowed: {allowed}"):
        _params(**{name: value})


def test_grains_of_one_slot_must_share_its_phase():
    with pytest.raises(ValueError, match="grain 1 .NH4VO3. shares slot 0 with a NVP grain"):
        Microstructure(grains=(Grain("NVP"), Grain("NH4VO3")), shapes=(Disc((5.0, 5.0), 2.0), Disc((15.0, 5.0), 2.0)), slots=(0, 0))


def test_misorientation_is_the_smallest_rotation():
    # hand values: 350 and 10 degree are 20 apart across 0; 0 and 180 the farthest
    assert misorientation_deg(350.0, 10.0) == pytest.approx(20.0)
    assert misorientation_deg(10.0, 350.0) == pytest.approx(20.0)
    assert misorientation_deg(0.0, 180.0) == 180.0 and misorientation_deg(-90.0, 270.0) == 0.0

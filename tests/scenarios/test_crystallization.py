"""Scenario crystallization: an amorphous particle on NZSP crystallizes below T_c, no NVP.

References: conservation of both species through nucleation and growth; below T_c the NVP
rate is zero (tests/phasefield/model/test_nucleation.py), so the NVP slot stays empty.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from skimage.measure import label

from scenarios.cli import main
from scenarios.crystallization import CRYSTALS, GRAIN_PHASES, CrystallizationParameters, run

# one worker runs this module (pyproject: --dist loadgroup), so its module-scoped run is computed once
pytestmark = pytest.mark.xdist_group("test_crystallization")


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """J0 raised 100x (several nuclei within 1 s in the 14 nm particle), one slot per crystal phase:
    more grains than slots, kept apart by reassignment and counted by the tracker."""
    p = CrystallizationParameters(duration_s=1.0, output_interval_s=0.5, crystallization_prefactor_per_m2_s=5e27, slots_per_phase=1)
    path = tmp_path_factory.mktemp("crystallization") / "short.nc"
    return p, run(p, path), path


def test_a_short_run_crystallizes_without_nvp_and_conserves_the_units(short):
    p, ds, _ = short
    assert ds.attrs["n_crystal_nuclei"] > 0
    assert ds.crystallinity.values[0] == 0.0 and ds.crystallinity.values[-1] > 0.0
    assert ds.crystallinity.attrs["units"] == "1" and ds.grain_count.values[-1].sum() >= 1
    assert ds.phase_area.sel(phase="NVP").values.max() == 0.0
    amount = ds.amount.values
    assert np.abs(amount / amount[0] - 1).max() < 1e-12
    # more grains than the 2 crystal slots, as the tracker counts them; the count agrees with the
    # connected regions (eta > grain_threshold) of each phase's slots labelled here by scikit-image
    assert ds.grain_count.values.sum(axis=1).max() > 2
    for k, phase in enumerate(CRYSTALS):
        slots = ds.grain.values[ds.grain_phase.values == phase]
        regions = [sum(label(frame.values > p.grain_threshold, connectivity=1).max() for frame in ds.eta.isel(time=t).sel(grain=slots)) for t in range(ds.sizes["time"])]
        np.testing.assert_array_equal(ds.grain_count.values[:, k], regions)
    table = ds.nvp.grains()
    crystals = ds.grain_count.sel(grain_kind=list(CRYSTALS)).values
    assert [table["phase"].value_counts().get(ph, 0) for ph in CRYSTALS] == list(crystals[-1])
    assert (ds.grain_count.sel(grain_kind="NVP").values == 0).all()


def test_grain_sizes_are_given_for_every_counted_grain_and_follow_its_area(short):
    """grain_size (time, tracked_grain): finite exactly for the grains counted in grain_count, each the
    equivalent-disc diameter of the grain's area as ds.nvp.grains() lists it at the last frame."""
    _, ds, path = short
    assert ds.grain_size.attrs["units"] == "nm" and ds.grain_count.attrs["units"] == "1" and ds.grain_kind.attrs["units"] == "1"
    assert list(ds.grain_kind.values) == list(GRAIN_PHASES)
    np.testing.assert_array_equal(np.isfinite(ds.grain_size.values).sum(axis=1), ds.grain_count.values.sum(axis=1))
    assert ds.grain_count.values[-1].sum() >= 2
    table = ds.nvp.grains()
    crystalline = table[table["phase"].isin(GRAIN_PHASES)]
    last = ds.grain_size.isel(time=-1).sel(tracked_grain=crystalline.index.values).values
    np.testing.assert_allclose(np.pi * last**2 / 4.0, crystalline["area_nm2"].values, rtol=1e-12)
    assert list(ds.tracked_grain_phase.sel(tracked_grain=crystalline.index.values).values) == list(crystalline["phase"])
    with xr.open_dataset(path) as written:  # the outputs are in the run file too, with their units
        assert written.grain_size.attrs["units"] == "nm" and written.grain_size.shape == ds.grain_size.shape


def test_too_many_slots_are_refused_in_one_line(capsys):
    code = main(["run", "crystallization", "--set", "slots_per_phase=40", "--show-params"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "slots_per_phase = 40" in err

"""Scenario crystallization: an amorphous particle on NZSP crystallizes below T_c, no NVP.

References: conservation of both species through nucleation and growth; below T_c the NVP
rate is zero (tests/phasefield/model/test_nucleation.py), so the NVP slot stays empty.
"""

from __future__ import annotations

import numpy as np
from skimage.measure import label

from scenarios.cli import main
from scenarios.crystallization import CRYSTALS, CrystallizationParameters, run


def test_a_short_run_crystallizes_without_nvp_and_conserves_the_units(tmp_nc):
    """J0 raised 100x (several nuclei within 1 s in the 14 nm particle), one slot per crystal phase:
    more grains than slots, kept apart by reassignment and counted by the tracker."""
    p = CrystallizationParameters(duration_s=1.0, output_interval_s=0.5, crystallization_prefactor_per_m2_s=5e27, slots_per_phase=1)
    ds = run(p, tmp_nc)
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
    assert sorted(table["phase"].value_counts().get(ph, 0) for ph in CRYSTALS) == sorted(ds.grain_count.values[-1])


def test_too_many_slots_are_refused_in_one_line(capsys):
    code = main(["run", "crystallization", "--set", "slots_per_phase=40", "--show-params"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "slots_per_phase = 40" in err

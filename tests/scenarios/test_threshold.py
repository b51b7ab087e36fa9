"""The threshold sweep: the whole process (crystallization on heating, NVP above T_c) held at 690
and 715 degC; a finished member file is reused only when written with the same parameters and
package version.

References: the paper's Fig. S7 (crystallinity rises below T_c, NVP only above it) as the
model's nucleation law states it (zero rate at and below T_c); where NVP may nucleate (a
contact of NH4VO3 and NaH2PO4) is checked against the phase map of the frame before, with a
distance transform here, not with the contact weight the stepper samples from.
"""

from __future__ import annotations

import json

import netCDF4
import numpy as np
import pytest
import xarray as xr
from scipy import ndimage

from phasefield.io.output import last_frame
from scenarios.epitaxy import SCENARIO as EPITAXY
from scenarios.sweep import reusable, run_member
from tests.conftest import small_epitaxy

# one worker runs this module and the threshold notebook (pyproject: --dist loadgroup): their sweep is run once
pytestmark = pytest.mark.xdist_group("threshold")


def test_member_is_reused_only_with_the_same_parameters_and_version(tmp_path):
    path = tmp_path / "thr_T710C.nc"
    p = small_epitaxy(duration_s=0.5)
    run_member(EPITAXY, p, path)
    written = path.stat().st_mtime_ns
    assert reusable(path, p)
    run_member(EPITAXY, p, path)  # finished, same parameters: kept as it is
    assert path.stat().st_mtime_ns == written

    other = small_epitaxy(duration_s=0.5, seed=p.seed + 1)
    assert not reusable(path, other)
    run_member(EPITAXY, other, path)  # another seed: run again, not reused
    assert last_frame(path).attrs["seed"] == other.seed

    with netCDF4.Dataset(path, "a") as nc:  # as if written by another version of the package
        nc.setncattr("package_version", "0.0.0-other")
    assert not reusable(path, other)


@pytest.fixture(scope="module")
def process(threshold_sweep):
    """The threshold sweep of the small whole process at 690 and 715 degC (tests/conftest.py), read back."""
    return xr.load_dataset(threshold_sweep), {T: xr.load_dataset(threshold_sweep.parent / "thr" / f"hold_temperature_C={T}.nc") for T in (690, 715)}


def test_both_holds_crystallize_and_only_the_one_above_tc_forms_nvp(process):
    summary, members = process
    frac = summary.final_nvp_fraction.sel(hold_temperature_C=[690.0, 715.0]).values
    assert frac[0] == 0.0 and frac[1] > 0.05
    assert np.isnan(summary.nvp_onset_s.sel(hold_temperature_C=690.0)) and summary.transformed_fraction.attrs["units"] == "1"
    # the amorphous precursor crystallizes on the way up at both holds (> 0.99: the area left amorphous
    # is the interface smear of the last grains, ~1e-6 here)
    assert (summary.transformed_fraction.values > 0.99).all()
    below = members[690]
    assert below.phase_area.sel(phase="NVP").values.max() == 0.0  # never, at any frame
    assert below.crystallinity.values[0] == 0.0 and below.crystallinity.values[-1] > 0.99
    # above: the NH4VO3 grains, the minority of the V:P = 2:3 precursor by area, are converted
    above = members[715].phase_fraction
    assert above.sel(phase="NH4VO3").values[-1] < 0.1 * above.sel(phase="NH4VO3").values.max()


def test_the_combined_file_holds_each_members_grains_padded_to_the_longest(process):
    """Members track different numbers of grains (40 and 44 here): the combined grain_size is NaN, and
    tracked_grain_phase empty, beyond a member's own grains, so each member's sizes stay its own."""
    summary, members = process
    assert summary.grain_size.dims == ("hold_temperature_C", "time", "tracked_grain") and summary.grain_size.attrs["units"] == "nm"
    for T, member in members.items():
        combined = summary.sel(hold_temperature_C=float(T))
        count = member.sizes["tracked_grain"]
        np.testing.assert_array_equal(combined.grain_size.values[:, :count], member.grain_size.values)
        assert np.isnan(combined.grain_size.values[:, count:]).all() and (combined.tracked_grain_phase.values[count:] == "").all()
        np.testing.assert_array_equal(np.isfinite(combined.grain_size.values).sum(axis=1), combined.grain_count.values.sum(axis=1))


def _contact_zone(phase_map: np.ndarray, codes: dict, reach_cells: float) -> np.ndarray:
    """Cells within ``reach_cells`` of an NH4VO3 cell and of a NaH2PO4 cell."""
    near = [ndimage.distance_transform_edt(phase_map != codes[name]) <= reach_cells for name in ("NH4VO3", "NaH2PO4")]
    return near[0] & near[1]


def test_nvp_nucleates_only_after_tc_and_only_where_nh4vo3_touches_nah2po4(process):
    _, members = process
    ds = members[715]
    params = json.loads(ds.attrs["parameters"])
    times = json.loads(ds.attrs["nucleus_formation_times_s"])
    sites = np.array(json.loads(ds.attrs["nucleus_sites_nm"]))
    assert len(times) == len(sites) == ds.attrs["n_nuclei"] >= 1
    T = np.interp(times, ds.time.values, ds["T"].values)
    assert (T > params["critical_temperature_K"]).all()
    codes = dict(zip(ds.phase_map.attrs["flag_meanings"].split(), ds.phase_map.attrs["flag_values"]))
    dx = float(ds.x[1] - ds.x[0])
    # half an interface width from each phase's cells: a contact is where the two diffuse boundaries
    # overlap (each phase's fraction ~0.1 or more); a full width would take in most of these ~5 nm grains
    reach = 0.5 * params["interface_width_nm"] / dx
    for t, site in zip(times, sites):
        before = int(np.searchsorted(ds.time.values, t, side="right")) - 1  # the last frame at or before the formation time
        frame = ds.phase_map.isel(time=before).values
        zone = _contact_zone(frame, codes, reach)
        particle = np.isin(frame, [codes["NH4VO3"], codes["NaH2PO4"]])
        # the check can fail: the contact zone is a minority of the precursor grains' cells
        assert 0 < zone.sum() < 0.5 * particle.sum()
        j, i = (int(np.argmin(np.abs(ds.y.values - site[1]))), int(np.argmin(np.abs(ds.x.values - site[0]))))
        assert zone[j, i], f"NVP nucleus at {site} nm (t = {t:.3f} s) is not at an NH4VO3/NaH2PO4 contact of the frame at {float(ds.time[before]):.2f} s"

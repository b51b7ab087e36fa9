"""``ds.nvp`` and the lazy ``open_run``: a run read back as the model wrote it."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
import xarray as xr

import phasefield
from phasefield import NotARunError, ParameterError, open_run
from phasefield.io.output import RESUME_VARIABLES, append_frame
from scenarios.epitaxy import EpitaxyParameters

# one worker runs this module and test_epitaxy (pyproject: --dist loadgroup): their run is computed once
pytestmark = pytest.mark.xdist_group("epitaxy_4s")


@pytest.fixture(scope="module")
def reacted(epitaxy_4s):
    """A small epitaxy run at 710 degC for 4 s written to a file (NVP nucleates): tests/conftest.py."""
    return epitaxy_4s


def _synthetic(eta: np.ndarray, grain_phase: list[str], times=(0.0,)) -> xr.Dataset:
    t, g, ny, nx = eta.shape
    return xr.Dataset(
        {"eta": (("time", "grain", "y", "x"), eta)},
        coords={"time": list(times), "grain": np.arange(g), "grain_phase": ("grain", grain_phase), "x": np.arange(nx) + 0.5, "y": np.arange(ny) + 0.5},
    )


def test_phase_fractions_match_hand_computed_values():
    # two NH4VO3 grains and an NVP grain meeting in one cell: eta = 0.6, 0.3, 0.5
    # h_NH4VO3 = (0.36 + 0.09) / 0.70 = 9/14, h_NVP = 0.25 / 0.70 = 5/14, every other phase 0
    rng = np.random.default_rng(3)
    eta = rng.uniform(0.0, 1.0, (1, 3, 4, 5))
    eta[0, :, 2, 1] = (0.6, 0.3, 0.5)
    h = _synthetic(eta, ["NH4VO3", "NH4VO3", "NVP"]).nvp.phases()
    assert h.dims == ("phase", "y", "x") and h.attrs["units"] == "1"
    assert h.sel(phase="NH4VO3", y=2.5, x=1.5) == pytest.approx(9 / 14, rel=1e-12)
    assert h.sel(phase="NVP", y=2.5, x=1.5) == pytest.approx(5 / 14, rel=1e-12)
    # fractions of a partition: they sum to 1 in every cell, phases without grains hold 0
    np.testing.assert_allclose(h.sum("phase"), 1.0, rtol=1e-12)
    assert float(abs(h.drop_sel(phase=["NH4VO3", "NVP"])).max()) == 0.0


def test_a_time_selects_the_nearest_frame_and_one_outside_the_run_is_refused():
    ds = _synthetic(np.random.default_rng(0).uniform(size=(3, 1, 2, 2)), ["NVP"], times=(0.0, 0.5, 1.25))
    assert float(ds.nvp.frame(0.7)["time"]) == 0.5
    assert float(ds.nvp.frame()["time"]) == 1.25
    # half the smallest frame interval (0.25 s) of slack either side, no more
    assert float(ds.nvp.frame(1.45)["time"]) == 1.25
    with pytest.raises(ParameterError, match=r"time = 1.6 s is outside the run; allowed: 0 to 1.25 s \(3 frames\)"):
        ds.nvp.frame(1.6)
    with pytest.raises(ParameterError, match="time = -0.3 s"):
        ds.nvp.phases(-0.3)


def test_open_run_lazily_or_whole_equals_the_file(reacted):
    path, _ = reacted
    # open_run leaves out the variables only a resume reads (the state before the last frame)
    with xr.open_dataset(path, engine="netcdf4", decode_timedelta=False, drop_variables=RESUME_VARIABLES) as plain:
        expected = plain.load()
    with open_run(path) as lazy:  # lazy by default: one frame per dask chunk
        assert lazy["eta"].chunks is not None and set(lazy["eta"].chunks[0]) == {1}
        xr.testing.assert_identical(lazy.load(), expected)
    whole = open_run(path, chunks=None)
    assert whole["eta"].chunks is None
    xr.testing.assert_identical(whole, expected)
    with open_run(path, variables=["T", "eta"]) as some:
        xr.testing.assert_identical(some.load(), expected[["T", "eta"]])


def test_lazy_runs_left_to_the_garbage_collector_do_not_break_later_reads(reacted, tmp_path):
    """netCDF-C is not reentrant: with its engine this loop failed ("NetCDF: HDF error", segfaults
    in the test suite) when a lazy Dataset that only the collector could free was closed inside
    the next open. Forced collections at every allocation (threshold 1) make that happen at once."""
    path, _ = reacted
    other = tmp_path / "copy.nc"
    other.write_bytes(path.read_bytes())
    expected = open_run(path, chunks=None)["T"].values
    threshold = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    try:
        for k in range(10):  # each pass reopens with a lazy Dataset pending (40 passes cost 130 s)
            ds = open_run(path if k % 2 else other)
            cycle = [ds]
            cycle.append(cycle)  # freed only by the collector, at some later allocation
            np.testing.assert_array_equal(ds["T"].values, expected)
            with open_run(other if k % 2 else path) as again:
                np.testing.assert_array_equal(again["T"].values, expected)
            del ds, cycle
    finally:
        gc.set_threshold(*threshold)
        gc.collect()


def test_open_run_reads_a_tail_lazily_with_the_last_frames_attributes(reacted, tmp_path):
    # frames written one by one as a running run writes them: frame 0 in the file, the rest in its tail
    path, _ = reacted
    with xr.open_dataset(path, decode_timedelta=False) as plain:
        ds = plain.load()
    growing = tmp_path / "growing.nc"
    for k in range(4):
        append_frame(growing, ds.isel(time=[k]), {"frame_index": k})
    with open_run(growing) as got:
        assert got.sizes["time"] == 4 and got.attrs["frame_index"] == 3
        xr.testing.assert_equal(got["eta"].load(), ds["eta"].isel(time=slice(0, 4)))


def test_the_parameters_come_back_as_the_parameter_object(reacted):
    path, params = reacted
    back = open_run(path).nvp.parameters
    assert type(back) is EpitaxyParameters and back == params


def test_the_slot_table_matches_the_run(reacted):
    path, params = reacted
    ds = open_run(path)
    table = ds.nvp.slots()
    last = ds.isel(time=-1)
    np.testing.assert_array_equal(table["area_nm2"], last["grain_area"].values)
    assert list(table["phase"]) == [str(p) for p in ds["grain_phase"].values]
    # a nucleus is planted at the end of its sampling interval and first written at the next
    # frame: its slot comes into use within one output interval after its formation time
    formed = json.loads(ds.attrs["nucleus_formation_times_s"])
    assert formed, "the fixture's run must nucleate NVP"
    nvp = table[(table["phase"] == "NVP") & table["in_use"]]
    assert 1 <= len(nvp) <= len(formed)  # a slot whose grain vanished may take a later nucleus
    for t_seen in nvp["first_in_use_s"]:
        assert any(t <= t_seen <= t + params.output_interval_s + 1e-9 for t in formed)
    # the grains in use at the start are there from the first frame
    assert (table.loc[table["phase"] == "NH4VO3", "first_in_use_s"] == 0.0).all()


def test_the_tracked_grains_partition_their_slots_and_keep_their_orientation(reacted):
    path, _ = reacted
    ds = open_run(path)
    table = ds.nvp.grains()
    assert table.index.name == "grain" and {"slot", "phase", "area_nm2", "centroid_x_nm", "orientation_deg", "born_s"} <= set(table.columns)
    # every cell of a slot holding grains belongs to one of them: their areas add up to the slot's
    # grain_area, computed by the frame writer from eta alone (to round-off of the sums)
    last = ds.isel(time=-1)
    for slot, group in table.groupby("slot"):
        assert group["area_nm2"].sum() == pytest.approx(float(last["grain_area"][slot]), rel=1e-9)
        assert (group["phase"] == str(ds["grain_phase"].values[slot])).all()
    # NVP grains take the orientation of the NH4VO3 grain they nucleate on (epitaxy, paper Fig. 4)
    nh4vo3 = table.loc[table["phase"] == "NH4VO3", "orientation_deg"]
    nvp = table.loc[table["phase"] == "NVP", "orientation_deg"]
    assert len(nvp) >= 1 and set(nvp) <= set(nh4vo3)
    history = ds.nvp.grain_history()
    assert history["area"].dims == ("time", "tracked_grain") and history["area"].attrs["units"] == "nm2"
    np.testing.assert_array_equal(history["phase"].values[table.index - 1], table["phase"].values)


def test_phases_of_a_run_agree_with_its_phase_map(reacted):
    path, _ = reacted
    ds = open_run(path)
    h = ds.nvp.phases(2.0)
    frame = ds.nvp.frame(2.0)
    top = np.sort(h.values, axis=0)
    clear = top[-1] - top[-2] > 1e-6  # ties are broken either way
    dominant = h.argmax("phase").values
    np.testing.assert_array_equal(dominant[clear], frame["phase_map"].values[clear])


def test_a_file_that_is_not_a_run_is_refused_by_name(tmp_path):
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF")
    with pytest.raises(NotARunError, match="notes.nc is not a readable netCDF file"):
        open_run(text)
    other = tmp_path / "other.nc"
    xr.Dataset({"T": ("x", [1.0])}).to_netcdf(other)
    with pytest.raises(NotARunError, match=r"other.nc is not a run file \(no time dimension\)"):
        open_run(other)
    # a record in time that nvp-growth did not write has no parameters to read back
    plain = tmp_path / "plain.nc"
    xr.Dataset({"T": ("time", [1.0])}, coords={"time": [0.0]}).to_netcdf(plain)
    with pytest.raises(ValueError, match="no 'parameters' attribute"):
        open_run(plain).nvp.parameters
    with pytest.raises(FileNotFoundError, match="missing.nc"):
        phasefield.open_run(tmp_path / "missing.nc")

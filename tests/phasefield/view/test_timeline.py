"""Paper-style plots: the timeline of a run and a threshold sweep (told apart by their variables),
drawn from the Dataset's numbers in the package's phase colours."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import to_hex

from phasefield.model.phases import PHASES
from phasefield.model.values import ParameterError
from phasefield.view import PHASE_COLOURS, NotARunError, plot, sweep_figure, timeline_figure
from phasefield.view.timeline import plot_kind, read_plottable
from scenarios.threshold import summarize


def test_every_phase_has_its_own_colour():
    assert set(PHASE_COLOURS) == set(PHASES)
    assert len({to_hex(c) for c in PHASE_COLOURS.values()}) == len(PHASES)


def test_the_timeline_draws_the_runs_areas_temperature_valence_and_the_nvp_onset(small_run, tmp_path):
    ds = read_plottable(small_run)
    assert plot_kind(ds) == "run"
    fig = timeline_figure(ds)
    area_ax, t_ax, v_ax = fig.axes
    lines = {line.get_label(): line for line in area_ax.lines if not line.get_label().startswith("_")}
    assert set(lines) == {"NH4VO3", "NaH2PO4", "NVP"}  # condensed phases with area; not the box or NZSP
    for phase, line in lines.items():
        np.testing.assert_array_equal(line.get_ydata(), ds.phase_area.sel(phase=phase).values)
        assert to_hex(line.get_color()) == PHASE_COLOURS[phase]
    onset = min(json.loads(ds.attrs["nucleus_formation_times_s"]))
    marks = [line for line in area_ax.lines if line.get_label().startswith("_") and np.allclose(line.get_xdata(), onset)]
    assert marks, "the first NVP nucleus is marked"
    np.testing.assert_allclose(t_ax.lines[0].get_ydata(), ds.T.values - 273.15)
    np.testing.assert_array_equal(v_ax.lines[0].get_ydata(), ds.mean_V_valence.values)
    for suffix in (".png", ".svg"):
        out = plot(ds, tmp_path / f"timeline{suffix}")
        assert out.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.png", "timeline.svg"]


def test_a_threshold_summary_is_plotted_as_nvp_fraction_against_hold_temperature(tmp_path):
    # the summary as scenarios.threshold writes it, from the combined runs of two members
    # (one with NVP, one without) along hold_temperature_C
    fractions = np.zeros((2, 3, len(PHASES)))
    fractions[1, 1:, PHASES.index("NVP")] = [0.15, 0.3]
    combined = xr.Dataset(
        {"phase_fraction": (("hold_temperature_C", "time", "phase"), fractions)},
        coords={"hold_temperature_C": [690.0, 715.0], "time": [0.0, 1.0, 2.0], "phase": list(PHASES)},
    )
    summary = summarize(combined).assign_coords(hold_temperature_C=combined.hold_temperature_C)  # as in the combined file it is added to
    summary.attrs["parameters"] = json.dumps({"critical_temperature_K": 973.15})
    path = tmp_path / "threshold.nc"
    summary.to_netcdf(path)
    read = read_plottable(path)
    assert plot_kind(read) == "sweep"
    fraction_ax, onset_ax = sweep_figure(read).axes
    np.testing.assert_array_equal(fraction_ax.lines[0].get_xdata(), [690.0, 715.0])
    np.testing.assert_array_equal(fraction_ax.lines[0].get_ydata(), [0.0, 0.3])
    np.testing.assert_array_equal(onset_ax.lines[0].get_ydata(), [np.nan, 1.0])
    assert any(np.allclose(line.get_xdata(), 700.0) for line in fraction_ax.lines[1:])  # T_c marked
    assert plot(read, tmp_path / "sweep.png").exists()


def test_what_cannot_be_plotted_is_refused(small_run, tmp_path):
    (tmp_path / "notes.nc").write_text("not a netCDF file")
    with pytest.raises(NotARunError, match="notes.nc is not a readable netCDF file"):
        read_plottable(tmp_path / "notes.nc")
    xr.Dataset({"x": ("x", [1.0, 2.0])}).to_netcdf(tmp_path / "other.nc")
    with pytest.raises(NotARunError, match=r"other.nc is neither a run \(with phase_area, T, mean_V_valence\) nor a sweep summary"):
        read_plottable(tmp_path / "other.nc")
    with pytest.raises(FileNotFoundError, match="missing.nc does not exist"):
        read_plottable(tmp_path / "missing.nc")
    with pytest.raises(ParameterError, match=r"the extension \.jpg is not supported; allowed: \.png, \.svg, \.pdf"):
        plot(read_plottable(small_run), tmp_path / "timeline.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.nc", "other.nc"]

# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The 700 degC threshold: a sweep over the hold temperature (paper Fig. S7)
#
# The `threshold` scenario runs the whole process once per hold temperature, one worker
# process each (`scenarios.sweep` on a dask.distributed LocalCluster): an amorphous precursor
# particle on NZSP is heated at 20 K/s, crystallizes into NH4VO3 and NaH2PO4 nanograins on the
# way up, and is held. It summarises the final NVP area fraction, the time NVP first appears and
# the transformed share of the amorphous precursor against the hold temperature. The paper
# (Fig. S7, Movie S9) saw only crystallization below T_c = 700 degC and NVP above it. A rerun keeps
# the members already finished with the same parameters and package version.
#
# Plain-text notebook (jupytext percent format); `tests/notebooks/` executes it on a small grid.

# %% tags=["parameters"]
CHANGES = {}  # parameters changed from the scenario's defaults, e.g. {"temperatures_C": (695.0, 705.0)}
OUT = "threshold.nc"

# %%
import matplotlib.pyplot as plt
import numpy as np

from phasefield import view
from scenarios.threshold import ThresholdParameters, run

params = ThresholdParameters(**CHANGES)
summary = run(params, OUT)  # member runs in threshold/hold_temperature_C=<T>.nc
summary[["final_nvp_fraction", "nvp_onset_s", "transformed_fraction", "n_nuclei"]].to_dataframe()

# %% [markdown]
# ## NVP fraction and onset against the hold temperature

# %%
fig = view.sweep_figure(summary)

# %% [markdown]
# NVP forms only above T_c: every hold at or below it ends without NVP, and the hottest hold
# ends with some; the precursor crystallized at every hold.

# %%
t_c = params.critical_temperature_K - 273.15
final = summary["final_nvp_fraction"].load()
temps = final["hold_temperature_C"].values
print(f"T_c = {t_c:g} degC; final NVP fraction:", dict(zip(temps.tolist(), np.round(final.values, 4).tolist())))
assert (final.sel(hold_temperature_C=temps[temps <= t_c]) == 0).all()
assert float(final.sel(hold_temperature_C=temps.max())) > 0
assert (summary["transformed_fraction"] > 0.9).all()

# %% [markdown]
# ## One member up close
# Each member is an ordinary run file: its timeline shows the crystal phases appearing on the ramp,
# then NVP after T_c.

# %%
from pathlib import Path

import phasefield

member = Path(OUT).parent / str(summary["run_file"].sel(hold_temperature_C=temps.max()).values)  # relative to OUT
hottest = phasefield.open_run(member)
fig = hottest.nvp.timeline()

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
# # An epitaxy run: timeline, movie frames, TEM-like image and its FFT, V valence
#
# The `epitaxy` scenario (paper Fig. 3-5): an NH4VO3 particle touches a NaH2PO4 particle;
# above T_c = 700 degC NVP nucleates at their contact, inherits the NH4VO3 orientation and
# grows into NH4VO3, fed by NaH2PO4 through the boundary. This notebook runs it (or reads the
# run file if it exists with the same parameters), then looks at it as a microscopist would.
#
# Plain-text notebook (jupytext percent format): open it in Jupyter with jupytext installed,
# or run it as a script. `tests/notebooks/` executes it on a small grid.

# %% tags=["parameters"]
CHANGES = {}  # parameters changed from the scenario's defaults, e.g. {"grid": 64, "duration_s": 10.0}
OUT = "epitaxy.nc"

# %%
from pathlib import Path

import atomistic
import imageio.v3 as iio
import matplotlib.pyplot as plt
import numpy as np

import phasefield
from phasefield import view
from scenarios.epitaxy import EpitaxyParameters, run

params = EpitaxyParameters(**CHANGES)

if not (Path(OUT).exists() and phasefield.open_run(OUT, chunks=None).nvp.parameters == params):
    run(params, OUT, overwrite=True)
ds = phasefield.open_run(OUT)  # lazy (one frame per dask chunk); chunks=None reads it into memory
assert ds.nvp.parameters == params
print(f"{ds.sizes['time']} frames, {float(ds.time[-1]):g} s, {ds.attrs['n_nuclei']} NVP nuclei")

# %% [markdown]
# ## Timeline (paper Fig. 3)
# Phase areas, the first NVP nucleus, the temperature and the mean V valence against time.

# %%
fig = ds.nvp.timeline()

# %% [markdown]
# V and P are conserved: the integral of each species stays at its initial value to round-off.

# %%
amount = ds["amount"].load()
drift = float((abs(amount - amount.isel(time=0)) / amount.isel(time=0)).max())
print(f"largest relative drift of the V and P amounts: {drift:.1e}")
assert drift < 1e-8

# %% [markdown]
# ## The grains
# One row per order-parameter slot (`ds.nvp.slots()`); `first_in_use_s` is when an NVP slot
# received its nucleus. `ds.nvp.grains()` has one row per tracked grain (its slot, area,
# centroid, orientation).

# %%
grains = ds.nvp.slots()
grains

# %%
nvp = grains[(grains["phase"] == "NVP") & grains["in_use"]]
# every nucleus takes a free NVP slot (a slot whose grain vanished is used again)
assert 1 <= len(nvp) <= ds.attrs["n_nuclei"], "NVP nucleates above T_c"
# NVP inherits the orientation of the NH4VO3 grain it grows into (paper Fig. 4)
nh4vo3_orientation = grains.loc[grains["phase"] == "NH4VO3", "orientation_deg"].iloc[0]
np.testing.assert_allclose(nvp["orientation_deg"], nh4vo3_orientation)

# %% [markdown]
# ## Movie frames
# `ds.nvp.movie("epitaxy.mp4")` (or `nvp-growth movie epitaxy.nc`) writes every frame; here a
# gif, and three of its frames.

# %%
movie = ds.nvp.movie("epitaxy.gif", fps=4)
frames = iio.imread(movie, index=None)
assert len(frames) == ds.sizes["time"], "one video frame per frame of the run"
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, k in zip(axes, (0, len(frames) // 2, len(frames) - 1)):
    ax.imshow(frames[k])
    ax.set_axis_off()

# %% [markdown]
# ## TEM-like image and FFT (paper Fig. 4)
# A 10 nm square around the largest NVP grain at the last frame: its FFT shows the (2 0 2)
# NVP spots at 1/d, d = 0.357 nm (the spacing `atomistic` computes from the NVP cell, and the
# paper measured, 0.357 nm).

# %%
last = ds.nvp.frame()
k = int(nvp[f"area_{ds['grain_area'].attrs['units']}"].idxmax())
cx, cy = float(last["centroid_x"][k]), float(last["centroid_y"][k])
box = view.Region.whole(ds)
half = min(5.0, cx - box.x0, box.x1 - cx, cy - box.y0, box.y1 - cy)
region = (cx - half, cx + half, cy - half, cy + half)
image = ds.nvp.tem(region=region)
spots = ds.nvp.fft(region=region)
fig = view.micrograph_figure(image, spots, view.Region(*region))
spots.to_dataframe()

# %%
d_nvp = atomistic.d_spacing("NVP", (2, 0, 2)) / 10  # Angstrom -> nm
pixel = 1.0 / (2 * half)  # FFT pixel in 1/nm
g = spots["g"].values
assert np.min(np.abs(g - 1 / d_nvp)) <= pixel, f"no spot within one FFT pixel of 1/d(202) = {1 / d_nvp:.3f} 1/nm: {g}"

# %% [markdown]
# ## Mean V valence (EELS, paper Fig. 1t)
# +5 in NH4VO3, +3 in NVP: the V-weighted mean falls as NVP grows.

# %%
valence = ds["mean_V_valence"].load()
fig, ax = plt.subplots(figsize=(5, 3))
valence.plot(ax=ax)
ax.set_ylabel("mean V valence")
assert abs(float(valence[0]) - 5.0) < 1e-9 and float(valence[-1]) < 5.0

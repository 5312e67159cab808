# %% [markdown]
# # A sweep and its plot
#
# `run_sweep` evaluates the whole steady-state pipeline (mean fields → A, D → stability by eigenvalues and
# Routh–Hurwitz → Lyapunov → bona fide check → E_N) on a grid of parameter points at once, vectorized.
# The result holds NumPy arrays (`result.arrays`, `result.coords`, `result.attrs`) and, built on first use,
# `result.dataset`: an `xarray.Dataset` that carries its coordinates, units, every fixed parameter and the
# conventions.  `result.save` writes a CF-conventions NetCDF file any netCDF tool can read (without importing
# xarray; the same file as saving the dataset).
#
# Here: the paper's model in the `literal` units reading at φ = 0.6π, where part of the paper's
# (Δ/ω_m, Δθ) plane of Fig. 2(b) is stable (at the paper's φ = 0.8π none of it is).

# %%
import numpy as np
import xarray as xr

import cascom_sim as cs
from cascom_sim.report.plotting import plot_sweep, use_style
from cascom_sim.runs.sweep import Axis, run_sweep

use_style()
result = run_sweep([Axis("detuning", 0.5, 2.5, 120), Axis("dtheta_pi", 0.0, 0.5, 100)],
                   base=cs.Parameters(phi_pi=0.6), options=cs.ModelOptions(units="literal"))
result

# %% [markdown]
# Every point carries `stable` (both criteria), `noise_physical`, `bona_fide` (1, 0, or −1 where there is no
# steady state), `E_N` (NaN where unstable or not bona fide) and the growth rate `max_re_eigenvalue`:

# %%
ds = result.dataset
stable = ds["stable"].values.astype(bool)
print(f"stable: {stable.mean():.1%} of the plane")
print(f"noise physical: {ds['noise_physical'].values.mean():.1%} (η > 0 and cos φ ≠ 0: the paper's noise is unphysical)")
print(f"bona fide among stable points: {(ds['bona_fide'].values == 1).sum() / stable.sum():.1%}")
print(f"largest E_N where defined: {np.nanmax(ds['E_N'].values):.3g}")

# %% [markdown]
# Save it and read it back: the file is self-describing.

# %%
result.save("plane.nc")
back = xr.open_dataset("plane.nc")
print(back["E_N"].attrs["long_name"], "|", back["detuning"].attrs["long_name"], "|", back.attrs["Conventions"])
print(back["bona_fide"].attrs["flag_values"], back["bona_fide"].attrs["flag_meanings"])
print(back.attrs["history"].splitlines()[-1])

# %% [markdown]
# `plot_sweep` draws E_N where it is defined, shades unstable points grey and points whose covariance is not
# bona fide orange (E_N withheld there), and outlines the region of physical noise. Its footer lists the model,
# the readings and every parameter that differs from the paper's defaults. (`cascom sweep ... --plot FILE.png`
# draws the same figure.)

# %%
plot_sweep(ds, "plane.png", title="Paper's model, literal reading, φ = 0.6π")

# %% [markdown]
# Most of the stable region is orange: the Lyapunov solution exists but violates V + iΩ/2 ≥ 0, because the
# model's noise is unphysical. A 1-D cut goes the same way, e.g. the growth rate against the pump power at
# the paper's own point:

# %%
import matplotlib.pyplot as plt

cut = run_sweep([Axis("power", 1e-3, 30e-3, 60)], base=cs.Parameters(detuning=1.4, dtheta_pi=0.25),
                options=cs.ModelOptions(units="literal"))
fig, ax = plt.subplots(figsize=(5.6, 3.4))
kappa = 2 * np.pi * cut.dataset.attrs["param_kappa"]
ax.plot(cut.dataset["power"] * 1e3, cut.dataset["max_re_eigenvalue"] / kappa)
ax.axhline(-1 + 2 * abs(np.cos(0.8 * np.pi)), color="k", ls="--", lw=1, label="optics alone: $-1 + 2|\\cos\\varphi|$")
ax.set_xlabel("pump power $P$ (mW)")
ax.set_ylabel(r"growth rate $\max\,\mathrm{Re}\,\lambda/\kappa$")
ax.set_title("Paper's model, literal reading, at its Fig. 2(a) point: unstable at every power")
ax.set_ylim(bottom=0)
ax.legend()

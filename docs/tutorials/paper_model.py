# %% [markdown]
# # The paper's model and why it fails
#
# Liu *et al.* (PRA **109**, 023519 (2024)) predict entanglement of two remote mirrors near Δ/ω_m ≈ 1.4,
# controlled by the pumps' phase difference Δθ. Here we evaluate their model exactly as printed, at their
# own parameters, and find out why it has no steady state there.

# %%
import matplotlib.pyplot as plt
import numpy as np

import cascom_sim as cs
from cascom_sim.report.plotting import use_style

use_style()
p = cs.Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8)   # Fig. 2(a); everything else Fig. 1(d)
for units in ("consistent", "literal"):
    s = cs.steady_state(p, cs.ModelOptions(units=units))
    print(s)
    print(f"   growth rate max Re λ = {s.stability.max_re_eigenvalue:.4g} 1/s, "
          f"min eig D + i(AΩ+ΩAᵀ)/2 = {s.noise_min_eigenvalue:.4g} 1/s")

# %% [markdown]
# Both readings of the paper's units say the same thing: **unstable** (no steady state, so no E_N), and the
# noise is **not physical**. The reason is in the optics alone. Switch the pumps off (P = 0): the two cavities,
# coupled through the fibre by −2κ√η e^{iφ}, have eigenvalues −(iΔ + κ) ± 2κ√η e^{iφ}, whose real parts are
# −κ ± 2κ√η cos φ. At η = 1, φ = 0.8π, 2|cos φ| = 1.618 > 1.

# %%
kappa = float(p.kappa_rad)
dark = cs.build_model(p.replace(power=0.0))
optical = np.linalg.eigvals(dark.drift[:4, :4])
print("optical eigenvalues / κ:", np.round(np.sort_complex(optical) / kappa, 4))
print("predicted real parts / κ: -1 ± 2√η|cos φ| =",
      np.round([-1 - 2 * abs(np.cos(0.8 * np.pi)), -1 + 2 * abs(np.cos(0.8 * np.pi))], 4))
print("noise physicality: computed", f"{cs.noise_physicality_min_eigenvalue(dark.drift, dark.diffusion):.5g}",
      "predicted -2κ√η|cos φ| =", f"{-2 * kappa * abs(np.cos(0.8 * np.pi)):.5g}")

# %% [markdown]
# So the instability grows at 0.618κ whatever Δ, Δθ or P are. Where is the paper's model stable at all?
# A sweep over the fibre's phase and transmission answers it; `max_re_eigenvalue` is saved at every point.

# %%
from cascom_sim.runs.sweep import Axis, run_sweep

res = run_sweep([Axis("phi_pi", 0.0, 1.0, 101), Axis("eta", 0.0, 1.0, 81)], base=p)
ds = res.dataset
print(res)
from cascom_sim.report.plotting import growth_panel, legend

fig, ax = plt.subplots(figsize=(5.8, 4.2))
handles = growth_panel(ax, ds)          # unstable points: red scale of max Re λ/κ; stable points: blue
phi = np.linspace(0, 1, 400)
cos = np.abs(np.cos(np.pi * phi))
with np.errstate(divide="ignore"):
    ax.plot(phi, np.where(cos > 0.5, 1 / (4 * cos**2), np.nan), color="C2", ls="--",
            label=r"optics alone: $2\sqrt{\eta}\,|\cos\varphi| = 1$")
ax.plot([0.8], [1.0], marker="*", ms=12, color="k", ls="none", clip_on=False, label="the paper's point")
ax.set_ylim(0, 1)
ax.set_title("Paper's model, consistent reading: where is there a steady state?\n"
             r"$\Delta/\omega_m = 1.4$, $\Delta\theta = 0.25\pi$, other parameters Fig. 1(d)")
legend(ax, handles, loc="lower center")
print(f"stable fraction of the (φ, η) plane: {float(ds['stable'].mean()):.3f}")

# %% [markdown]
# The black contour (computed) follows the green dashed line (the optics alone) closely: wherever
# 2√η|cos φ| > 1 the model cannot have a steady state, and the paper's point (★) sits deep inside that
# region. Inside the stable region the noise is still unphysical unless η = 0 or cos φ = 0
# (see [Conventions](../conventions.md#physicality)).
#
# A physically consistent model of the same cascade, the **two-channel** model (two chiral fibre channels,
# built from a Hamiltonian and jump operators), is stable and physical at the paper's point — but its
# mirrors are not entangled, because the optomechanical coupling is far too weak:

# %%
two = cs.steady_state(p, cs.ModelOptions(model="two-channel"))
print(two)
mf = two.model.mean_fields
G = float(p.g0()) * np.sqrt(np.max(mf.photon_numbers))
print(f"N = {np.max(mf.photon_numbers):.3g} photons, G = g0√N = {G:.3g} 1/s = {G / kappa:.2g} κ")

# %% [markdown]
# Entanglement of this kind needs G comparable to κ and ω_m. The `literal` reading of the paper's units
# reaches such couplings (N ~ 10¹⁶), and there the model is unstable. `cascom validate` checks every claim
# of the paper this way; the numbers are collected in [Findings](../findings.md).

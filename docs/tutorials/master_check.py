# %% [markdown]
# # The master-equation check
#
# The Gaussian solvers are exact for a linear model, so an independent check must not share their algebra.
# `cascom_sim.solvers.master` builds QuTiP operators from the same Hamiltonian and jump operators (H, L) in a
# truncated Fock space, solves the Lindblad master equation, and reads the covariance matrix back from ρ.
# It only converges where occupations are small, so the case is scaled down: the paper's model at η = 0
# (physical there), ω_m/2π = 1 MHz, low power and temperature (`report.me_cases.single_cavity`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from cascom_sim.gaussian.covariance import log_negativity
from cascom_sim.report.me_cases import single_cavity
from cascom_sim.report.plotting import use_style
from cascom_sim.solvers.dynamics import propagate_covariance
from cascom_sim.solvers.master import master_evolution, master_steady_state

use_style()
case = single_cavity()
print(case.description)
print("modes:", case.model.modes, " Lyapunov E_N(a1, b1) =", round(float(log_negativity(case.lyapunov, (0, 1))), 5))

# %% [markdown]
# Steady state: the relative difference ‖V_ME − V_Lyap‖/‖V_Lyap‖ falls as the Fock cutoffs grow.

# %%
for cutoffs in case.cutoffs[:3]:  # the case's last, largest cutoffs reach 1.6e-6 (docs: Master-equation cross-check)
    r = master_steady_state(case.model, cutoffs, case.lyapunov)
    print(f"cutoffs {cutoffs}: relative difference {r.relative_difference:.1e}, "
          f"E_N = {r.log_negativity(case.pair):.5f}, population of the top Fock level {r.top_level_population:.1e}")

# %% [markdown]
# In time: `mesolve` from optical vacuum and a thermal mirror against the exact covariance propagation.

# %%
times = np.linspace(0, 3e-6, 31)
V0 = np.diag(np.repeat(np.array(case.initial_occupations) + 0.5, 2))
ode = propagate_covariance(case.drift, case.diffusion, V0, times)
cut = case.cutoffs[1]
me = master_evolution(case.model, cut, case.initial_occupations, times)
rel = np.linalg.norm(me - ode, axis=(1, 2)) / np.linalg.norm(ode, axis=(1, 2))
print(f"largest relative difference over time at cutoffs {cut}: {rel.max():.1e}")

t = times * 1e6
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.0, 5.2), sharex=True)
for (i, j), lab in (((2, 2), r"$V_{X_bX_b}$"), ((0, 0), r"$V_{X_aX_a}$"), ((0, 2), r"$V_{X_aX_b}$")):
    line, = ax1.plot(t, ode[:, i, j], label=f"{lab}")
    ax1.plot(t, me[:, i, j], "o", ms=3, color=line.get_color(), mfc="none")
ax1.plot([], [], "ko", ms=3, mfc="none", label=f"master equation, cutoffs {cut}")
ax1.set_ylabel("covariance entries")
ax1.legend(ncol=2)
ax2.plot(t, log_negativity(ode, (0, 1)), label="covariance propagation")
ax2.plot(t, log_negativity(me, (0, 1)), "ko", ms=3, mfc="none", label="master equation")
ax2.set_xlabel(r"time $t$ ($\mu$s)")
ax2.set_ylabel(r"$E_N(a_1, b_1)$")
ax2.legend()
ax1.set_title("QuTiP master equation vs exact covariance propagation\n"
              r"model paper ($\eta = 0$), scaled case: $\omega_m/2\pi$ = 1 MHz, $n \leq 0.13$")

# %% [markdown]
# For the paper's own model at η > 0 and cos φ ≠ 0 no master equation exists: its (A, D) violates
# D + (i/2)(AΩ + ΩAᵀ) ≥ 0, and `lindblad_from_langevin` (or `cascom master`) says so with the eigenvalue:

# %%
import cascom_sim as cs
from cascom_sim.errors import UnphysicalModelError
from cascom_sim.solvers.master import lindblad_from_langevin

paper = cs.build_model(cs.Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8))
try:
    lindblad_from_langevin(paper.drift, paper.diffusion)
except UnphysicalModelError as exc:
    print("UnphysicalModelError:", exc)

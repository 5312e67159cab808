"""Transient build-up of optomechanical entanglement, exact covariance vs a Langevin ensemble.

Case (``cascom_sim.presets.SINGLE_CAVITY_ENTANGLED``): one cavity (η = 0) at Δ = ω_m, strong coupling,
T = 10 mK, paper rates κ/γ_m ≈ 2·10⁴.  The mechanics starts thermal (n_m ≈ 1.9), the cavity in vacuum.

    python examples/transient_buildup.py [OUT.png]
"""

import sys

import numpy as np

import cascom_sim as cs
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as params
from cascom_sim.solvers.dynamics import evolve_covariance, evolve_ensemble, initial_covariance

out = sys.argv[1] if len(sys.argv) > 1 else "transient_buildup.png"
pair = ("a1", "b1")
model = cs.build_model(params)
times = np.linspace(0.0, 0.5e-6, 201)
V0 = initial_covariance(params)

exact = evolve_covariance(model, times, V0, pair)
ensemble = evolve_ensemble(model, times, V0, 20_000, seed=2024, pair=pair)
print(exact)
print(ensemble)
m = exact.metrics
print(f"birth {m.birth_time:.3g} s, max E_N {m.max_E_N:.4f} at {m.time_of_max:.3g} s, "
      f"within {m.tolerance} of {exact.stationary_E_N:.4f} from {m.convergence_time:.3g} s")

# cascom_sim.report.plotting.plot_evolution(ensemble, "file.png") draws one evolution with occupations;
# here the exact covariance evolution and the ensemble share one axis.
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cascom_sim.report.plotting import use_style  # noqa: E402

use_style()

fig = plt.figure(figsize=(6.4, 4.2))
ax = fig.add_subplot()
ax.fill_between(times * 1e6, np.clip(ensemble.E_N_ci[:, 0], 0, None), ensemble.E_N_ci[:, 1], alpha=0.3,
                color="C0", label=f"Langevin, 95 % interval ({ensemble.n_trajectories} trajectories)")
ax.plot(times * 1e6, ensemble.E_N, color="C0", lw=1, label="Langevin estimate")
ax.plot(times * 1e6, exact.E_N, color="k", lw=2, label="covariance ODE (exact)")
ax.axhline(exact.stationary_E_N, color="C1", ls="--", lw=1, label="Lyapunov steady state")
ax.set_xlabel(r"time ($\mu$s)")
ax.set_ylabel(r"$E_N(a_1, b_1)$")
o = model.options
ax.set_title(r"Entanglement build-up, single cavity at $\Delta = \omega_m$" + "\n"
             f"model {o.model} (η = 0) · units {o.units} · coupling {o.coupling} · bath {o.bath}; stable, physical")
ax.legend(loc="lower right")
fig.savefig(out)
print("wrote", out)

"""Master equation (QuTiP, truncated Fock space) against the Gaussian solvers, in time and at steady state.

Case ``cascom_sim.report.me_cases.single_cavity``: the paper's model at η = 0 (physical there), scaled down to
low occupations so a few Fock states per mode suffice.

    python examples/master_check.py [OUT.png]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cascom_sim.report.plotting import use_style  # noqa: E402

use_style()
import numpy as np  # noqa: E402

from cascom_sim.gaussian.covariance import log_negativity  # noqa: E402
from cascom_sim.report.me_cases import single_cavity  # noqa: E402
from cascom_sim.solvers.dynamics import propagate_covariance  # noqa: E402
from cascom_sim.solvers.master import master_evolution, master_steady_state  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "master_check.png"
case = single_cavity()
times = np.linspace(0, 3e-6, 61)
V0 = np.diag(np.repeat(np.array(case.initial_occupations) + 0.5, 2))
ode = propagate_covariance(case.drift, case.diffusion, V0, times)
cut = case.cutoffs[-1]
me = master_evolution(case.model, cut, case.initial_occupations, times)
for c in case.cutoffs:
    r = master_steady_state(case.model, c, case.lyapunov)
    print(f"cutoffs {c}: steady-state relative difference {r.relative_difference:.2e}")

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 6), sharex=True)
t = times * 1e6
for (i, j), lab in (((2, 2), r"$V_{X_bX_b}$"), ((0, 0), r"$V_{X_aX_a}$"), ((0, 2), r"$V_{X_aX_b}$")):
    ax1.plot(t, ode[:, i, j], lw=2, label=f"{lab} covariance ODE")
    ax1.plot(t, me[:, i, j], "k.", ms=3)
ax1.plot([], [], "k.", label=f"mesolve, cutoffs {cut}")
ax1.set_ylabel("covariance entries")
ax1.legend()
ax2.plot(t, log_negativity(ode, (0, 1)), lw=2, label="covariance ODE")
ax2.plot(t, log_negativity(me, (0, 1)), "k.", ms=3, label="mesolve")
rel = np.linalg.norm(me - ode, axis=(1, 2)) / np.linalg.norm(ode, axis=(1, 2))
ax2.set_ylabel(r"$E_N(a_1, b_1)$")
ax2.set_xlabel(r"time ($\mu$s)")
ax2.legend(title=f"max relative difference {rel.max():.1e}")
ax1.set_title("QuTiP master equation vs covariance ODE\nmodel=paper (η = 0), units=consistent, coupling=paper, "
              "bath=paper; stable, physical")
fig.savefig(out)
print(f"max relative difference over time {rel.max():.2e}; wrote {out}")

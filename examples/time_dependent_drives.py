"""Pump switch-on with three ramp times against the quench, and the periodic state of a modulated pump.

Writes docs/timedep_switch_on.png and docs/timedep_periodic.png (about 20 s on one core).
Run: ``OMP_NUM_THREADS=1 python examples/time_dependent_drives.py [OUTDIR]``.
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from cascom_sim.gaussian.lyapunov import solve_lyapunov
from cascom_sim.models.drives import combine, ramp_drive
from cascom_sim.parameters import ModelOptions
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as P
from cascom_sim.report.plotting import STYLE
from cascom_sim.report.timedep_plots import plot_floquet
from cascom_sim.solvers.dynamics import initial_covariance, propagate_covariance
from cascom_sim.solvers.floquet import floquet
from cascom_sim.solvers.meanfield_dynamics import driven_system
from cascom_sim.solvers.timedep import evolve_driven, formal_log_negativity

PAIR = ("a1", "b1")
out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")

t = np.linspace(0.0, 4e-7, 401)
quench_sys = driven_system(P, ModelOptions())
V_L = solve_lyapunov(quench_sys.model.drift, quench_sys.model.diffusion)
quench = propagate_covariance(quench_sys.model.drift, quench_sys.model.diffusion, initial_covariance(P), t)
runs = {tau: evolve_driven(driven_system(P, ModelOptions(), ramp_drive(tau)), t, pair=PAIR)
        for tau in (0.0, 1e-8, 5e-8)}

with plt.style.context(STYLE):
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.0, 5.4), sharex=True, height_ratios=(3, 2))
    ax1.plot(t * 1e9, np.maximum(formal_log_negativity(quench, PAIR), 0), color="k", ls=":",
             label="quench (A frozen at its steady value)")
    for k, (tau, ev) in enumerate(runs.items()):
        lab = "step switch-on" if tau == 0 else rf"ramp $\tau$ = {tau * 1e9:g} ns"
        ax1.plot(t * 1e9, ev.E_N, color=f"C{k}", label=lab)
        ax2.plot(t * 1e9, ev.power[:, 0], color=f"C{k}", label=lab + r": $P(t)/P$")
        ax2.plot(t * 1e9, np.abs(ev.alpha[:, 0]) ** 2 / np.abs(quench_sys.model.mean_fields.alpha[0]) ** 2,
                 color=f"C{k}", ls="--", lw=1)
    ax1.axhline(runs[0.0].final_lyapunov_E_N, color="0.4", lw=1, ls="--", label="Lyapunov (steady state)")
    ax1.set_ylabel(r"$E_N$(a1, b1)")
    ax1.legend(loc="lower right", fontsize=8)
    ax1.set_title("Pump switch-on: the mean fields must build up first")
    ax2.set_xlabel("time $t$ (ns)")
    ax2.set_ylabel(r"$P(t)/P$ (solid), $|\alpha_1|^2/|\alpha_1^{ss}|^2$ (dashed)", fontsize=8)
    ax2.legend(loc="lower right", fontsize=7)
    fig.text(0.5, -0.01, "paper model, η = 0, Δ = ω_m, m = 20 fg, P = 200 mW, T = 10 mK (SINGLE_CAVITY_ENTANGLED)",
             ha="center", va="top", fontsize=8, color="0.25")
    fig.savefig(out / "timedep_switch_on.png")
    plt.close(fig)

for tau, ev in runs.items():
    d = np.max(np.abs(ev.covariance_final - V_L)) / np.max(np.abs(V_L))
    print(f"tau = {tau:.0e} s: birth {ev.metrics.birth_time.value:.4g} s, settled {ev.metrics.settling_time.value:.4g} s,"
          f" |V(t_end) − V_L|/|V_L| = {d:.1e}")

mod = driven_system(P, ModelOptions(), combine(None, modulate=[f"power:0.5:{2 * float(P.omega_m)}"]))
fl = floquet(mod, PAIR, points=101)
plot_floquet(fl, out / "timedep_periodic.png", mod, ModelOptions(), P,
             title="Pump power modulated at 2ω_m (depth 0.5)")
print(f"periodic state: max |μ| = {fl.max_multiplier:.4f}, E_N mean {fl.E_N_mean:.4g}, max {fl.E_N_max:.4g}; "
      f"unmodulated {fl.unmodulated_E_N:.4g}")

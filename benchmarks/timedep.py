"""Time-dependent paths against ``solve_ivp`` on the same problem: ``python benchmarks/timedep.py [--quick]``.

Every figure is a ratio measured in this process (the machine may be shared: absolute times are noise):

* periodic state: Floquet (one period of y, Φ, Q by solve_ivp + the discrete Lyapunov equation) vs a
  long-time solve_ivp integration of the mean fields and V until the periodic state is reached;
* monodromy: composed midpoint propagators (``method='piecewise'``) vs solve_ivp (``'ode'``);
* switch-on: the default LSODA (with the analytic Jacobian A(t)) vs Radau and vs RK45 on the same
  mean-field + covariance problem at the same rtol;
* Langevin with A(t): trajectory-steps per second vs the constant-A ensemble on the same grid.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from cascom_sim.models.drives import combine, ramp_drive
from cascom_sim.parameters import ModelOptions
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.solvers.dynamics import evolve_ensemble
from cascom_sim.solvers.floquet import floquet, one_period
from cascom_sim.solvers.meanfield_dynamics import driven_system
from cascom_sim.solvers.timedep import evolve_driven, evolve_driven_ensemble

PAIR = ("a1", "b1")


def timed(f, *a, **k):
    t0 = time.perf_counter()
    r = f(*a, **k)
    return time.perf_counter() - t0, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    quick = ap.parse_args().quick
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
          f"numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    mod = driven_system(CASE, ModelOptions(), combine(None, modulate=[f"power:0.5:{2 * float(CASE.omega_m)}"]))

    t_fl, fl = timed(floquet, mod, PAIR, points=41)
    periods = 60 if quick else 120
    t_long = np.concatenate([[0.0], periods * fl.period + fl.times])
    t_ivp, ev = timed(evolve_driven, mod, t_long, pair=PAIR)
    diff = np.max(np.abs(ev.covariances[1:] - fl.covariances)) / np.max(np.abs(fl.covariances))
    print(f"periodic state: Floquet {t_fl:.3g} s vs solve_ivp over {periods} periods {t_ivp:.3g} s: "
          f"{t_ivp / t_fl:.1f}× (max rel. difference {diff:.1e}; max |μ|^{periods} = "
          f"{fl.max_multiplier ** periods:.1e})")

    y0 = fl.means[0]
    t_ode, (_, phi_o, Q_o) = timed(one_period, mod, fl.period, y0, method="ode")
    t_pw, (_, phi_p, Q_p) = timed(one_period, mod, fl.period, y0, method="piecewise", steps=256)
    print(f"monodromy: piecewise (256 steps) {t_pw:.3g} s vs solve_ivp {t_ode:.3g} s: {t_ode / t_pw:.2f}× "
          f"(Φ differs by {np.max(np.abs(phi_p - phi_o)):.1e}, Q by "
          f"{np.max(np.abs(Q_p - Q_o)) / np.max(np.abs(Q_o)):.1e} rel.)")

    ramp = driven_system(CASE, ModelOptions(), ramp_drive(2e-8))
    t = np.linspace(0.0, 1e-7 if quick else 3e-7, 31)
    res = {}
    for m in ("LSODA", "Radau", "RK45", "DOP853"):
        res[m] = timed(evolve_driven, ramp, t, pair=PAIR, ode_method=m)
    ref = res["LSODA"][1].covariances
    line = ", ".join(f"{m} {res[m][0]:.3g} s ({res[m][0] / res['LSODA'][0]:.2f}×, "
                     f"{res[m][1].stats['rhs_evaluations']} RHS, Δ {np.max(np.abs(res[m][1].covariances - ref)):.0e})"
                     for m in res)
    print(f"switch-on over {t[-1]:.2g} s, rtol 1e-10: {line}")
    t_pw, ev_pw = timed(evolve_driven, ramp, t, pair=PAIR, method="piecewise", substeps=16)
    print(f"switch-on, piecewise (16 midpoint steps per output) {t_pw:.3g} s = {t_pw / res['LSODA'][0]:.2f}× LSODA "
          f"(max |ΔV| {np.max(np.abs(ev_pw.covariances - ref)):.1e})")

    n = 4096 * (2 if quick else 8)
    tt = fl.times
    t_td, ens = timed(evolve_driven_ensemble, mod, tt, n, V0=fl.covariances[0], y0=y0, pair=PAIR)
    t_c, _ = timed(evolve_ensemble, mod.model, tt, fl.covariances[0], n, pair=PAIR)
    steps = n * (tt.size - 1)
    print(f"Langevin with A(t): {steps / t_td:.3g} trajectory-steps/s vs constant A {steps / t_c:.3g}/s "
          f"({t_td / t_c:.2f}× the time, incl. {ens.stats['rhs_evaluations']} mean-field RHS)")


if __name__ == "__main__":
    main()

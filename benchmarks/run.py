"""One command, every ratio: ``python benchmarks/run.py [--quick]``.

Each figure is a ratio against a baseline measured in the same process, never an absolute time alone:

* sweep: the vectorized steady-state pipeline vs a per-point loop of ``steady_state`` (scipy Lyapunov);
* covariance: exact propagation vs ``solve_ivp`` (RK45) on V̇ = AV + VAᵀ + D at the paper's stiffness;
* Langevin: ensemble trajectory-steps per second vs (a) a plain Euler–Maruyama loop over single
  trajectories and (b) the random-number floor (drawing the same normals and nothing else).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import scipy.integrate

import cascom_sim as cs
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.runs.sweep import Axis, run_sweep
from cascom_sim.solvers.dynamics import evolve_ensemble, initial_covariance, propagate_covariance


def timed(f, *a, **k):
    t0 = time.perf_counter()
    r = f(*a, **k)
    return time.perf_counter() - t0, r


def bench_sweep(n_side: int, n_loop: int):
    from cascom_sim.runs.executor import Execution

    axes = [Axis("detuning", 0.5, 2.5, n_side), Axis("phi_pi", 0.45, 0.55, n_side)]
    opts = cs.ModelOptions(units="literal")
    t_vec, res = timed(run_sweep, axes, base=cs.Parameters(), options=opts)
    per_vec = t_vec / n_side**2
    t_two, _ = timed(run_sweep, axes, base=cs.Parameters(), options=opts, execution=Execution(workers=2))
    per_two = t_two / n_side**2
    pts = np.random.default_rng(0).uniform([0.5, 0.45], [2.5, 0.55], size=(n_loop, 2))
    t0 = time.perf_counter()
    for d, ph in pts:
        cs.steady_state(cs.Parameters(detuning=d, phi_pi=ph), opts)
    per_loop = (time.perf_counter() - t0) / n_loop
    return per_vec, per_two, per_loop


def bench_covariance(points: int):
    m = cs.build_model(CASE)
    A, D = m.drift, m.diffusion
    V0 = initial_covariance(CASE)
    t_end = 0.1 / float(CASE.gamma_m_rad)  # κ t_end ≈ 2000: RK45 must resolve 1/κ throughout
    times = np.linspace(0, t_end, points)
    t_exact, V = timed(propagate_covariance, A, D, V0, times)
    n = A.shape[0]

    def rhs(_, y):
        X = y.reshape(n, n)
        return (A @ X + X @ A.T + D).ravel()

    t_ivp, sol = timed(scipy.integrate.solve_ivp, rhs, (0, t_end), V0.ravel(), method="RK45", t_eval=times,
                       rtol=1e-8, atol=1e-10)
    err = np.max(np.abs(sol.y.T.reshape(-1, n, n) - V)) / np.max(np.abs(V))
    return t_exact, t_ivp, sol.nfev, err


def bench_langevin(n_traj: int, steps: int, workers: int):
    m = cs.build_model(CASE)
    V0 = initial_covariance(CASE)
    times = np.linspace(0, 2e-6, steps + 1)
    t_ens, ens = timed(evolve_ensemble, m, times, V0, n_traj, seed=1, pair=("a1", "b1"), workers=workers)
    # the floor: the same normals, drawn in the same block sizes, nothing else
    rng = np.random.default_rng(1)
    buf = np.empty((min(n_traj, 4096), 8))
    t0 = time.perf_counter()
    for _ in range(steps + 1):
        for _ in range(-(-n_traj // buf.shape[0])):
            rng.standard_normal(out=buf)
    t_floor = time.perf_counter() - t0
    # baseline: plain Euler–Maruyama over single trajectories (one output step = 1 EM step here)
    A, D = m.drift, m.diffusion
    B = np.linalg.cholesky(D + 1e-300 * np.eye(8))
    h = times[1]
    n_single = 20
    t0 = time.perf_counter()
    for _ in range(n_single):
        u = np.linalg.cholesky(V0) @ rng.standard_normal(8)
        for _ in range(steps):
            u = u + A @ u * h + B @ rng.standard_normal(8) * np.sqrt(h)
    t_single = (time.perf_counter() - t0) / (n_single * steps)
    rate = n_traj * steps / t_ens
    return rate, 1.0 / t_single, t_ens / t_floor, 1e9 * t_floor / (n_traj * (steps + 1) * 8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    q = a.quick
    print(f"cascom_sim benchmarks — {time.strftime('%Y-%m-%d')} — {platform.machine()}, "
          f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}")
    per_vec, per_two, per_loop = bench_sweep(60 if q else 200, 100 if q else 400)
    print(f"sweep:      vectorized {per_vec * 1e6:8.1f} µs/point (2 processes: {per_two * 1e6:.1f}) | per-point "
          f"scipy loop {per_loop * 1e6:8.1f} µs/point | speed-up {per_loop / per_vec:6.1f}× ({per_loop / per_two:.1f}×)")
    t_exact, t_ivp, nfev, err = bench_covariance(101)
    print(f"covariance: exact {t_exact * 1e3:8.2f} ms | solve_ivp RK45 {t_ivp * 1e3:9.1f} ms ({nfev} evaluations,"
          f" max rel. difference {err:.1e}) | speed-up {t_ivp / t_exact:8.0f}×")
    for w in (1, 2):
        rate, single, over_floor, ns = bench_langevin(20_000 if q else 100_000, 200 if q else 500, w)
        print(f"langevin ({w} process{'es' if w > 1 else ''}): {rate:.3g} trajectory-steps/s | single-trajectory EM "
              f"loop {single:.3g}/s | speed-up {rate / single:6.0f}× | time / RNG floor (one core) {over_floor:5.2f} "
              f"(floor {ns:.1f} ns/normal)")


if __name__ == "__main__":
    main()

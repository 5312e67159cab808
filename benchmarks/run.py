"""One command, every ratio: ``python benchmarks/run.py [--quick]``.

Each figure is a ratio against a baseline measured in the same process, never an absolute time alone.
Wall and CPU (process) times are both printed: on a shared machine the wall time of a threaded run
says little, the CPU time per point says what the code costs.

* sweep: ``run_sweep`` with the compiled kernel (1 and 2 threads) vs the NumPy reference engine vs a
  per-point loop of scipy's ``solve_continuous_lyapunov`` (the Lyapunov solve alone, nothing else);
* command: the performance issue's whole ``cascom sweep`` of 1000 × 1000 points of the paper's model (a new
  process: start-up, sweep, NetCDF write), µs per point, against the same scipy loop on that model;
* covariance: exact propagation vs ``solve_ivp`` (RK45) on V̇ = AV + VAᵀ + D at the paper's stiffness;
* network sweep: ``run_sweep(..., network=…)`` of a 2-node network (networks built as stacked arrays) vs
  building one network per point (``apply_assignments`` + ``network_model``, then the same kernel), as before
  2026-11-26;
* Langevin: ensemble time (1 and 2 threads) vs the time NumPy needs to draw the same normals on one
  core, and trajectory-steps per second vs a plain Euler–Maruyama loop over single trajectories.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.integrate
import scipy.linalg

import cascom_sim as cs
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.runs.executor import available_cores
from cascom_sim.runs.sweep import Axis, run_sweep
from cascom_sim.solvers.dynamics import BLOCK, evolve_ensemble, initial_covariance, propagate_covariance


def timed(f, *a, **k):
    """(wall s, CPU s of this process, result)."""
    t0, c0 = time.perf_counter(), time.process_time()
    r = f(*a, **k)
    return time.perf_counter() - t0, time.process_time() - c0, r


def bench_sweep(n_side: int, n_loop: int):
    axes = [Axis("detuning", 0.5, 2.5, n_side), Axis("phi_pi", 0.45, 0.55, n_side)]
    opts = cs.ModelOptions(units="literal")
    run_sweep(axes[:1], base=cs.Parameters(), options=opts)  # loads (or compiles, once) the kernel
    pts = n_side**2
    out = {}
    for label, kw in (("compiled, 1 thread", {"threads": 1}), ("compiled, 2 threads", {"threads": 2}),
                      ("numpy reference", {"engine": "numpy"})):
        wall, cpu, res = timed(run_sweep, axes, base=cs.Parameters(), options=opts, **kw)
        out[label] = (wall / pts, cpu / pts, res.dataset)
    ref, fast = out["numpy reference"][2], out["compiled, 2 threads"][2]
    same_flags = all(np.array_equal(ref[k].values, fast[k].values)
                     for k in ("stable", "stable_eigenvalues", "stable_routh_hurwitz", "noise_physical", "bona_fide"))
    en_diff = float(np.nanmax(np.abs(ref["E_N_formal"].values - fast["E_N_formal"].values), initial=0.0))
    # the baseline: scipy's Bartels–Stewart solver, one point at a time (models built beforehand)
    rng = np.random.default_rng(0)
    p = cs.Parameters().replace(detuning=rng.uniform(0.5, 2.5, n_loop), phi_pi=rng.uniform(0.45, 0.55, n_loop))
    m = cs.build_model(p, opts)
    A, D = m.drift, m.diffusion
    wall, cpu, _ = timed(lambda: [scipy.linalg.solve_continuous_lyapunov(A[k], -D[k]) for k in range(n_loop)])
    out["scipy loop"] = (wall / n_loop, cpu / n_loop, None)
    return out, same_flags, en_diff


#: the performance issue's command (paper model, consistent units: every point of this plane is unstable)
COMMAND = ["sweep", "--x", "detuning=0.5:2.5:1000", "--y", "dtheta_pi=0:2:1000"]


def _scipy_loop(n_loop: int, seed: int) -> float:
    """µs per call of scipy's ``solve_continuous_lyapunov`` on random points of the command's plane."""
    rng = np.random.default_rng(seed)
    p = cs.Parameters().replace(detuning=rng.uniform(0.5, 2.5, n_loop), dtheta_pi=rng.uniform(0, 2, n_loop))
    m = cs.build_model(p)
    A, D = m.drift, np.broadcast_to(m.diffusion, m.drift.shape)
    t0 = time.perf_counter()
    for k in range(n_loop):
        scipy.linalg.solve_continuous_lyapunov(A[k], -D[k])
    return (time.perf_counter() - t0) / n_loop * 1e6


def bench_command(repeats: int, n_loop: int):
    """Wall seconds of the whole command, ``repeats`` runs (after one that loads the kernel cache), each
    followed by a scipy loop of ``n_loop`` calls on points of the same plane (µs per call).

    This machine's speed drifts by tens of percent over minutes (and the Python-bound loop more than the
    command), so each run is paired with the loop measured right after it, and the ratio is summarized over
    the pairs."""
    walls, loops = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "big.nc")
        run = [sys.executable, "-m", "cascom_sim", *COMMAND, "--out", out]
        subprocess.run([sys.executable, "-m", "cascom_sim", "sweep", "--x", "detuning=0.5:2.5:20", "--y",
                        "dtheta_pi=0:2:20", "--out", out], check=True, capture_output=True)
        for k in range(repeats):
            os.remove(out)
            t0 = time.perf_counter()
            subprocess.run(run, check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
            loops.append(_scipy_loop(n_loop, k))
    return min(walls), walls, min(loops), loops


def bench_covariance(points: int):
    m = cs.build_model(CASE)
    A, D = m.drift, m.diffusion
    V0 = initial_covariance(CASE)
    t_end = 0.1 / float(CASE.gamma_m_rad)  # κ t_end ≈ 2000: RK45 must resolve 1/κ throughout
    times = np.linspace(0, t_end, points)
    propagate_covariance(A, D, V0, times[:3])  # warm-up: the first call loads scipy's matrix functions
    t_exact, _, V = timed(propagate_covariance, A, D, V0, times)
    n = A.shape[0]

    def rhs(_, y):
        X = y.reshape(n, n)
        return (A @ X + X @ A.T + D).ravel()

    t_ivp, _, sol = timed(scipy.integrate.solve_ivp, rhs, (0, t_end), V0.ravel(), method="RK45", t_eval=times,
                       rtol=1e-8, atol=1e-10)
    err = np.max(np.abs(sol.y.T.reshape(-1, n, n) - V)) / np.max(np.abs(V))
    return t_exact, t_ivp, sol.nfev, err


def bench_network(n_side: int, n_loop: int):
    """µs per point (wall, CPU) of a 2-node network sweep of n_side² points, and of the per-point path on the
    first ``n_loop`` of those points; whether flags agree and the largest |ΔE_N| there."""
    from cascom_sim.models.network import Network, apply_assignments, network_model
    from cascom_sim.runs.sweep import _kernel_outputs

    net = Network.uniform(2, CASE.replace(eta=0.8, phi_pi=0.3))
    axes = [Axis("node2.detuning", 0.5, 1.5, n_side), Axis("link1.phi_pi", 0.0, 2.0, n_side)]
    run_sweep(axes[:1], network=net, threads=1, pair="a1,b1")  # loads the kernel
    wall, cpu, res = timed(run_sweep, axes, network=net, threads=1, pair="a1,b1")
    ds = res.dataset
    grid = [g.ravel()[:n_loop] for g in np.meshgrid(*(a.values for a in axes), indexing="ij")]

    def per_point():
        models = [network_model(apply_assignments(net, {a.name: float(g[k]) for a, g in zip(axes, grid)}))
                  for k in range(n_loop)]
        return _kernel_outputs(np.array([m.drift for m in models]), np.array([m.diffusion for m in models]),
                               net.modes, (("a1", "b1"),), ("E_N",))

    l_wall, l_cpu, ref = timed(per_point)
    same = all(np.array_equal(ds[k].values.ravel()[:n_loop], ref[k].astype(np.int8))
               for k in ("stable", "noise_physical", "bona_fide"))
    en = float(np.nanmax(np.abs(ds["E_N_formal"].values.ravel()[:n_loop] - ref["E_N_formal"][:, 0]), initial=0.0))
    return {"sweep": (wall / n_side**2, cpu / n_side**2), "per point": (l_wall / n_loop, l_cpu / n_loop),
            "same_flags": same, "en_diff": en, "stable": float(ds["stable"].values.mean())}


def bench_langevin(n_traj: int, steps: int, threads: int):
    m = cs.build_model(CASE)
    V0 = initial_covariance(CASE)
    times = np.linspace(0, 2e-6, steps + 1)
    wall, cpu, ens = timed(evolve_ensemble, m, times, V0, n_traj, seed=1, pair=("a1", "b1"), threads=threads)
    # the floor: the same normals, drawn in the same block sizes on one core, nothing else
    rng = np.random.default_rng(1)
    buf = np.empty((min(n_traj, BLOCK), 8))

    def draw():
        for _ in range(steps + 1):
            for _ in range(-(-n_traj // buf.shape[0])):
                rng.standard_normal(out=buf)

    f_wall, f_cpu, _ = timed(draw)
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
    rate = n_traj * steps / wall
    return {"rate": rate, "single": 1.0 / t_single, "wall_over_floor": wall / f_wall, "cpu_over_floor": cpu / f_cpu,
            "ns_per_normal": 1e9 * f_cpu / (n_traj * (steps + 1) * 8), "ci_end": ens.E_N_ci[-1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    q = a.quick
    print(f"cascom_sim benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {platform.machine()}, "
          f"{available_cores()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"{platform.python_implementation()} {platform.python_version()}, numpy {np.__version__}")
    sweep, same_flags, en_diff = bench_sweep(100 if q else 300, 200 if q else 1000)
    loop = sweep["scipy loop"][0]
    for label, (wall, cpu, _) in sweep.items():
        print(f"sweep {label:20s}: {wall * 1e6:7.2f} µs/point wall, {cpu * 1e6:7.2f} µs/point CPU | "
              f"scipy loop / this (wall) {loop / wall:6.1f}×")
    print(f"sweep compiled vs reference: flags identical {same_flags}, max |ΔE_N| {en_diff:.1e}")
    best, walls, loop_best, loops = bench_command(1 if q else 10, 2000 if q else 5000)
    pair = np.array(loops) / np.array(walls)  # each command run against the loop run right after it
    print(f"command `cascom {' '.join(COMMAND)} --out big.nc`: {best:.2f} s wall for 10⁶ points at best "
          f"({best:.2f} µs/point; runs {', '.join(f'{w:.2f}' for w in walls)} s) | scipy loop on the same model, "
          f"each right after a run: {', '.join(f'{x:.1f}' for x in loops)} µs/point | ratio per pair: median "
          f"{np.median(pair):.1f}× (quartiles {np.percentile(pair, 25):.1f}–{np.percentile(pair, 75):.1f}×), "
          f"best against best {loop_best / best:.1f}×")
    net = bench_network(100, 1000 if q else 10_000)
    (s_wall, s_cpu), (l_wall, l_cpu) = net["sweep"], net["per point"]
    print(f"network sweep, 2 nodes, 10⁴ points ({net['stable']:.0%} stable), 1 thread: {s_wall * 1e6:.1f} µs/point wall, "
          f"{s_cpu * 1e6:.1f} CPU | one network per point {l_wall * 1e6:.0f} µs wall, {l_cpu * 1e6:.0f} CPU: "
          f"{l_cpu / s_cpu:.1f}× (CPU) | flags identical {net['same_flags']}, max |ΔE_N| {net['en_diff']:.1e}")
    t_exact, t_ivp, nfev, err = bench_covariance(101)
    print(f"covariance: exact {t_exact * 1e3:8.2f} ms | solve_ivp RK45 {t_ivp * 1e3:9.1f} ms ({nfev} evaluations,"
          f" max rel. difference {err:.1e}) | speed-up {t_ivp / t_exact:8.0f}×")
    cis = []
    for th in (1, 2):
        r = bench_langevin(20_000 if q else 100_000, 200, th)
        cis.append(r["ci_end"])
        print(f"langevin ({th} thread{'s' if th > 1 else ''}): time / one-core RNG floor {r['wall_over_floor']:5.2f} "
              f"wall, {r['cpu_over_floor']:5.2f} CPU (floor {r['ns_per_normal']:.1f} ns/normal) | {r['rate']:.3g} "
              f"trajectory-steps/s vs single-trajectory EM loop {r['single']:.3g}/s")
    print(f"langevin: 95 % interval of E_N(t_end) identical for 1 and 2 threads: {np.array_equal(*cis)}")


if __name__ == "__main__":
    main()

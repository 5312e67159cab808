"""Peak resident memory of a Langevin ensemble: running sums merged as blocks finish.

    python benchmarks/ensemble_memory.py [TRAJECTORIES] [TIMES]      (default 1e7 trajectories, 100 times)

Each measurement runs in a fresh subprocess (``resource.getrusage`` peak RSS, which cannot be reset); the
baseline is the same subprocess after importing cascom_sim and building the model, so the difference is
what the ensemble itself costs.  Case: ``SINGLE_CAVITY_ENTANGLED`` (8 quadratures), exact OU steps over
1e-7 s, pair (a1, b1), one process.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import numpy as np
from cascom_sim import build_model
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.solvers.dynamics import evolve_ensemble, initial_covariance
n, T = int(float(sys.argv[1])), int(sys.argv[2])
m = build_model(CASE)
t = np.linspace(0, 1e-7, T)
V0 = initial_covariance(CASE)
evolve_ensemble(m, t[:2], V0, 64, seed=0, pair=("a1", "b1"))  # warm up imports and kernels
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
ev = evolve_ensemble(m, t, V0, n, seed=1, pair=("a1", "b1"))
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"trajectories": ev.n_trajectories, "times": T, "baseline_MB": base / 1024, "peak_MB": peak / 1024,
                  "wall_s": wall, "E_N_end": float(ev.E_N[-1])}))
"""


def measure(n: float, times: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(times)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    n = float(sys.argv[1]) if len(sys.argv) > 1 else 1e7
    T = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    r = measure(n, T)
    print(f"{r['trajectories']:.3g} trajectories × {r['times']} times: peak RSS {r['peak_MB']:.0f} MB "
          f"(baseline after imports {r['baseline_MB']:.0f} MB, ensemble adds {r['peak_MB'] - r['baseline_MB']:.0f} MB), "
          f"wall {r['wall_s']:.1f} s, E_N(t_end) = {r['E_N_end']:.4f}")

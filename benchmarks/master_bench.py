"""Master-equation solver benchmark: the four-mode two-channel case of ``me_cases`` (η = 0.8, φ = 0.3π,
both mirrors, occupations ≤ 0.13) at cutoffs (4,4,4,4) and (5,5,5,5), ``master_steady_state`` (solver
'auto') beside QuTiP's default ``steadystate`` (sparse LU) on the same normal-ordered operators.

Each run is a separate process (so peak memory is its own), with a time limit for QuTiP's default.

    python benchmarks/master_bench.py [--limit SECONDS] [--cutoffs 4,4,4,4 5,5,5,5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import numpy as np
from cascom_sim.report.me_cases import cascade_four_modes
from cascom_sim.solvers import master as me
which, cut = sys.argv[1], tuple(int(x) for x in sys.argv[2].split(","))
c = cascade_four_modes()
t0, c0 = time.perf_counter(), time.process_time()
if which == "package":
    r = me.master_steady_state(c.model, cut, c.lyapunov)
    out = {"relative_difference": r.relative_difference, "E_N": r.log_negativity(c.pair), "solver": r.solver,
           "residual": r.stats["residual"], "top_level_population": r.top_level_population,
           "iterations": r.stats["iterations"], "nnz": r.stats["liouvillian_nnz"]}
else:
    import qutip
    f = me.fock_operators(c.model, cut)
    rho = qutip.steadystate(f.hamiltonian, f.c_ops)  # QuTiP's default: direct sparse LU
    V = me._moments(rho.full(), f.ladder)
    out = {"relative_difference": me.relative_difference(V, c.lyapunov)}
out.update({"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "max_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6})
print(json.dumps(out))
"""


def run(which, cut, limit):
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, which, cut], capture_output=True, text=True, timeout=limit,
                           env={**os.environ})
    except subprocess.TimeoutExpired:
        return {"which": which, "cutoffs": cut, "timeout_s": limit}
    if p.returncode:
        return {"which": which, "cutoffs": cut, "error": p.stderr.strip().splitlines()[-1:]}
    return {"which": which, "cutoffs": cut, "process_wall_s": time.perf_counter() - t, **json.loads(p.stdout)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=300.0)
    ap.add_argument("--cutoffs", nargs="+", default=["4,4,4,4", "5,5,5,5"])
    ap.add_argument("--which", nargs="+", default=["package", "qutip-default"])
    a = ap.parse_args()
    for cut in a.cutoffs:
        for which in a.which:
            print(json.dumps(run(which, cut, a.limit)), flush=True)


if __name__ == "__main__":
    main()

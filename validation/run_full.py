"""The full validation report (fine grids, large ensembles)."""

import sys

from cascom_sim.progress import TqdmProgress
from cascom_sim.report.validate import run_validation

print("wrote", run_validation(sys.argv[1] if len(sys.argv) > 1 else "results/full", quick=False,
                              progress=TqdmProgress()))

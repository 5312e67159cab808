"""Fig. 4 of the paper under the paper's model (both readings) and the two-channel model."""

import sys
from pathlib import Path

from cascom_sim.report.validate import Validation

out = Path(sys.argv[1] if len(sys.argv) > 1 else "results/fig4")
v = Validation(out, quick=False)
v.fig4()
v.write(0.0)
print("wrote", out / "REPORT.md")

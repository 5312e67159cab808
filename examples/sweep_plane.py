"""A 2-D steady-state sweep in the manner of Fig. 2(b), saved to NetCDF and plotted.

    python examples/sweep_plane.py
"""

import cascom_sim as cs
from cascom_sim.progress import TqdmProgress
from cascom_sim.report.plotting import plot_sweep
from cascom_sim.runs.sweep import Axis, run_sweep

# the paper's model in the literal reading at φ = 0.6π, where part of the plane is stable
result = run_sweep([Axis("detuning", 0.5, 2.5, 200), Axis("dtheta_pi", 0.0, 0.5, 200)],
                   base=cs.Parameters(phi_pi=0.6), options=cs.ModelOptions(units="literal"),
                   progress=TqdmProgress())
print(result)
result.save("sweep_phi0.6_literal.nc")
plot_sweep(result.dataset, "sweep_phi0.6_literal.png")
ds = result.dataset
print("stable:", float(ds["stable"].mean()), " bona fide among stable:",
      float((ds["bona_fide"] == 1).sum() / ds["stable"].sum()))

# %% [markdown]
# # A model of your own from QuTiP operators
#
# If you already write your system in QuTiP, `cs.from_qutip(H, c_ops, modes=...)` turns a Hamiltonian that is
# at most quadratic in the ladder operators and collapse operators that are linear in them into a
# `LinearModel`: drift A and diffusion D of the quadratures, physical by construction
# ([Derivations](../derivation.md#the-generic-engine)). Every solver takes it, on its own mode names.
#
# The example: two mechanical modes coupled to one cavity by a two-tone drive that makes a Bogoliubov
# (squeezed) mode dissipate, the classic reservoir-engineered mechanical entanglement. Rates are in units
# of the cavity decay (times then follow that unit).

# %%
import numpy as np
import qutip

import cascom_sim as cs

kappa, G, r, gamma, n_th = 1.0, 0.2, 0.5, 1e-3, 0.1
Gp, Gm = G * np.cosh(r), G * np.sinh(r)
N = 3  # Fock states per mode: enough for from_qutip to read a quadratic operator exactly
a, b1, b2 = (qutip.tensor(*[qutip.destroy(N) if k == j else qutip.qeye(N) for k in range(3)]) for j in range(3))

# the cavity cools the Bogoliubov mode cosh r·b1 + sinh r·b2†
H = Gp * (a.dag() * b1 + a * b1.dag()) + Gm * (a.dag() * b2.dag() + a * b2)
c_ops = [np.sqrt(2 * kappa) * a,
         np.sqrt(2 * gamma * (n_th + 1)) * b1, np.sqrt(2 * gamma * n_th) * b1.dag(),
         np.sqrt(2 * gamma * (n_th + 1)) * b2, np.sqrt(2 * gamma * n_th) * b2.dag()]
model = cs.from_qutip(H, c_ops, modes=["a", "b1", "b2"])
print(model.modes, model.label, "noise physical:", bool(cs.is_noise_physical(model.drift, model.diffusion)))

# %% [markdown]
# The steady state, with the same checks and labels as for the built-in models:

# %%
s = cs.steady_state(model, pair=("b1", "b2"))
print(s)
print(f"E_N(b1, b2) = {s.E_N:.4f}   (the ideal limit is 2r = {2 * r})")

# %% [markdown]
# A term the linear theory cannot hold is refused with its name, not silently dropped:

# %%
try:
    cs.from_qutip(H + 0.01 * a.dag() * a * b1.dag() * b1, c_ops, modes=["a", "b1", "b2"])
except cs.ParameterError as exc:
    print("ParameterError:", exc)

# %% [markdown]
# And back: `cs.to_qutip(model, cutoffs)` gives normal-ordered QuTiP operators, so the same model can be
# handed to QuTiP's own solvers. The master equation in a truncated Fock space agrees with the Lyapunov
# covariance as the cutoffs grow (small cutoffs keep this page quick):

# %%
from cascom_sim.solvers.master import master_steady_state

for cutoffs in ((2, 4, 4), (3, 5, 5)):
    me = master_steady_state(model, cutoffs, s.covariance)
    print(f"cutoffs {me.cutoffs}: E_N = {me.log_negativity(('b1', 'b2')):.4f}, "
          f"relative difference to Lyapunov {me.relative_difference:.1e}")
H2, c2 = cs.to_qutip(model, 4)
print("to_qutip:", H2.dims, len(c2), "collapse operators")

# %% [markdown]
# The transient from the ground state of the cavity and thermal mirrors, with the exact covariance propagation:

# %%
import matplotlib.pyplot as plt

from cascom_sim.report.plotting import use_style
from cascom_sim.solvers.dynamics import evolve_covariance

use_style()
times = np.linspace(0, 150, 151)                                  # in units of 1/κ
V0 = np.diag([0.5, 0.5] + [n_th + 0.5] * 4)
ev = evolve_covariance(model, times, V0, ("b1", "b2"))
fig, ax = plt.subplots(figsize=(5.6, 3.4))
ax.plot(times, ev.E_N, label="exact covariance propagation")
ax.axhline(s.E_N, color="k", ls="--", lw=1, label="Lyapunov steady state")
ax.set_xlabel(r"time $\kappa t$")
ax.set_ylabel(r"$E_N(b_1, b_2)$")
ax.set_title("Reservoir-engineered mechanical entanglement (model from QuTiP operators)")
ax.legend(loc="lower right")

# %% [markdown]
# # A model of your own
#
# Any linear model can be written as a quadratic Hamiltonian H = ½ rᵀ H_m r and linear jump operators
# L_k = l_kᵀ r; then A = Ω(H_m + Im Γ) and D = Ω Re Γ Ωᵀ with Γ = Σ_k l_k* l_kᵀ, physical by construction
# ([Derivations](../derivation.md#the-generic-engine)). The same description feeds the Lyapunov solver and
# the QuTiP master equation.
#
# The example: two mechanical modes coupled to one cavity by a two-tone drive that makes a Bogoliubov
# (squeezed) mode dissipate, the classic reservoir-engineered mechanical entanglement. Rates are in units
# of the cavity decay.

# %%
import numpy as np

import cascom_sim as cs
from cascom_sim.models.engine import hamiltonian_from_ladder, ladder_to_quadrature_vector

kappa, G, r, gamma, n_th = 1.0, 0.2, 0.5, 1e-3, 0.1
Gp, Gm = G * np.cosh(r), G * np.sinh(r)
# ladder vector ξ = (a, a†, b1, b1†, b2, b2†)
a, ad, b1, b1d, b2, b2d = range(6)
M = np.zeros((6, 6), complex)
# H = G+(a† b1 + a b1†) + G−(a† b2† + a b2): the cavity cools the Bogoliubov mode cosh r·b1 + sinh r·b2†
for i, j, g in ((a, b1, Gp), (b1d, ad, Gp), (a, b2d, Gm), (b2, ad, Gm)):
    M[i, j] += g
    M[j, i] += np.conj(g)
jumps = [ladder_to_quadrature_vector(v) for v in (
    [np.sqrt(2 * kappa), 0, 0, 0, 0, 0],                     # cavity decay
    [0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0, 0, 0],        # mechanical baths: loss and gain
    [0, 0, 0, np.sqrt(2 * gamma * n_th), 0, 0],
    [0, 0, 0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0],
    [0, 0, 0, 0, 0, np.sqrt(2 * gamma * n_th)])]
model = cs.LindbladModel(hamiltonian=hamiltonian_from_ladder(M), jumps=np.array(jumps), modes=("a", "b1", "b2"))
A, D = model.drift_and_diffusion()
print("stable:", cs.assess_stability(A))
print("noise physical:", bool(cs.is_noise_physical(A, D)))

# %%
V = cs.solve_lyapunov(A, D)
print(f"E_N(b1, b2) = {float(cs.log_negativity(V, (1, 2))):.4f}   (ideal limit 2r = {2 * r})")

# %% [markdown]
# The same model in the master equation (small cutoffs keep this page quick; raise them to watch the
# relative difference fall):

# %%
from cascom_sim.solvers.master import master_steady_state

me = master_steady_state(model, (2, 5, 5), V)
print(f"master equation, cutoffs {me.cutoffs}: E_N = {me.log_negativity(('b1', 'b2')):.4f}, "
      f"relative difference {me.relative_difference:.1e}")

"""A model of your own, written as a quadratic Hamiltonian and jump operators (H, L).

Two mechanical modes coupled to one cavity by a two-tone drive that makes a Bogoliubov (squeezed)
mode dissipate: the classic reservoir-engineered mechanical entanglement.  The same description feeds
the Lyapunov solver and the QuTiP master equation.

    python examples/custom_hl_model.py
"""

import numpy as np

import cascom_sim as cs
from cascom_sim.models.engine import hamiltonian_from_ladder, ladder_to_quadrature_vector
from cascom_sim.solvers.master import master_steady_state

# modes (a, b1, b2); ladder vector ξ = (a, a†, b1, b1†, b2, b2†); rates in units of the cavity decay
kappa, G, r, gamma, n_th = 1.0, 0.2, 0.5, 1e-3, 0.1
Gp, Gm = G * np.cosh(r), G * np.sinh(r)
M = np.zeros((6, 6), complex)
a, ad, b1, b1d, b2, b2d = range(6)
# H = G+(a† b1 + a b1†) + G−(a† b2† + a b2): the cavity cools the Bogoliubov mode cosh r·b1 + sinh r·b2†
for i, j, g in ((a, b1, Gp), (b1d, ad, Gp), (a, b2d, Gm), (b2, ad, Gm)):
    M[i, j] += g
    M[j, i] += np.conj(g)
H = hamiltonian_from_ladder(M)
jumps = [ladder_to_quadrature_vector(v) for v in (
    [np.sqrt(2 * kappa), 0, 0, 0, 0, 0],                      # cavity decay
    [0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0, 0, 0],         # mechanical baths
    [0, 0, 0, np.sqrt(2 * gamma * n_th), 0, 0],
    [0, 0, 0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0],
    [0, 0, 0, 0, 0, np.sqrt(2 * gamma * n_th)])]
model = cs.LindbladModel(hamiltonian=H, jumps=np.array(jumps), modes=("a", "b1", "b2"))
A, D = model.drift_and_diffusion()
print("stable:", cs.assess_stability(A))
print("noise physical:", bool(cs.is_noise_physical(A, D)))
V = cs.solve_lyapunov(A, D)
print("E_N(b1, b2) Lyapunov:", float(cs.log_negativity(V, (1, 2))), " (ideal limit 2r =", 2 * r, ")")
# small cutoffs keep this quick; raise them (e.g. (4, 10, 10)) to watch the relative difference fall
me = master_steady_state(model, (3, 6, 6), V)
print(f"master equation (cutoffs {me.cutoffs}): E_N = {me.log_negativity(('b1', 'b2')):.4f}, "
      f"relative difference {me.relative_difference:.1e}")

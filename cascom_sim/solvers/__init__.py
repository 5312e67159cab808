"""How a model evolves: the Lyapunov steady state, the covariance ODE and Langevin ensembles in time,
and the truncated-Fock master equation (QuTiP) as an independent check."""

"""Named parameter points used in docs, tests and validation.

``SINGLE_CAVITY_ENTANGLED``: one cavity (η = 0), red-detuned at Δ = ω_m, strong coupling
(m = 20 fg so g0 is 10³ times the paper's, P = 200 mW, T = 10 mK): stable, physical, and the
optomechanical pair (a1, b1) is entangled, E_N ≈ 0.083 (consistent reading, paper
coupling and bath).  This is the regime of Vitali et al., PRL 98, 030405 (2007).

``PAPER_FIG2A``: the paper's Fig. 2(a) point at Δθ = 0.25π (all other values Fig. 1(d)).
"""

from __future__ import annotations

from .parameters import Parameters

SINGLE_CAVITY_ENTANGLED = Parameters(eta=0.0, detuning=1.0, mass=2e-17, power=0.2, temperature=0.01)
SINGLE_CAVITY_ENTANGLED_PAIR = ("a1", "b1")

PAPER_FIG2A = Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8)

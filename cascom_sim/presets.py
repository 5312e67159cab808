"""Named parameter points used in docs, tests and validation.

``SINGLE_CAVITY_ENTANGLED``: one cavity (η = 0), red-detuned at Δ = ω_m, strong coupling
(m = 20 fg so g0 is 10³ times the paper's, P = 200 mW, T = 10 mK): stable, physical, and the
optomechanical pair (a1, b1) is entangled, E_N ≈ 0.083 (consistent reading, paper
coupling and bath).  This is the regime of Vitali et al., PRL 98, 030405 (2007).

``VITALI_2007``: the single cavity of Vitali et al., PRL 98, 030405 (2007) (η = 0 isolates cavity 1):
ω_m/2π = 10 MHz, Q = 10⁵ (γ_m/2π = 100 Hz), m = 5 ng, L = 1 mm, λ = 810 nm, P = 50 mW, T = 0.4 K,
finesse F = 1.07×10⁴ read as κ = πc/(F L) (κ/2π = c/(2FL) = 14.0 MHz), the relation used by that
group's papers and by the published reproduction of the figure.  With the usual F = FSR/FWHM instead,
κ/2π = c/(4FL) = 7.0 MHz (``VITALI_2007_KAPPA_HALF``).  Use with ``coupling='standard'`` (their
G₀ = (ω_c/L)√(ħ/(mω_m)) multiplies the quadrature q = (b + b†)/√2) and ``bath='brownian'``.

``PAPER_FIG2A``: the paper's Fig. 2(a) point at Δθ = 0.25π (all other values Fig. 1(d)).
"""

from __future__ import annotations

from .parameters import Parameters

SINGLE_CAVITY_ENTANGLED = Parameters(eta=0.0, detuning=1.0, mass=2e-17, power=0.2, temperature=0.01)
SINGLE_CAVITY_ENTANGLED_PAIR = ("a1", "b1")

_C = 299792458.0
VITALI_2007 = Parameters(eta=0.0, omega_m=10e6, gamma_m=10e6 / 1e5, mass=5e-12, length=1e-3, wavelength=810e-9,
                         power=50e-3, temperature=0.4, kappa=_C / (2 * 1.07e4 * 1e-3), detuning=1.0, dtheta_pi=0.0)
VITALI_2007_KAPPA_HALF = VITALI_2007.replace(kappa=_C / (4 * 1.07e4 * 1e-3))
VITALI_2007_PAIR = ("a1", "b1")

PAPER_FIG2A = Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8)

import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, mean_fields, mean_fields_from_bare_detuning
from cascom_sim.models.meanfield import detuning_shift_per_photon


def eq7_rhs(p: Parameters, alpha, delta, units):
    """dα/dt of Eq. (7) as printed, with the input amplitude per reading."""
    kap, eps, phi = float(p.kappa_rad), float(p.epsilon), float(p.phi)
    drive = [eps * np.exp(-1j * float(p.theta1)), eps]
    fed = [d / np.sqrt(2 * kap) if units == "consistent" else d for d in drive]  # the fibre carries this
    out = []
    for j in range(2):
        k = 1 - j
        out.append(-(1j * delta[j] + kap) * alpha[j] + drive[j]
                   + np.sqrt(2 * float(p.eta) * kap) * (fed[k] - np.sqrt(2 * kap) * alpha[k]) * np.exp(1j * phi))
    return np.array(out)


@pytest.mark.parametrize("units", ["consistent", "literal"])
@pytest.mark.parametrize("eta,phi_pi,dth", [(1.0, 0.8, 0.25), (0.4, 0.3, -0.7), (0.0, 0.5, 0.1)])
def test_mean_fields_solve_eq7(units, eta, phi_pi, dth):
    p = Parameters(eta=eta, phi_pi=phi_pi, dtheta_pi=dth, detuning=1.3)
    mf = mean_fields(p, ModelOptions(units=units))
    r = eq7_rhs(p, mf.alpha, mf.delta, units)
    scale = float(p.kappa_rad) * np.max(np.abs(mf.alpha))
    assert np.max(np.abs(r)) < 1e-12 * scale


def test_readings_agree_at_eta_zero_and_match_single_cavity():
    p = Parameters(eta=0.0, dtheta_pi=0.3, detuning=0.9)
    a_c = mean_fields(p, ModelOptions(units="consistent")).alpha
    a_l = mean_fields(p, ModelOptions(units="literal")).alpha
    np.testing.assert_allclose(a_c, a_l, rtol=1e-14)
    single = float(p.epsilon) / (1j * float(p.delta) + float(p.kappa_rad))
    np.testing.assert_allclose(a_c, [single * np.exp(-1j * 0.3 * np.pi), single], rtol=1e-13)


def test_literal_reading_is_much_stronger_at_the_papers_point():
    p = Parameters()
    n_c = mean_fields(p, ModelOptions(units="consistent")).photon_numbers
    n_l = mean_fields(p, ModelOptions(units="literal")).photon_numbers
    # the literal feed-through is √(2κ) ≈ 2.4e4 times the consistent one
    assert np.all(n_l / n_c > 1e7)


def test_bare_detuning_relation():
    p = Parameters(mass=1e-19)
    for bath in ("paper", "brownian"):
        o = ModelOptions(bath=bath)
        mf = mean_fields(p, o)
        chi = float(detuning_shift_per_photon(p, o))
        np.testing.assert_allclose(mf.bare_detuning - mf.delta, chi * mf.photon_numbers, rtol=1e-12)


def test_bistability_all_nine_branches_at_eta_zero_and_continuation():
    p0 = Parameters(eta=0.0, mass=1e-19)
    b0 = mean_fields_from_bare_detuning(p0, 2.0)
    assert len(b0) == 9  # three roots per cavity
    # each branch is self-consistent: Δ_c − Δ_j = χ N_j
    chi = float(detuning_shift_per_photon(p0, ModelOptions()))
    for b in b0:
        np.testing.assert_allclose(b.delta + chi * b.photon_numbers, 2.0 * float(p0.omega_m_rad), rtol=1e-10)
    # a vanishing cascade coupling finds the same nine by Newton from a grid
    b1 = mean_fields_from_bare_detuning(Parameters(eta=1e-10, mass=1e-19), 2.0)
    assert len(b1) == 9
    d0 = np.sort(np.array([b.delta for b in b0]), axis=0)
    d1 = np.sort(np.array([b.delta for b in b1]), axis=0)
    np.testing.assert_allclose(d1, d0, rtol=1e-3)


def test_single_branch_far_from_bistability():
    assert len(mean_fields_from_bare_detuning(Parameters(eta=0.5), 1.4)) == 1

"""The two-channel SLH cascade: physical by construction, one-way."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cascom_sim import ModelOptions, ParameterError, Parameters, build_model, is_noise_physical
from cascom_sim.models.cascade import TwoChannelSpec, two_channel_mean_fields
from cascom_sim.models.meanfield import mean_fields

TWO = ModelOptions(model="two-channel")


@settings(max_examples=40, deadline=None)
@given(eta=st.floats(0, 1), phi=st.floats(-2, 2), fr=st.floats(0, 1), fl=st.floats(0, 1),
       det=st.floats(-3, 3), dth=st.floats(-1, 1), temp=st.floats(0, 1))
def test_two_channel_noise_is_physical(eta, phi, fr, fl, det, dth, temp):
    if fr + fl > 1:
        fr, fl = fr / (fr + fl), fl / (fr + fl) * 0.999
    p = Parameters(eta=eta, phi_pi=phi, kappa_r_fraction=fr, kappa_l_fraction=fl, detuning=det, dtheta_pi=dth,
                   temperature=temp)
    m = build_model(p, TWO)
    assert bool(is_noise_physical(m.drift, m.diffusion))


# The η = 0 comparison with the paper's model (on unmodified mean fields) lives in test_network.py.


def test_cascade_is_one_way_with_the_slh_coupling():
    eta, phi, fr = 0.64, 0.3, 0.7
    p = Parameters(eta=eta, phi_pi=phi, kappa_r_fraction=fr, kappa_l_fraction=0.0, power=0.0)
    A = build_model(p, TWO).drift
    kap = float(p.kappa_rad)
    np.testing.assert_allclose(A[0:2, 2:4], 0.0, atol=1e-9 * kap)  # cavity 1 does not feel cavity 2
    J = 2 * fr * kap * np.sqrt(eta)
    expected = np.array([[-J * np.cos(np.pi * phi), J * np.sin(np.pi * phi)],
                         [-J * np.sin(np.pi * phi), -J * np.cos(np.pi * phi)]])
    np.testing.assert_allclose(A[2:4, 0:2], expected, rtol=1e-9)


def test_mean_fields_reduce_to_papers_consistent_reading_when_kappa_r_equals_kappa_l_equals_kappa():
    """The relation documented in cascade.py: κ_R = κ_L = κ (κ_0 = −κ, formally) gives Eq. (7), consistent."""
    p = Parameters(eta=0.7, phi_pi=0.35, dtheta_pi=0.2, detuning=1.2)
    kap = float(p.kappa_rad)
    spec = TwoChannelSpec(kappa_r=(kap, kap), kappa_l=(kap, kap), kappa_0=(-kap, -kap), omega_m=(0, 0),
                          gamma_m=(0, 0), n_m=(0, 0), g0=(0, 0), delta=(float(p.delta),) * 2, eta=0.7,
                          phi=float(p.phi))
    flux = float(p.epsilon) / np.sqrt(2 * kap)
    a = two_channel_mean_fields(spec, (flux * np.exp(-1j * float(p.theta1)), flux))
    np.testing.assert_allclose(a, mean_fields(p, ModelOptions(units="consistent")).alpha, rtol=1e-12)


def test_two_channel_rejects_readings_it_does_not_have():
    with pytest.raises(ParameterError, match="units"):
        build_model(Parameters(), ModelOptions(model="two-channel", units="literal"))
    with pytest.raises(ParameterError, match="bath"):
        build_model(Parameters(), ModelOptions(model="two-channel", bath="brownian"))
    with pytest.raises(ParameterError, match="kappa_r_fraction"):
        Parameters(kappa_r_fraction=0.7, kappa_l_fraction=0.6)


def test_two_channel_sweeps_vectorize():
    from cascom_sim.runs.sweep import Axis, run_sweep

    ds = run_sweep([Axis("detuning", 0.5, 2.0, 5), Axis("eta", 0, 1, 3)], options=TWO).dataset
    assert ds["noise_physical"].values.all()
    assert ds.attrs["model"] == "two-channel"

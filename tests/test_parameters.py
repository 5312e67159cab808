import math

import numpy as np
import pytest

from cascom_sim import ModelOptions, ParameterError, Parameters, load_config
from cascom_sim.conventions import HBAR, K_B
from cascom_sim.parameters import parse_assignment


def test_defaults_are_the_papers():
    p = Parameters()
    assert (p.omega_m, p.kappa, p.gamma_m) == (88.54e6, 45e6, 2.2e3)
    assert (p.wavelength, p.power, p.length, p.mass) == (780e-9, 15e-3, 0.1, 20e-12)
    assert (p.eta, p.phi_pi, p.temperature) == (1.0, 0.8, 0.1)


def test_derived_quantities_by_hand():
    p = Parameters()
    wc = 2 * math.pi * 299792458.0 / 780e-9
    wm = 2 * math.pi * 88.54e6
    g0 = wc / 0.1 * math.sqrt(HBAR / (20e-12 * wm))
    assert float(p.omega_c) == pytest.approx(wc, rel=1e-14)
    assert float(p.g0("paper")) == pytest.approx(g0, rel=1e-14)
    assert float(p.g0("standard")) == pytest.approx(g0 / math.sqrt(2), rel=1e-14)
    assert float(p.g0("paper")) == pytest.approx(2.3513, rel=1e-4)
    kap = 2 * math.pi * 45e6
    assert float(p.epsilon) == pytest.approx(math.sqrt(2 * kap * 15e-3 / (HBAR * wc)), rel=1e-14)
    assert float(p.n_m) == pytest.approx(1 / math.expm1(HBAR * wm / (K_B * 0.1)), rel=1e-12)
    assert float(Parameters(temperature=0).n_m) == 0.0
    # high-temperature limit n ≈ kT/ħω − 1/2
    hot = Parameters(temperature=300.0)
    assert float(hot.n_m) == pytest.approx(K_B * 300 / (HBAR * wm) - 0.5, rel=1e-6)


@pytest.mark.parametrize(
    "name,value",
    [("eta", 1.5), ("eta", -0.1), ("kappa", -1.0), ("kappa", 0.0), ("temperature", -1.0), ("mass", 0.0),
     ("power", float("nan")), ("detuning", float("inf")), ("omega_m", -5.0), ("wavelength", 0.0)],
)
def test_invalid_values_name_parameter_value_and_range(name, value):
    with pytest.raises(ParameterError) as exc:
        Parameters(**{name: value})
    msg = str(exc.value)
    assert name in msg and "allowed" in msg
    assert exc.value.name == name


def test_arrays_validate_elementwise_and_broadcast():
    p = Parameters(detuning=np.linspace(0, 2, 5)[:, None], dtheta_pi=np.linspace(0, 1, 3)[None, :])
    assert p.shape == (5, 3)
    with pytest.raises(ParameterError, match="eta"):
        Parameters(eta=np.array([0.2, 1.2]))


def test_options_choices():
    with pytest.raises(ParameterError, match="units"):
        ModelOptions(units="weird")
    assert ModelOptions().describe() == {"model": "paper", "units": "consistent", "coupling": "paper", "bath": "paper"}


def test_replace_rejects_unknown_names():
    with pytest.raises(ParameterError, match="foo"):
        Parameters().replace(foo=1.0)


def test_parse_assignment():
    assert parse_assignment("eta=0.5") == ("eta", 0.5)
    for bad in ["eta", "=1", "eta=", "nope=1", "eta=abc"]:
        with pytest.raises(ParameterError):
            parse_assignment(bad)


def test_load_config(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('eta = 0.5\ndetuning = 1.2\n[options]\nunits = "literal"\npair = "a1,b1"\n')
    vals, opts = load_config(f)
    assert vals == {"eta": 0.5, "detuning": 1.2}
    assert opts == {"units": "literal", "pair": "a1,b1"}
    f.write_text("bogus = 1\n")
    with pytest.raises(ParameterError, match="bogus"):
        load_config(f)
    f.write_text("eta = [1\n")
    with pytest.raises(ParameterError, match="TOML"):
        load_config(f)
    with pytest.raises(ParameterError, match="config"):
        load_config(tmp_path / "missing.toml")


def test_take_is_the_validated_slice_and_keeps_broadcasting_fields():
    """Parameters.take (no re-validation) gives the fields replace() would, for a slice and for indices;
    scalars and fields of shape (1,) broadcast over the stack and are kept as they are (a (1,) field sliced
    at 2048:4096 used to become empty)."""
    n = 10
    p = Parameters(detuning=np.linspace(0.5, 1.5, n), phi_pi=np.array([0.3]), eta=0.7)
    for points in (slice(3, 8), np.array([9, 0, 4, 4])):
        got = p.take(points)
        want = p.replace(detuning=p.detuning[points])
        assert got.shape == want.shape == (len(p.detuning[points]),)
        for name in p.names():
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    one = Parameters(detuning=np.array([1.2]), phi_pi=np.array([0.3]))  # a stack of one point
    np.testing.assert_array_equal(one.take(np.array([0, 0, 0])).detuning, [1.2, 1.2, 1.2])

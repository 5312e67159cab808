"""Drives as data: envelopes, validation, TOML, periods."""

import math

import numpy as np
import pytest

from cascom_sim.errors import ParameterError
from cascom_sim.models.drives import (
    Drive,
    Envelope,
    Modulation,
    PumpDrive,
    combine,
    load_drive,
    parse_modulate,
    ramp_drive,
)


def test_envelope_shapes_have_their_analytic_values():
    tau = 2e-8
    ramp = Envelope(kind="ramp", tau=tau, t_on=1e-8)
    np.testing.assert_allclose(ramp([0.0, 1e-8, 1e-8 + tau]), [0.0, 0.0, 1 - math.exp(-1)], rtol=1e-14)
    pulse = Envelope(kind="pulse", tau=tau, t_on=0.0, duration=3 * tau)
    on_end = 1 - math.exp(-3)
    np.testing.assert_allclose(pulse([3 * tau, 4 * tau]), [on_end, on_end * math.exp(-1)], rtol=1e-12)
    sine = Envelope(kind="sine", depth=0.5, frequency=1e6, phase_pi=0.5)
    np.testing.assert_allclose(sine([0.0, 0.25e-6]), [1.0, 0.5], atol=1e-14)  # cos(π/2), cos(π)
    step = Envelope(kind="ramp", tau=0.0)
    np.testing.assert_array_equal(step([-1e-9, 0.0, 1e-9]), [0.0, 1.0, 1.0])
    # the scalar fast path equals the vectorised one
    for e in (ramp, pulse, sine, step):
        for t in (0.0, 1.3e-8, 7e-8):
            assert e.value(t) == pytest.approx(float(e(t)), rel=1e-14, abs=1e-15)


def test_pump_amplitude_factor_is_sqrt_power_with_phase_and_offset():
    p = PumpDrive(envelope=(Envelope(kind="sine", depth=0.4, frequency=2e6),), phase_pi=0.5, frequency_offset=1e5)
    t = np.array([0.0, 1.7e-7])
    c = p.amplitude_factor(t)
    np.testing.assert_allclose(np.abs(c) ** 2, p.power_factor(t), rtol=1e-14)
    np.testing.assert_allclose(np.angle(c), -np.angle(np.exp(1j * (0.5 * np.pi + 2 * np.pi * 1e5 * t))), atol=1e-12)
    np.testing.assert_allclose([p.amplitude_scalar(x) for x in t], c, rtol=1e-14)


@pytest.mark.parametrize("kwargs, name", [
    ({"kind": "bogus"}, "envelope.kind"),
    ({"kind": "ramp", "tau": -1.0}, "envelope.tau"),
    ({"kind": "sine", "depth": 1.5, "frequency": 1.0}, "envelope.depth"),
    ({"kind": "sine", "depth": 0.5}, "envelope.frequency"),
    ({"kind": "pulse", "tau": 1e-9}, "envelope.duration"),
    ({"kind": "ramp", "tau": float("nan")}, "envelope.tau"),
    ({"kind": "function"}, "envelope.function"),
])
def test_bad_envelopes_name_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as err:
        Envelope(**kwargs)
    assert err.value.name == name


def test_bad_modulations_and_shortcuts():
    with pytest.raises(ParameterError, match="modulation.name"):
        Modulation(name="mass", depth=0.1, frequency=1.0)
    with pytest.raises(ParameterError, match="modulation.frequency"):
        Modulation(name="spring", depth=0.1, frequency=0.0)
    for text in ("spring:0.1", "spring:x:1e6", "mass:0.1:1e6"):
        with pytest.raises(ParameterError, match="--modulate"):
            parse_modulate(text)
    assert parse_modulate("spring:0.01:2e6") == Modulation(name="spring", depth=0.01, frequency=2e6)
    assert parse_modulate("power:0.5:2e6") == Envelope(kind="sine", depth=0.5, frequency=2e6)


def test_period_of_commensurate_frequencies_and_none_otherwise():
    d = Drive(pumps=(PumpDrive(envelope=(Envelope(kind="sine", depth=0.3, frequency=2e6),)),),
              modulations=(Modulation(name="spring", depth=0.01, frequency=3e6),))
    assert d.period == pytest.approx(1e-6, rel=1e-12)
    assert Drive().period is None and Drive().is_constant
    assert ramp_drive(1e-8).period is None
    incommensurate = Drive(modulations=(Modulation(name="spring", depth=0.1, frequency=1.0),
                                        Modulation(name="detuning", depth=0.1, frequency=math.pi)))
    assert incommensurate.period is None


def test_combine_adds_ramp_and_modulations_to_every_pump():
    d = combine(None, ramp=1e-8, modulate=["power:0.5:1e6", "spring:0.01:2e6"])
    assert len(d.pumps) == 2
    assert [e.kind for e in d.pumps[1].envelope] == ["ramp", "sine"]
    assert d.modulations == (Modulation(name="spring", depth=0.01, frequency=2e6),)
    assert d.breakpoints == (0.0,)


def test_drive_from_toml(tmp_path):
    f = tmp_path / "drive.toml"
    f.write_text('[[pump]]\nphase_pi = 0.5\nenvelope = [{kind = "ramp", tau = 2e-8}]\n'
                 '[[modulation]]\nname = "spring"\ndepth = 0.01\nfrequency = 1.77e8\n')
    d = load_drive(f)
    assert d.pumps[0].phase_pi == 0.5 and d.pumps[0].envelope[0] == Envelope(kind="ramp", tau=2e-8)
    assert d.modulations[0].frequency == 1.77e8
    f.write_text('[[pump]]\nenvelope = [{kind = "ramp", tau = -2e-8}]\n')
    with pytest.raises(ParameterError, match="envelope.tau"):
        load_drive(f)
    f.write_text('[[pump]]\ncolour = 1\n')
    with pytest.raises(ParameterError, match="colour"):
        load_drive(f)
    f.write_text("[[pump]\n")
    with pytest.raises(ParameterError, match="--drive"):
        load_drive(f)
    with pytest.raises(ParameterError, match="--drive"):
        load_drive(tmp_path / "missing.toml")

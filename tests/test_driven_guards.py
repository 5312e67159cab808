"""Time-dependent runs never hang and never return numbers from a diverging solution.

Before these guards, ``cascom evolve --ramp 0`` (and ``--ramp 1e300``, ``floquet --modulate
power:0.5:1e300``) at the default, unstable point ran for hours inside solve_ivp.
"""

import json
import math

import numpy as np
import pytest

from cascom_sim.cli import main
from cascom_sim.errors import ParameterError
from cascom_sim.models.drives import Envelope, Modulation
from cascom_sim.solvers.meanfield_dynamics import DIVERGENCE_BOUND, IntegrationError, integrate


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv, name", [
    (("evolve", "--ramp", "1e300"), "envelope.tau"),
    (("floquet", "--modulate", "power:0.5:1e300"), "with FREQ: 0 ≤ frequency ≤ 1e15 (Hz)"),
    (("evolve", "--modulate", "spring:0.1:1e300"), "with FREQ: 0 < frequency ≤ 1e15 (Hz)"),
])
def test_drive_scales_beyond_reach_are_refused_in_one_line(capsys, argv, name):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_drive_limits_in_the_api():
    with pytest.raises(ParameterError, match="tau"):
        Envelope(kind="ramp", tau=2e6)
    with pytest.raises(ParameterError, match="frequency"):
        Modulation(name="spring", depth=0.1, frequency=2e15)
    assert Envelope(kind="ramp", tau=1e6).tau == 1e6  # the bound itself is allowed


def test_switch_on_to_an_unstable_point_reports_the_growth_rate(capsys):
    """The paper's default point is unstable at 0.618 κ = 1.747e8 1/s: said at once, exit 0, no numbers."""
    code, out, err = run(capsys, "evolve", "--ramp", "0", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["stable"] is False and d["E_N"] is None
    np.testing.assert_allclose(d["growth_rate"], 0.618034 * 2 * math.pi * 45e6, rtol=1e-4)


def test_integration_budget_raises_instead_of_running_on():
    # ẏ = i ω y at ω = 1e6 over 1 s needs ~1e6 steps: far over a budget of 1000 evaluations
    def fun(t, y):
        return np.array([-1e6 * y[1], 1e6 * y[0]])

    with pytest.raises(IntegrationError, match="more than 1e\\+03 evaluations"):
        integrate(fun, None, np.array([1.0, 0.0]), np.linspace(0, 1, 5), method="RK45", rtol=1e-8,
                  max_evaluations=1000)


def test_a_diverging_solution_stops_and_later_samples_are_nan():
    # ẏ = y from 1: crosses the bound at t = ln(1e100) ≈ 230.3
    times = np.array([0.0, 100.0, 200.0, 300.0, 400.0])
    y, _ = integrate(lambda t, y: y, lambda t, y: np.eye(1), np.array([1.0]), times, method="LSODA", rtol=1e-8)
    np.testing.assert_allclose(y[:3, 0], np.exp(times[:3]), rtol=1e-5)
    assert np.all(np.isnan(y[3:])) and 200.0 < math.log(DIVERGENCE_BOUND) < 300.0


@pytest.mark.parametrize("cutoff", ["0", "-1", "abc", "2.5", "3,1"])
def test_master_refuses_bad_cutoffs_even_where_it_would_not_solve(capsys, cutoff):
    """At the default (unstable) point no cutoff is ever used; a bad one is still the user's mistake."""
    code, out, err = run(capsys, "master", "--cutoff", cutoff)
    assert code == 2 and err.count("\n") == 1 and "'cutoff'" in err


# the paper's point: the cascade term alone grows at (2|cos φ| − 1) κ (closing note of session 1, derived there)
PAPER_GROWTH = (2 * abs(math.cos(0.8 * math.pi)) - 1) * 2 * math.pi * 45e6


def test_driven_run_to_an_unstable_point_says_it_never_settles(capsys):
    """With --t-end a driven run at an unstable point used to print 'settled within 0.001 from 0 s' (E_N stays 0
    while V(t) grows) and 'slowest relaxation nan s'."""
    argv = ("evolve", "--ramp", "1e-9", "--t-end", "1e-8", "--points", "11")
    code, out, err = run(capsys, *argv)
    assert code == 0 and err == ""
    assert "from 0 s" not in out and "nan" not in out.split()
    assert "stable: False at t_end" in out and "never settles" in out and "none (unstable)" in out
    growth = float(out.split("growth rate: ")[1].split()[0])
    np.testing.assert_allclose(growth, PAPER_GROWTH, rtol=1e-3)
    code, out, _ = run(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["stable_at_t_end"] is False
    np.testing.assert_allclose(data["max_re_eigenvalue_at_t_end"], PAPER_GROWTH, rtol=1e-3)
    settle = data["metrics"]["settling_time"]
    assert settle["value"] is None and "never settles" in settle["note"]


def test_driven_text_formats_E_N_as_steady_does(capsys):
    """E_N(t_end) and the Lyapunov E_N at the final drift carry the steady output's six significant digits."""
    base = ("--set", "eta=0", "--set", "detuning=1.0", "--set", "mass=2e-17", "--set", "power=0.2", "--set",
            "temperature=0.01", "--pair", "a1,b1")  # presets.SINGLE_CAVITY_ENTANGLED: E_N ≈ 0.083
    code, out, _ = run(capsys, "evolve", *base, "--ramp", "2e-9", "--t-end", "5e-7", "--points", "11")
    assert code == 0
    code, js, _ = run(capsys, "evolve", *base, "--ramp", "2e-9", "--t-end", "5e-7", "--points", "11", "--json")
    data = json.loads(js)
    assert data["E_N"][-1] > 0 and data["final_lyapunov_E_N"] > 0  # numbers with digits to count
    assert f"E_N(t_end) = {format(data['E_N'][-1], '.6g')};" in out
    assert f"Lyapunov at the final drift: {format(data['final_lyapunov_E_N'], '.6g')}" in out


def test_floquet_and_master_options_refused_before_any_work(capsys):
    for argv, name in [(("floquet", "--modulate", "power:0.5:1e9", "--steps", "0", "--method", "piecewise"), "steps"),
                       (("floquet", "--modulate", "power:0.5:3.54e8", "--points", "1000000000"), "output times"),
                       (("floquet", "--modulate", "spring:0.1:1e-300"), "1e+300 s"),
                       (("floquet", "--modulate", "spring:1e300:1e6"), "weaker modulation"),
                       (("master", "--set", "eta=0", "--set", "detuning=1.0", "--cutoff", "2", "--tol", "nan"), "tol"),
                       (("master", "--set", "eta=0", "--set", "detuning=1.0", "--cutoff", "2", "--maxiter", "-5"),
                        "maxiter"),
                       (("master", "--set", "eta=0", "--set", "detuning=1.0", "--max-memory", "nan"), "max-memory")]:
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and name in err, (argv, err)


def test_a_drive_that_never_settles_is_refused_over_the_default_span(capsys):
    """The default span of a stable point (12 slowest relaxation times, ~0.9 ms) holds ~1e5 oscillations of a
    frequency-offset pump: it ran 22 s into the evaluation budget; now refused at once with the span that fits."""
    code, out, err = run(capsys, "evolve", "--model", "two-channel", "--set", "detuning=1.4",
                         "--modulate", "power:0.5:1e6", "--points", "5")
    assert code == 2 and out == "" and "t-end" in err and "cascom floquet" in err


def test_covariance_ode_gives_up_within_its_budget():
    """DOP853 at the paper's unstable point crept towards the growth for 46 s; now it stops at its budget."""
    from cascom_sim.errors import SolverError
    from cascom_sim.models import build_model
    from cascom_sim.parameters import ModelOptions, Parameters
    from cascom_sim.solvers.dynamics import covariance_ode, initial_covariance

    p = Parameters()
    m = build_model(p, ModelOptions())
    with pytest.raises(SolverError, match="--method covariance"):
        covariance_ode(m.drift, m.diffusion, initial_covariance(p), np.linspace(0, 3e-6, 5))


def test_a_run_shorter_than_the_build_up_is_not_called_settled(capsys):
    """t_end = 20 ns < the 43 ns relaxation of presets.SINGLE_CAVITY_ENTANGLED: E_N is still 0 everywhere, which
    used to read 'settled within 0.001 from 0 s' beside a Lyapunov E_N of 0.085 at the final drift."""
    base = ("--set", "eta=0", "--set", "detuning=1.0", "--set", "mass=2e-17", "--set", "power=0.2", "--set",
            "temperature=0.01", "--pair", "a1,b1", "--ramp", "2e-9", "--points", "5")
    code, out, _ = run(capsys, "evolve", *base, "--t-end", "2e-8", "--json")
    d = json.loads(out)
    assert code == 0 and d["E_N"][-1] == 0 and d["final_lyapunov_E_N"] > 0.08
    settle = d["metrics"]["settling_time"]
    assert settle["value"] is None and settle["note"].startswith("not settled")
    code, out, _ = run(capsys, "evolve", *base, "--t-end", "5e-7", "--json")  # long enough: a settling time
    d = json.loads(out)
    assert abs(d["E_N"][-1] - d["final_lyapunov_E_N"]) < 1e-3 and 0 < d["metrics"]["settling_time"]["value"] < 5e-7


def test_a_mirror_ringing_through_the_default_span_is_refused_at_once(capsys):
    """The two-channel point's mirrors (88.5 MHz, damped at 1.4e4 1/s) ring through the default span (12
    relaxation times, 0.87 ms: 7.7e4 periods): a switch-on ran 20 s into the evaluation budget; now one line
    with the longest span the budget could cover, and a span within it still runs."""
    argv = ("evolve", "--model", "two-channel", "--set", "detuning=1.4", "--ramp", "0", "--points", "3")
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'t-end'" in err and "rings" in err and "7.7e+04 periods" in err
    # the default span is not the user's: the line says so and suggests a --t-end a fifth of the budget's limit
    assert "not given" in err
    t_max = float(err.split("at most ~")[1].split()[0])
    np.testing.assert_allclose(t_max, 0.2 * 2e5 / 30 / 88.54e6, rtol=0.05)  # budget / (evaluations per period) × period
    code, out, _ = run(capsys, *argv, "--t-end", "1e-6")
    assert code == 0

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
    (("floquet", "--modulate", "power:0.5:1e300"), "envelope.frequency"),
    (("evolve", "--modulate", "spring:0.1:1e300"), "modulation.frequency"),
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

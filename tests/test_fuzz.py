"""Fuzz the command line and the API as a careless or hostile user would.

Every case must end in exit 0 (with strict JSON), 2 (one line: the user's input) or 1 (one line: a solver's
failure) — never a traceback, never the last-resort "internal error" line, never NaN/Infinity in JSON.  The
suite counts what it tried and how much of it was clean per category, and prints the table at the end of the
session (``pytest -rA`` not needed: see the "fuzz: tried / clean" summary).  ``-m slow`` runs ten times more
examples.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import signal
import string
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cascom_sim import CascomError, ParameterError
from cascom_sim.cli import main
from cascom_sim.parameters import SPECS

#: category → {"tried": n, "clean": n}; printed by conftest.pytest_terminal_summary
COUNTS: dict[str, dict[str, int]] = defaultdict(lambda: {"tried": 0, "clean": 0})

FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _strict_json(text: str):
    def bad(token):
        raise ValueError(f"non-finite number {token} in JSON")

    return json.loads(text, parse_constant=bad)


class Hang(BaseException):
    """Raised by the watchdog of :func:`cli` (a BaseException: the CLI's last-resort handler must not eat it)."""


@contextlib.contextmanager
def watchdog(seconds: float | None):
    """Fail a case that runs longer than ``seconds`` (SIGALRM; the integrators call back into Python often)."""
    if not seconds:
        yield
        return

    def fire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def cli(category: str, argv: list[str], limit: float | None = None) -> tuple[int, str, str]:
    """Run ``cascom argv`` in process and check the contract; counts tried/clean under ``category``.

    ``limit``: seconds after which the case counts as a hang."""
    COUNTS[category]["tried"] += 1
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), watchdog(limit):
            code = main(list(argv))  # an exception escaping main fails the test outright
    except Hang as exc:
        raise AssertionError((argv, f"hang: {exc}")) from None
    out, err = out.getvalue(), err.getvalue()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    problems = []
    if "Traceback" in err:
        problems.append("traceback")
    if code not in (0, 1, 2):
        problems.append(f"exit {code}")
    if "internal error" in err:
        problems.append("internal error (an unhandled exception type)")
    if any(not ln.startswith("cascom") for ln in lines):
        problems.append("stderr line not from cascom")
    verdicts = [ln for ln in lines if ln.startswith(("cascom: error", "cascom: failed"))]
    if code != 0 and len(verdicts) != 1:
        problems.append(f"{len(verdicts)} error lines for exit {code}")
    if code == 2 and not verdicts[-1:][0].startswith("cascom: error"):
        problems.append("exit 2 without 'error'")
    if code == 0 and "--json" in argv:
        try:
            _strict_json(out)
        except ValueError as exc:
            problems.append(f"bad JSON: {exc}")
    if code == 0 and "--json" not in argv:
        low = out.lower()
        if any(tok in low.split() for tok in ("nan", "inf", "-inf", "infinity")) or "= nan" in low or "= inf" in low:
            problems.append("non-finite value printed as a number")
    if not problems:
        COUNTS[category]["clean"] += 1
    assert not problems, (argv, problems, err[-500:])
    return code, out, err


def api(category: str, call) -> object:
    """Call ``call()``: it must return or raise a CascomError (ParameterError for bad input)."""
    COUNTS[category]["tried"] += 1
    try:
        result = call()
    except CascomError:
        COUNTS[category]["clean"] += 1
        return None
    COUNTS[category]["clean"] += 1
    return result


# ----------------------------------------------------------------------------- strategies
EXTREMES = [0.0, -0.0, 1e-320, 5e-324, 1e-300, 1e-30, 1e-15, 1e-3, 0.5, 1.0, 1.5, 2.0, 1e3, 1e15, 1e30, 1e300,
            1.7976931348623157e308, -1e-300, -1.0, -1e300, math.inf, -math.inf, math.nan]
names = st.sampled_from(sorted(SPECS))
floats_all = st.one_of(st.sampled_from(EXTREMES), st.floats(allow_nan=True, allow_infinity=True),
                       st.floats(min_value=-10, max_value=10))
value_text = st.one_of(floats_all.map(repr), st.text(alphabet=string.printable, max_size=8),
                       st.sampled_from(["", "1e", "0x10", "1_000", " 1 ", "True", "nan", "-inf", "1e999"]))
assignment = st.tuples(names, value_text).map(lambda nv: f"{nv[0]}={nv[1]}")


# ----------------------------------------------------------------------------- CLI: parameter values
def _must_refuse(text: str) -> bool:
    """True when NAME=VALUE is outside the documented range (or not a number): exit 2 is required."""
    name, _, value = text.partition("=")
    try:
        v = float(value)
    except ValueError:
        return True
    spec = SPECS[name]
    return (not math.isfinite(v) or v < spec.low or v > spec.high or (v == spec.low and not spec.low_inclusive)
            or (v == spec.high and not spec.high_inclusive))


# the cases an earlier independent fuzz found, always tried
ISSUE_VALUES = ["detuning=1e300", "kappa=1e308", "power=1e300", "wavelength=1e-300", "gamma_m=0", "omega_m=1e-300",
                "mass=1e-300", "length=1e300", "temperature=1e300", "phi_pi=1e300", "detuning=0", "power=0",
                "temperature=0", "phi_pi=0", "eta=0", "detuning=1.1", "kappa=5e-324", "dtheta_pi=-1e300"]


@pytest.mark.parametrize("command", ["steady", "sweep", "evolve"])
@FAST
@given(sets=st.lists(assignment, min_size=1, max_size=3))
@example(sets=ISSUE_VALUES[:6]).via("the issue")
@example(sets=ISSUE_VALUES[6:12]).via("the issue")
@example(sets=ISSUE_VALUES[12:]).via("the issue")
@example(sets=["detuning=1e300"]).via("the issue")
@example(sets=["kappa=1e308"]).via("the issue")
@example(sets=["power=1e300"]).via("the issue")
@example(sets=["wavelength=1e-300"]).via("the issue")
@example(sets=["gamma_m=0"]).via("the issue")
def test_parameter_values_across_the_float_range(tmp_path, command, sets):
    argv = [command, "--json"]
    for a in sets:
        argv += ["--set", a]
    if command == "sweep":
        argv += ["--x", "phi_pi=0.4:0.6:3", "--out", str(tmp_path / "s.nc"), "--max-memory", "0.001"]
        argv = [a for a in argv if not a.startswith("phi_pi=") or a == "phi_pi=0.4:0.6:3"]
    if command == "evolve":
        argv += ["--points", "5", "--t-end", "1e-8"]
    code, _, _ = cli("values: " + command, argv)
    last = {a.partition("=")[0].strip(): a for a in sets}  # a repeated --set: the last value is the one used
    if any(_must_refuse(a) for a in last.values() if not (command == "sweep" and a.startswith("phi_pi="))):
        assert code == 2, (argv, "accepted a value outside its range")


# ----------------------------------------------------------------------------- CLI: evolve's own numbers
@settings(FAST, max_examples=80)
@given(method=st.sampled_from(["covariance", "ode", "langevin", "euler"]),
       t_end=st.one_of(st.none(), st.sampled_from(["1e-300", "1e-12", "1e-8", "1e300", "inf", "nan", "-1", "0"])),
       points=st.one_of(st.none(), st.sampled_from(["-1", "0", "1", "2", "7", "1000000000"])),
       seed=st.sampled_from(["-1", "0", "7", "99999999999999999999"]),
       substeps=st.one_of(st.none(), st.sampled_from(["-3", "0", "1", "5"])),
       tolerance=st.sampled_from(["nan", "-1", "inf", "0", "1e-3"]),
       trajectories=st.sampled_from(["-5", "0", "31", "64", "100000000000"]),
       detuning=st.sampled_from(["1.0", "1.1", "0", "-1", "1e6"]))
@example(method="covariance", t_end=None, points=None, seed="0", substeps=None, tolerance="1e-3", trajectories="64",
         detuning="1.4").via("evolve with no options")
@example(method="euler", t_end=None, points="3", seed="0", substeps="0", tolerance="1e-3", trajectories="64",
         detuning="1.0").via("the issue")
@example(method="ode", t_end="1e300", points="3", seed="0", substeps=None, tolerance="1e-3", trajectories="64",
         detuning="1.0").via("the issue")
@example(method="langevin", t_end="1e-8", points="3", seed="-1", substeps=None, tolerance="nan", trajectories="64",
         detuning="1.0").via("the issue")
def test_evolve_options(method, t_end, points, seed, substeps, tolerance, trajectories, detuning):
    argv = ["evolve", "--json", "--method", method, "--seed", seed, "--tolerance", tolerance,
            "--trajectories", trajectories, "--set", f"detuning={detuning}", "--max-steps", "2e6"]
    for flag, v in (("--t-end", t_end), ("--points", points), ("--substeps", substeps)):
        if v is not None:
            argv += [f"{flag}={v}"]
    if t_end is None:
        argv += ["--t-end=1e-8"]  # the automatic span is tested elsewhere; keep the fuzz fast
    code, _, _ = cli("evolve options", argv)
    ensemble = method in ("langevin", "euler")
    silly = (float(tolerance) < 0 or not math.isfinite(float(tolerance)) or (ensemble and int(seed) < 0)
             or (method == "euler" and substeps is not None and int(substeps) < 1)
             or (points is not None and int(points) < 2)
             or (t_end is not None and not (math.isfinite(float(t_end)) and float(t_end) > 0))
             or (ensemble and int(trajectories) < 32))
    if silly:
        assert code == 2, (argv, "accepted a meaningless option")


# ----------------------------------------------------------------------------- CLI: sweep axes and counts
axis_text = st.one_of(
    st.tuples(names, floats_all, floats_all, st.integers(-3, 10**12)).map(lambda a: f"{a[0]}={a[1]!r}:{a[2]!r}:{a[3]}"),
    st.text(alphabet="detuning=:0123456789.-e", max_size=20))


@FAST
@given(x=axis_text, y=st.one_of(st.none(), axis_text), workers=st.sampled_from(["-1", "0", "1"]),
       memory=st.sampled_from(["0.0005", "-1", "nan", "0"]))
def test_sweep_axes_and_counts(tmp_path, x, y, workers, memory):
    argv = ["sweep", "--json", f"--x={x}", "--out", str(tmp_path / "s.nc"), "--workers", workers,
            "--max-memory", memory]
    if y is not None:
        argv.append(f"--y={y}")
    cli("counts, options, axes", argv)


# ----------------------------------------------------------------------------- CLI: TOML configs
toml_scalar = st.one_of(floats_all.filter(math.isfinite), st.integers(-10**20, 10**20), st.booleans(),
                        st.text(alphabet=string.ascii_letters, max_size=5))
toml_value = st.one_of(toml_scalar.map(lambda v: json.dumps(v) if not isinstance(v, float) else repr(v)),
                       st.sampled_from(["[1.0, 2.0]", "{a = 1}", "nan", "inf", "-inf", "1979-05-27", '"1.5"']))


@FAST
@given(keys=st.lists(st.one_of(names, st.sampled_from(["bogus", "options", "parameters"])), max_size=4),
       values=st.lists(toml_value, min_size=4, max_size=4),
       options=st.dictionaries(st.sampled_from(["model", "units", "pair", "coupling", "bath", "zzz"]),
                               st.sampled_from(['"paper"', '"two-channel"', '"literal"', '"a1,b1"', '"b1,b1"', '""',
                                                "3", "true", '"x"']), max_size=3),
       garbage=st.one_of(st.none(), st.binary(max_size=20)))
def test_toml_configs(tmp_path, keys, values, options, garbage):
    cfg = tmp_path / "c.toml"
    if garbage is not None:
        cfg.write_bytes(garbage)
    else:
        body = "".join(f"{k} = {v}\n" for k, v in zip(keys, values) if k not in ("options", "parameters"))
        body += "[options]\n" + "".join(f"{k} = {v}\n" for k, v in options.items())
        cfg.write_text(body)
    cli("TOML configs", ["steady", "--json", "--config", str(cfg)])


# ----------------------------------------------------------------------------- CLI: output paths
@FAST
@given(out=st.sampled_from(["DIR", "DIR/", "", " ", "missing/deeper/x.nc", "x.nc", "FILE_AS_DIR/x.nc", "x" * 300,
                            "/proc/x.nc", "/dev/null", "."]),
       plot=st.one_of(st.none(), st.sampled_from(["DIR", "p.png", "p.foo", "p", "x.nc", "p.PDF", "missing/p.svg"])),
       command=st.sampled_from(["sweep", "evolve"]))
def test_output_paths(tmp_path_factory, out, plot, command):
    base = tmp_path_factory.mktemp("paths")
    (base / "DIR").mkdir()
    (base / "FILE_AS_DIR").write_text("")

    def where(p):
        return p if p.startswith("/") or p.strip() in ("", ".") else str(base / p)

    argv = [command, "--json", "--out", where(out)]
    if plot is not None:
        argv += ["--plot", where(plot)]
    argv += ["--x", "detuning=0.5:1:2"] if command == "sweep" else ["--points", "3", "--t-end", "1e-9"]
    code, _, _ = cli("--out/--plot paths", argv)
    leftovers = [p.name for p in base.rglob("*") if p.name.endswith(".tmp") or p.name.endswith(".chunks")]
    assert not leftovers, leftovers


# ----------------------------------------------------------------------------- CLI: pairs and choices
@FAST
@given(pair=st.one_of(st.sampled_from(["", ",", "b1", "b1,b1", "b1,b2,a1", "a1,b1", " a1 , b2 ", "B1,b2", "-1,0",
                                       "0,1", "b3,b1", "a1,,b1"]), st.text(max_size=6)),
       model=st.sampled_from(["paper", "two-channel", "x", ""]),
       units=st.sampled_from(["consistent", "literal", "LITERAL"]),
       command=st.sampled_from(["steady", "evolve"]))
@example(pair="", model="paper", units="consistent", command="steady").via("the issue")
def test_pairs_and_choices(pair, model, units, command):
    argv = [command, "--json", f"--pair={pair}", f"--model={model}", f"--units={units}"]
    if command == "evolve":
        argv += ["--points", "3", "--t-end", "1e-9"]
    code, _, _ = cli("pairs and choices", argv)
    names_ = [m.strip() for m in pair.split(",")]
    valid = len(names_) == 2 and names_[0] != names_[1] and set(names_) <= {"a1", "a2", "b1", "b2"}
    if not valid or model not in ("paper", "two-channel") or units not in ("consistent", "literal"):
        assert code == 2, (argv, "accepted an invalid pair or choice")


# ----------------------------------------------------------------------------- API
objects = st.one_of(floats_all, st.integers(-10**30, 10**30), st.booleans(), st.none(), st.text(max_size=4),
                    st.binary(max_size=4), st.complex_numbers(allow_nan=False, max_magnitude=10),
                    st.lists(floats_all, max_size=3), st.just([[1.0, 2.0], [3.0]]), st.just(np.array(["1.0"])),
                    st.just(np.array([True])), st.just(np.array([], dtype=float)), st.just({"a": 1}))


@FAST
@given(name=names, value=objects)
def test_api_parameters(name, value):
    from cascom_sim import Parameters, steady_state

    p = api("Python API", lambda: Parameters(**{name: value}))
    if p is not None and not p.shape:
        s = api("Python API", lambda: steady_state(p))
        if s is not None and s.E_N is not None:
            assert math.isfinite(s.E_N)


@FAST
@given(pair=st.one_of(st.tuples(st.integers(-3, 5), st.integers(-3, 5)), st.tuples(st.booleans(), st.integers(0, 3)),
                      st.tuples(st.text(max_size=3), st.text(max_size=3)), st.just(("b1",)), st.just(("b1", "b2", "a1"))),
       chunk=st.one_of(st.integers(-5, 5), st.booleans(), st.floats(allow_nan=True), st.none()))
def test_api_pairs_and_chunks(pair, chunk):
    from cascom_sim import log_negativity
    from cascom_sim.runs.sweep import Axis, run_sweep

    V = np.eye(8) / 2
    r = api("Python API", lambda: log_negativity(V, pair))
    if r is not None:  # a valid pair of distinct modes, in range
        assert all(isinstance(m, str) or (0 <= m < 4 and not isinstance(m, bool)) for m in pair)
    res = api("Python API", lambda: run_sweep([Axis("detuning", 0.5, 1.0, 3)], chunk=chunk))
    if res is not None:
        assert chunk is None or (isinstance(chunk, int) and not isinstance(chunk, bool) and chunk >= 1)
        repr(res)


# ----------------------------------------------------------------------------- interrupt and resume
class _Stop(Exception):
    pass


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(victim=st.integers(0, 3), payload=st.one_of(st.binary(max_size=300), st.sampled_from([b"", b"PK\x03\x04"])),
       keep=st.integers(0, 400))
def test_tampered_checkpoint_is_recomputed(tmp_path_factory, victim, payload, keep):
    import warnings

    from cascom_sim.progress import NoProgress
    from cascom_sim.runs.executor import Execution
    from cascom_sim.runs.sweep import Axis, run_sweep

    axes = [Axis("detuning", 0.5, 2.0, 8)]
    COUNTS["interrupt and resume"]["tried"] += 1
    ref = run_sweep(axes, chunk=2).dataset
    ck = tmp_path_factory.mktemp("ck") / "ck"

    class Stop(NoProgress):
        seen = 0

        def advance(self, n=1):
            Stop.seen += n
            if Stop.seen >= 4:
                raise _Stop

    with pytest.raises(_Stop):
        run_sweep(axes, chunk=2, execution=Execution(checkpoint=ck), progress=Stop())
    f = ck / f"chunk_{victim:06d}.npz"
    raw = f.read_bytes()
    f.write_bytes(raw[:keep] + payload if keep < len(raw) else payload)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_sweep(axes, chunk=2, execution=Execution(checkpoint=ck)).dataset
    for k in res.data_vars:
        np.testing.assert_array_equal(res[k].values, ref[k].values)
    COUNTS["interrupt and resume"]["clean"] += 1


# ----------------------------------------------------------------------------- CLI: master
MASTER_POINTS = {"stable": ["--set", "eta=0", "--set", "detuning=1.0"],  # b1,b2 occupations ≈ 23
                 "unstable": [],  # the paper's point: nothing to solve
                 "two-channel": ["--model", "two-channel", "--set", "detuning=1.4"]}  # far over any budget
BAD_CUTOFFS = {"0", "-1", "abc", "2.5", "", ",", "1e3"}


@settings(FAST, max_examples=30)
@given(cutoff=st.lists(st.sampled_from(["2", "2,2,2,2", "3,2,2,2", "2,2", "99999999999999999999", *sorted(BAD_CUTOFFS)]),
                       max_size=2),
       solver=st.sampled_from(["auto", "direct", "lgmres", "direct,lgmres", "bogus", "", ",", "auto,direct"]),
       tol=st.sampled_from([None, "nan", "-1", "0", "1", "inf", "1e-3"]),
       maxiter=st.sampled_from([None, "-5", "0", "1", "50"]),
       memory=st.sampled_from([None, "nan", "-1", "0", "1e-9", "3"]),
       dimension=st.sampled_from([None, "-3", "0", "1", "2500"]),
       modes=st.sampled_from([None, "", ",", "b1", "b1,b2", "a1,a2,b1,b2", "b1,b1,b2", "x"]),
       point=st.sampled_from(sorted(MASTER_POINTS)), json_=st.booleans())
@example(cutoff=["2"], solver="auto", tol="nan", maxiter=None, memory=None, dimension=None, modes=None,
         point="stable", json_=False).via("ran 118 s, then failed")
@example(cutoff=["2"], solver="auto", tol=None, maxiter="-5", memory=None, dimension=None, modes=None,
         point="stable", json_=False).via("internal error: UnboundLocalError")
@example(cutoff=["2"], solver="auto", tol=None, maxiter=None, memory="nan", dimension=None, modes=None,
         point="stable", json_=True).via("--max-memory nan was accepted")
def test_master_options(cutoff, solver, tol, maxiter, memory, dimension, modes, point, json_):
    argv = ["master", *MASTER_POINTS[point], "--solver", solver] + (["--json"] if json_ else [])
    argv += [f"--cutoff={c}" for c in cutoff]
    for flag, v in (("--tol", tol), ("--maxiter", maxiter), ("--max-memory", memory),
                    ("--max-dimension", dimension), ("--modes", modes)):
        if v is not None:
            argv.append(f"{flag}={v}")
    code, _, _ = cli("master options", argv, limit=20)
    chain = solver.split(",")
    silly = (solver != "auto" and not set(chain) <= {"direct", "lgmres", "gmres", "evolution"}
             or tol not in (None, "1e-3") or maxiter in ("-5", "0") or memory in ("nan", "-1", "0")
             or dimension in ("-3", "0") or bool(BAD_CUTOFFS & set(cutoff)))
    if silly:
        assert code == 2, (argv, "accepted a meaningless option")


# ----------------------------------------------------------------------------- CLI: drives (evolve, floquet)
MOD_NAMES = ["power", "spring", "detuning", "bogus", ""]
MOD_DEPTHS = ["0", "0.1", "1", "-1", "1.5", "1e300", "nan", "inf", "x"]
MOD_FREQS = ["3.54e8", "1.77e8", "1e9", "1e15", "1e16", "1e-300", "5e-324", "0", "-1", "nan", "inf"]
modulate_text = st.one_of(st.tuples(st.sampled_from(MOD_NAMES), st.sampled_from(MOD_DEPTHS),
                                    st.sampled_from(MOD_FREQS)).map(":".join),
                          st.sampled_from(["", "power", "power:0.5", "a:b:c:d", ":::"]))


def _silly_modulation(text: str) -> bool:
    """True when --modulate TEXT is outside what the drive layer documents (or cannot be integrated)."""
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in ("power", "spring", "detuning"):
        return True
    try:
        depth, freq = float(parts[1]), float(parts[2])
    except ValueError:
        return True
    if not (math.isfinite(depth) and math.isfinite(freq) and 0 < freq <= 1e15):
        return True
    return (parts[0] == "power" and not 0 <= depth <= 1) or abs(depth) > 1e100 or freq < 1e-100


STABLE_TWO_CHANNEL = ["--model", "two-channel", "--set", "detuning=1.4"]


@settings(FAST, max_examples=40)
@given(modulate=st.lists(modulate_text, min_size=1, max_size=2),
       points=st.sampled_from([None, "-1", "0", "3", "1000000000"]),
       steps=st.sampled_from([None, "0", "-2", "1", "4"]),
       method=st.sampled_from(["ode", "piecewise"]),
       rtol=st.sampled_from([None, "nan", "0", "1e-3", "1e-6"]),
       stable=st.booleans(), json_=st.booleans())
@example(modulate=["spring:0.1:5e-324", "spring:0.1:1e6"], points=None, steps=None, method="ode", rtol=None,
         stable=False, json_=False).via("internal error: OverflowError (Fraction of inf)")
@example(modulate=["spring:0.1:1e-300"], points=None, steps=None, method="ode", rtol=None, stable=False,
         json_=False).via("a 1e300 s period: 13 s, then failed")
@example(modulate=["spring:1e300:1e6"], points=None, steps=None, method="ode", rtol=None, stable=False,
         json_=False).via("depth 1e300: 22 s, then failed")
@example(modulate=["power:0.5:1e9"], points=None, steps="0", method="piecewise", rtol=None, stable=True,
         json_=False).via("internal error: ValueError (slice step 0)")
@example(modulate=["power:0.5:3.54e8"], points="1000000000", steps=None, method="ode", rtol=None, stable=False,
         json_=False).via("21 s, then out of memory")
@example(modulate=["power:1:1e15"], points="3", steps=None, method="ode", rtol=None, stable=False,
         json_=False).via("|μ| printed as 1 (UNSTABLE)")
def test_floquet_options(modulate, points, steps, method, rtol, stable, json_):
    argv = ["floquet", "--method", method] + (STABLE_TWO_CHANNEL if stable else []) + (["--json"] if json_ else [])
    argv += [f"--modulate={m}" for m in modulate]
    for flag, v in (("--points", points), ("--steps", steps), ("--rtol", rtol)):
        if v is not None:
            argv.append(f"{flag}={v}")
    code, out, _ = cli("floquet options", argv, limit=20)
    silly = (any(_silly_modulation(m) for m in modulate) or points in ("-1", "0", "1000000000")
             or steps in ("0", "-2") or rtol in ("nan", "0"))
    if silly:
        assert code == 2, (argv, "accepted a meaningless option")
    if code == 0 and not json_:
        assert "multiplier| = 1 (" not in out, out  # |μ| next to 1 says how far from 1


toml_drive_value = st.sampled_from(["0", "1e-9", "2e-8", "0.5", "1", "3.54e8", "1e300", "-1", "nan", "inf", '"a"',
                                    "[1]", "true", "{a = 1}"])
envelope_table = st.tuples(
    st.sampled_from(['"ramp"', '"pulse"', '"sine"', '"constant"', '"function"', '"bogus"', "3", "[1]", "{a = 1}"]),
    st.dictionaries(st.sampled_from(["tau", "t_on", "duration", "depth", "frequency", "phase_pi", "x"]),
                    toml_drive_value, max_size=3),
).map(lambda kv: "{kind = " + kv[0] + "".join(f", {k} = {v}" for k, v in kv[1].items()) + "}")
pump_table = st.dictionaries(
    st.sampled_from(["envelope", "phase_pi", "frequency_offset", "bogus"]),
    st.one_of(st.lists(envelope_table, max_size=2).map(lambda e: "[" + ", ".join(e) + "]"),
              st.sampled_from(["0", "1e6", "1e16", "-1e6", "nan", '"x"', "3", "{a = 1}"])), max_size=3)
modulation_table = st.dictionaries(
    st.sampled_from(["name", "depth", "frequency", "phase_pi", "bogus"]),
    st.one_of(st.sampled_from(['"spring"', '"detuning"', '"power"', '["spring"]']), toml_drive_value), max_size=4)


def _drive_toml(pumps, modulations, top) -> str:
    text = "".join(f"{k} = {v}\n" for k, v in top)
    for p in pumps:
        text += "[[pump]]\n" + "".join(f"{k} = {v}\n" for k, v in p.items())
    for m in modulations:
        text += "[[modulation]]\n" + "".join(f"{k} = {v}\n" for k, v in m.items())
    return text


@settings(FAST, max_examples=40)
@given(pumps=st.lists(pump_table, max_size=3), modulations=st.lists(modulation_table, max_size=2),
       top=st.lists(st.tuples(st.sampled_from(["pump", "modulation", "bogus"]), st.sampled_from(["3", '"x"', "[1, 2]"])),
                    max_size=1),
       garbage=st.one_of(st.none(), st.binary(max_size=20)), command=st.sampled_from(["evolve", "floquet"]),
       stable=st.booleans())
@example(pumps=[{"envelope": "3"}], modulations=[], top=[], garbage=None, command="evolve", stable=False)
@example(pumps=[], modulations=[], top=[("pump", "3")], garbage=None, command="evolve", stable=False)
@example(pumps=[], modulations=[{"name": "{a = 1}", "depth": "0.5", "frequency": "3.54e8"}], top=[], garbage=None,
         command="evolve", stable=False)
@example(pumps=[{"frequency_offset": "1e6"}], modulations=[], top=[], garbage=None, command="evolve",
         stable=True).via("the default span of a drive that never settles: 22 s, then failed")
def test_drive_files(tmp_path_factory, pumps, modulations, top, garbage, command, stable):
    f = tmp_path_factory.mktemp("drive") / "d.toml"
    if garbage is not None:
        f.write_bytes(garbage)
    else:
        f.write_text(_drive_toml(pumps, modulations, top))
    argv = [command, "--drive", str(f), "--points", "5"] + (STABLE_TWO_CHANNEL if stable else [])
    if command == "evolve" and garbage is None and len(pumps) % 2:
        argv += ["--t-end", "1e-8"]  # half the cases on the default span
    cli("drive files", argv, limit=20)


@settings(FAST, max_examples=40)
@given(ramp=st.sampled_from([None, "-1", "0", "1e-9", "nan", "inf", "1e300", "1e7"]),
       modulate=st.lists(modulate_text, max_size=2),
       method=st.sampled_from(["ode", "piecewise", "langevin", "euler", "covariance"]),
       t_end=st.sampled_from([None, "1e-9", "1e-8", "1e-300", "1e300", "nan", "0"]),
       points=st.sampled_from([None, "3", "1", "1000000000"]),
       trajectories=st.sampled_from(["64", "100000000000"]),
       rtol=st.sampled_from([None, "nan", "1e-3", "0.1"]), stable=st.booleans(), json_=st.booleans())
@example(ramp="1e-9", modulate=[], method="ode", t_end="1e-8", points="3", trajectories="64", rtol=None,
         stable=False, json_=False).via("unstable point: 'settled within 0.001 from 0 s', 'slowest relaxation nan s'")
@example(ramp="0", modulate=[], method="ode", t_end=None, points="3", trajectories="64", rtol=None,
         stable=True, json_=False).via("mirrors ringing through the default span: 20 s, then failed")
@example(ramp="1e-8", modulate=[], method="ode", t_end="1e-8", points="1000000000", trajectories="64", rtol=None,
         stable=False, json_=False).via("96 s, then out of memory")
@example(ramp="1e-8", modulate=[], method="langevin", t_end="1e-8", points="3", trajectories="100000000000",
         rtol=None, stable=False, json_=False).via("no trajectory budget for driven ensembles")
@example(ramp=None, modulate=["detuning:1e300:1e6"], method="ode", t_end="1e-8", points="3", trajectories="64",
         rtol=None, stable=False, json_=False).via("depth 1e300")
def test_driven_evolve_options(ramp, modulate, method, t_end, points, trajectories, rtol, stable, json_):
    argv = ["evolve", "--method", method, "--trajectories", trajectories] + (STABLE_TWO_CHANNEL if stable else [])
    argv += [f"--modulate={m}" for m in modulate] + (["--json"] if json_ else [])
    for flag, v in (("--ramp", ramp), ("--t-end", t_end), ("--points", points), ("--rtol", rtol)):
        if v is not None:
            argv.append(f"{flag}={v}")
    code, out, _ = cli("driven evolve options", argv, limit=20)
    driven = ramp is not None or bool(modulate)
    silly = (any(_silly_modulation(m) for m in modulate) or ramp in ("-1", "nan", "inf", "1e300", "1e7")
             or t_end in ("1e300", "nan", "0") or points in ("1", "1000000000") or rtol in ("nan", "0.1")
             or (method == "euler" and driven) or (method == "langevin" and trajectories != "64"))
    if silly and driven:
        assert code == 2, (argv, "accepted a meaningless option")
    if code == 0 and not json_ and driven and not stable:
        assert "settled within" not in out or "from 0 s" not in out, out  # the paper's point is unstable


# ----------------------------------------------------------------------------- CLI: checkpoint tampering
# 9000 points: three chunks of 3072 (small_chunks), at a stable, physical point (η = 0) so that E_N has values to compare
SWEEP_AXES = ["--set", "eta=0", "--x", "detuning=0.5:2:90", "--y", "power=0.005:0.05:100"]


@contextlib.contextmanager
def small_chunks(points: int = 3072):
    """``cascom sweep`` with chunks of ``points`` (the default, 65 536, would need 2e5 points for three chunks)."""
    import functools

    import cascom_sim.cli.sweep as cli_sweep
    from cascom_sim.runs.sweep import run_sweep

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_sweep, "run_sweep", functools.partial(run_sweep, chunk=points))
        yield


@pytest.fixture(scope="module")
def pristine_sweep(tmp_path_factory):
    """An untampered sweep's data, its checkpoint directory, and another run's checkpoint."""
    import xarray as xr

    base = tmp_path_factory.mktemp("pristine")
    with small_chunks():
        _pristine_runs(base)
    chunks = sorted(p.name for p in (base / "ck").glob("chunk_*.npz"))
    assert len(chunks) == 3, chunks
    ref = xr.load_dataset(base / "ref.nc")
    assert np.isfinite(ref["E_N"].values).all()
    return ref, base


def _pristine_runs(base):
    assert main(["sweep", *SWEEP_AXES, "--json", "--out", str(base / "ref.nc"),
                 "--checkpoint", str(base / "ck")]) == 0
    assert main(["sweep", "--set", "eta=0", "--x", "detuning=0.6:2:90", "--y", "power=0.005:0.05:100", "--json",
                 "--out", str(base / "other.nc"), "--checkpoint", str(base / "other")]) == 0


class _Marker:
    """A pickle that, if ever loaded, would create a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("action", ["truncate", "garbage", "swap", "foreign", "pickle", "empty", "directory",
                                    "symlink", "delete", "temporary"])
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(victim=st.integers(0, 2), keep=st.integers(0, 2000), payload=st.binary(max_size=64), automatic=st.booleans())
@example(victim=0, keep=0, payload=b"", automatic=True)
def test_cli_checkpoint_tampering(tmp_path_factory, pristine_sweep, action, victim, keep, payload, automatic):
    """A chunk file swapped, truncated, corrupted, replaced by another run's or by a pickle: the rerun of the same
    ``cascom sweep`` recomputes it (a one-line warning), never executes it, and writes the untampered data."""
    import pickle
    import shutil

    import xarray as xr

    ref, base = pristine_sweep
    work = tmp_path_factory.mktemp("tamper")
    out = work / "s.nc"
    ck = work / "s.nc.chunks" if automatic else work / "ck"
    shutil.copytree(base / "ck", ck)
    f = ck / f"chunk_{victim:06d}.npz"
    marker = work / "EXECUTED"
    if action == "truncate":
        f.write_bytes(f.read_bytes()[:keep] + payload)
    elif action == "garbage":
        raw = bytearray(f.read_bytes())
        raw[keep % len(raw)] ^= 0xFF
        f.write_bytes(bytes(raw) + payload)
    elif action == "swap":
        g = ck / f"chunk_{(victim + 1) % 3:06d}.npz"
        a, b = f.read_bytes(), g.read_bytes()
        f.write_bytes(b)
        g.write_bytes(a)
    elif action == "foreign":
        shutil.copyfile(base / "other" / f.name, f)
    elif action == "pickle":
        f.write_bytes(pickle.dumps(_Marker(str(marker))))
    elif action == "empty":
        f.write_bytes(b"")
    elif action == "directory":
        f.unlink()
        f.mkdir()
    elif action == "symlink":
        f.unlink()
        f.symlink_to(base / "ck" / f"chunk_{(victim + 1) % 3:06d}.npz")
    elif action == "delete":
        f.unlink()
    elif action == "temporary":
        (ck / f".{f.name}.tmp").write_bytes(payload)
    argv = ["sweep", *SWEEP_AXES, "--json", "--out", str(out)] + ([] if automatic else ["--checkpoint", str(ck)])
    with small_chunks():
        code, _, err = cli("checkpoint tampering (CLI)", argv, limit=60)
    assert code == 0, err
    assert not marker.exists(), "a pickle in a checkpoint was executed"
    got = xr.load_dataset(out)
    for k in ref.data_vars:
        np.testing.assert_array_equal(got[k].values, ref[k].values, err_msg=f"{action} {victim}: {k}")
    if action in ("truncate", "swap", "foreign", "pickle", "empty", "symlink"):  # a flipped zip timestamp is harmless
        assert "recomputed" in err or "warning" in err, (action, err)


# ----------------------------------------------------------------------------- more examples, on demand
@pytest.mark.slow
@SLOW
@given(sets=st.lists(assignment, min_size=1, max_size=4),
       command=st.sampled_from(["steady", "evolve"]))
def test_parameter_values_many(sets, command):
    argv = [command, "--json"] + [x for a in sets for x in ("--set", a)]
    if command == "evolve":
        argv += ["--points", "5", "--t-end", "1e-8"]
    cli("values (slow)", argv)


@pytest.mark.slow
@SLOW
@given(name=names, value=objects)
def test_api_parameters_many(name, value):
    test_api_parameters.hypothesis.inner_test(name, value)


def test_parameter_error_is_a_value_error():
    """Callers that catch ValueError keep working."""
    assert issubclass(ParameterError, ValueError)

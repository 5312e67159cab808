"""Every failure handled: one line and exit 2 (input) or 1 (solver), no traceback; no number where there is none."""

import json
import os

import numpy as np
import pytest

from cascom_sim import ParameterError, Parameters, build_model
from cascom_sim.cli import main
from cascom_sim.runs.sweep import Axis, run_sweep
from cascom_sim.solvers.dynamics import evolve_covariance, evolve_ensemble, initial_covariance


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_evolve_with_no_options_reports_the_instability_and_its_rate(capsys):
    code, out, err = run(capsys, "evolve")
    assert code == 0 and err == ""
    assert "stable: False" in out and "growth rate: 1.747e+08 1/s" in out
    assert "overflows" in out
    assert "nan" not in out.lower() and "inf" not in out.lower().replace("info", "")


def test_evolve_without_mechanical_damping_runs(capsys):
    code, out, err = run(capsys, "evolve", "--set", "gamma_m=0", "--points", "21")
    assert code == 0 and "Traceback" not in err


def test_no_e_n_after_the_state_stops_being_bona_fide(capsys):
    """detuning = 1.1 (paper's model, unphysical noise): V(t) leaves the set of states at 1e-8 s."""
    code, out, _ = run(capsys, "evolve", "--set", "detuning=1.1", "--t-end", "2e-7", "--points", "21", "--json")
    assert code == 0
    assert "NaN" not in out and "Infinity" not in out
    d = json.loads(out)
    t_bad = d["bona_fide_until"]
    assert t_bad is not None
    for t, en in zip(d["times"], d["E_N"]):
        if t >= t_bad:
            assert en is None
    assert d["E_N"][-1] is None
    for key in ("time_of_max_E_N", "birth_time"):
        assert d[key] is None or d[key] < t_bad


def test_unstable_covariance_evolution_has_nan_not_numbers_after_overflow():
    p = Parameters()  # unstable: growth 0.618 κ
    ev = evolve_covariance(build_model(p), np.linspace(0, 1e-5, 11), initial_covariance(p))
    assert ev.metrics.finite_until is not None
    late = ev.times >= ev.metrics.finite_until
    assert np.isnan(ev.E_N[late]).all() and not ev.bona_fide[late].any()
    assert "nan" not in repr(ev)


@pytest.mark.parametrize("argv,code,fragment", [
    (["evolve", "--t-end", "1e300", "--points", "3"], 2, "'t-end'"),
    (["evolve", "--method", "ode", "--t-end", "1e300", "--points", "3"], 2, "--method covariance"),
    (["evolve", "--seed", "-1", "--method", "langevin"], 2, "'seed'"),
    (["evolve", "--tolerance", "nan"], 2, "'tolerance'"),
    (["evolve", "--tolerance", "-1"], 2, "'tolerance'"),
    (["evolve", "--tolerance", "inf"], 2, "'tolerance'"),
    (["evolve", "--method", "euler", "--substeps", "0"], 2, "'substeps'"),
    (["evolve", "--points", "1000000000"], 2, "--max-memory"),
    (["evolve", "--method", "langevin", "--trajectories", "100000000000", "--points", "3", "--t-end", "1e-9"],
     2, "--max-steps"),
    (["sweep", "--x", "detuning=0:1:100000", "--y", "phi_pi=0:1:100000", "--out", "x.nc"], 2, "GB"),
    (["steady", "--set", "detuning=1e300"], 2, "'detuning'"),
    (["steady", "--set", "kappa=1e308"], 2, "'kappa'"),
    (["steady", "--set", "power=1e300"], 2, "'power'"),
    (["steady", "--set", "wavelength=1e-300"], 2, "'wavelength'"),
    (["steady", "--set", "omega_m=1e-300"], 2, "'omega_m'"),
    (["steady", "--set", "mass=1e-35", "--set", "omega_m=1e-3", "--set", "length=1e-15"], 2, "representable"),
    (["steady", "--pair", ""], 2, "'pair'"),
])
def test_refused_in_one_line(capsys, tmp_path, monkeypatch, argv, code, fragment):
    monkeypatch.chdir(tmp_path)
    c, out, err = run(capsys, *argv)
    assert c == code, err
    assert err.count("\n") == 1 and err.startswith("cascom: ") and fragment in err


def test_outputs_checked_before_the_computation(capsys, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    for argv, frag in [(["--out", str(d)], "'out'"), (["--out", str(tmp_path / "x.nc"), "--plot", str(d)], "'plot'"),
                       (["--out", str(tmp_path / "x.nc"), "--plot", str(tmp_path / "x.foo")], ".png"),
                       (["--out", str(tmp_path / "x.png"), "--plot", str(tmp_path / "x.png")], "other than --out")]:
        code, _, err = run(capsys, "sweep", "--x", "detuning=0.5:1:3", *argv)
        assert code == 2 and frag in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # nothing written, no temporary left


def test_axis_also_set_in_config_is_refused(capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("detuning = 1.0\n")
    code, _, err = run(capsys, "sweep", "--config", str(cfg), "--x", "detuning=0.5:1:3", "--out", str(tmp_path / "x.nc"))
    assert code == 2 and "'detuning'" in err


def test_internal_errors_are_one_line_exit_1(capsys, monkeypatch):
    from cascom_sim.cli import steady

    def boom(*a, **k):
        raise KeyError("surprise")

    monkeypatch.setattr(steady, "steady_state", boom)
    code, _, err = run(capsys, "steady")
    assert code == 1 and err.startswith("cascom: internal error: KeyError") and err.count("\n") == 1


@pytest.mark.parametrize("value", [True, "1.5", b"1.5", 1 + 0j, [True, False], np.bool_(True)])
def test_api_refuses_non_numbers(value):
    with pytest.raises(ParameterError, match="detuning"):
        Parameters(detuning=value)


def test_api_run_sweep_refuses_bad_chunk_and_bool_axis():
    with pytest.raises(ParameterError, match="chunk"):
        run_sweep([Axis("detuning", 0.5, 1.0, 3)], chunk=-1)
    with pytest.raises(ParameterError):
        run_sweep([Axis("detuning", 0.5, 1.0, True)])


def test_api_ensemble_refuses_negative_seed_and_bad_tolerance():
    p = Parameters(eta=0.0)
    m = build_model(p)
    for kw in ({"seed": -1}, {"seed": True}, {"tolerance": float("nan")}, {"tolerance": -1.0}):
        with pytest.raises(ParameterError):
            evolve_ensemble(m, [0.0, 1e-9], initial_covariance(p), 64, **kw)


@pytest.mark.parametrize("argv, hint", [
    (["steady", "--config", "examples/chain3.toml"], "give it with --model-file"),
    (["steady", "--model-file", "examples/vitali2007.toml"], "give it with --config"),
    (["steady", "--set", "node2.detuning=1"], "give its file with --model-file"),
    (["steady", "--set", "detunning=1"], "did you mean 'detuning'"),
    (["steady", "--set", "Delta=1"], "did you mean 'detuning'"),
])
def test_wrong_file_kind_or_near_miss_names_say_what_to_do(argv, hint, capsys):
    """A network file given as --config (and the reverse), a node name without a network, a typo: one line,
    exit 2, and what to do instead."""
    from cascom_sim.cli import main

    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and hint in err and len(err.strip().splitlines()) == 1


def test_progress_bar_advances_and_closes(capsys):
    """TqdmProgress moves its bar and closes it.  Its advance/close once sat, unreachable, after a helper's
    return, so every bar of the command line stayed at 0/N for the whole run and was never closed (an
    interruption's one line was glued to it)."""
    from cascom_sim.progress import NoProgress, TqdmProgress

    assert TqdmProgress.advance is not NoProgress.advance and TqdmProgress.close is not NoProgress.close
    p = TqdmProgress()
    p.start(3, "chunks")
    p.advance(2)
    assert p._bar.n == 2
    p.close()
    assert p._bar is None
    assert capsys.readouterr().err.endswith("\r")  # leave=False: the closed bar erased its line


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_an_output_directory_that_refuses_files_is_refused_before_the_computation(capsys):
    """/proc passes os.access even for root but creates no file: the output check tries, and says so in one
    line naming --out (a sweep used to name its automatic checkpoint, evolve failed after computing)."""
    for command in (["sweep", "--x", "detuning=0.5:1:3"], ["evolve"]):
        code, _, err = run(capsys, *command, "--out", "/proc/cascom-test-output.nc")
        assert code == 2 and "'out'" in err and "/proc" in err and err.count("\n") == 1, err

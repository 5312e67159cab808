import json
import re
import subprocess
import sys

import numpy as np
import pytest

from cascom_sim.cli import main

KEYS = {"parameters", "model", "units_reading", "alpha", "stable", "max_re_eigenvalue", "noise_physical",
        "bona_fide", "E_N", "drift_matrix", "diffusion_matrix", "covariance_matrix", "pair"}


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_steady_json_at_fig2a_point(capsys):
    code, out, err = run(capsys, "steady", "--set", "detuning=1.4", "--set", "dtheta_pi=0.25",
                         "--set", "phi_pi=0.8", "--json")
    assert code == 0
    d = json.loads(out)
    assert KEYS <= set(d)
    assert d["model"] == "paper" and d["units_reading"] == "consistent" and d["pair"] == ["b1", "b2"]
    assert d["stable"] is False and d["E_N"] is None and d["covariance_matrix"] is None
    assert d["noise_physical"] is False
    assert np.shape(d["drift_matrix"]) == (8, 8) and np.shape(d["diffusion_matrix"]) == (8, 8)
    assert len(d["alpha"]) == 2 and len(d["alpha"][0]) == 2
    assert d["max_re_eigenvalue"] > 0
    assert d["parameters"]["values"]["detuning"] == 1.4


def test_steady_json_stable_case_has_covariance(capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("eta = 0.0\ndetuning = 1.0\nmass = 2e-17\npower = 0.2\ntemperature = 0.01\n"
                   "[options]\npair = \"a1,b1\"\n")
    code, out, _ = run(capsys, "steady", "--config", str(cfg), "--json")
    d = json.loads(out)
    assert d["stable"] and d["bona_fide"] and d["pair"] == ["a1", "b1"]
    assert d["E_N"] > 0.05
    V = np.array(d["covariance_matrix"])
    np.testing.assert_allclose(V, V.T, atol=1e-12 * np.max(np.abs(V)))


def test_steady_table_names_conventions(capsys):
    code, out, _ = run(capsys, "steady", "--units", "literal", "--coupling", "standard", "--bath", "brownian")
    assert code == 0
    assert "units reading literal" in out and "coupling standard" in out and "bath brownian" in out
    assert "stable: False" in out
    # every rate printed with its unit, the noise check's eigenvalue too
    assert re.search(r"min eig of D \+ i\(AΩ\+ΩAᵀ\)/2 = \S+ 1/s;", out) and re.search(r"max Re λ = \S+ 1/s", out)


@pytest.mark.parametrize("argv,fragment", [
    (["steady", "--set", "eta=1.5"], "'eta' = 1.5"),
    (["steady", "--set", "kappa=-1"], "'kappa' = -1.0"),
    (["steady", "--set", "temperature=-1"], "'temperature'"),
    (["steady", "--set", "mass=0"], "'mass' = 0.0"),
    (["steady", "--set", "power=nan"], "'power' = nan"),
    (["steady", "--set", "detuning=inf"], "'detuning' = inf"),
    (["steady", "--set", "bogus=1"], "'bogus'"),
    (["steady", "--set", "eta"], "--set"),
    (["steady", "--config", "/no/such/file.toml"], "--config"),
    (["steady", "--units", "weird"], "--units"),
    (["steady", "--pair", "b1,x9"], "pair"),
    (["sweep", "--x", "detuning=1:2", "--out", "x.nc"], "NAME=START:STOP:NUM"),
    (["steady", "--set", "eta=abc"], "'eta' = 'abc' is invalid: allowed a real number: 0 ≤ eta ≤ 1"),
    (["floquet", "--modulate", "power:0.5:0"],
     "'--modulate' = 'power:0.5:0' is invalid: allowed NAME:DEPTH:FREQ with FREQ: 0 < frequency ≤ 1e15 (Hz)"),
    (["evolve", "--modulate", "power:2:1e6"], "'--modulate' = 'power:2:1e6' is invalid: allowed NAME:DEPTH:FREQ with "
                                              "DEPTH: 0 ≤ depth ≤ 1"),
    (["floquet", "--modulate", "spring:0.1:-5"], "'--modulate' = 'spring:0.1:-5' is invalid: allowed NAME:DEPTH:FREQ "
                                                 "with FREQ: 0 < frequency ≤ 1e15 (Hz)"),
    (["optimize", "--vary", "detuning=0.5:1.5", "--popsize", "0"], "'popsize' = 0 is invalid: allowed an integer ≥ 1"),
    (["optimize", "--vary", "detuning=0.5:1.5", "--maxiter", "-1"], "'maxiter' = -1 is invalid: allowed an integer ≥ 0"),
    (["optimize", "--vary", "detuning=0.5:1.5", "--radius", "-1"], "'radius' = -1.0 is invalid: allowed 0 ≤ radius ≤ 1"),
])
def test_bad_input_one_line_exit_2(capsys, argv, fragment):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("cascom: error:")
    assert fragment in err
    assert "Traceback" not in err


def test_module_entry_point_exit_code_and_no_traceback():
    r = subprocess.run([sys.executable, "-m", "cascom_sim", "steady", "--set", "eta=1.5"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "allowed 0 ≤ eta ≤ 1" in r.stderr


def _buffered_env() -> dict:
    """The environment without PYTHONUNBUFFERED: with it, stdout is never left unflushed and a test of the
    quick exit's flushing could not fail."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_quick_exit_keeps_what_atexit_handlers_print():
    """run() flushes stdout after the atexit handlers: what they print on a pipe is not lost to os._exit."""
    code = ("import atexit, sys; atexit.register(print, 'said at exit'); sys.argv = ['cascom', '--version']; "
            "from cascom_sim.cli.app import run; run()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_buffered_env())
    assert r.returncode == 0 and r.stdout.split("\n")[:2] == ["cascom " + __import__("cascom_sim").__version__,
                                                            "said at exit"], (r.stdout, r.stderr)


def test_module_entry_point_flushes_its_output_and_file_before_its_quick_exit(tmp_path):
    """The executable ends with os._exit after the command: its JSON on a pipe, its NetCDF file and its exit
    code must all be complete."""
    import xarray as xr

    out = tmp_path / "s.nc"
    r = subprocess.run([sys.executable, "-m", "cascom_sim", "sweep", "--x", "detuning=0.5:2.5:300", "--y",
                        "dtheta_pi=0:2:300", "--out", str(out), "--json"],
                       capture_output=True, text=True, env=_buffered_env())
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["points"] == 90_000
    ds = xr.open_dataset(out, engine="scipy")
    assert ds["stable"].shape == (300, 300) and int(ds["stable"].sum()) == 0


def test_sweep_writes_netcdf_and_plot(capsys, tmp_path):
    import xarray as xr

    out, png = tmp_path / "s.nc", tmp_path / "s.png"
    code, stdout, _ = run(capsys, "sweep", "--x", "detuning=0.5:2.5:7", "--y", "phi_pi=0.4:0.6:5",
                          "--units", "literal", "--out", str(out), "--plot", str(png), "--json")
    assert code == 0
    summary = json.loads(stdout)
    assert summary["points"] == 35 and summary["units_reading"] == "literal"
    ds = xr.open_dataset(out, engine="scipy")
    assert ds["E_N"].shape == (7, 5)
    np.testing.assert_allclose(ds["detuning"].values, np.linspace(0.5, 2.5, 7))
    assert ds.attrs["units_reading"] == "literal" and ds.attrs["param_eta"] == 1.0
    assert ds["phi_pi"].attrs["units"] == "pi rad"  # UDUNITS spelling of π rad
    assert png.stat().st_size > 10_000


def test_evolve_json_keys_and_values(capsys, tmp_path):
    base = ["--set", "eta=0", "--set", "detuning=1", "--set", "mass=2e-17", "--set", "power=0.2",
            "--set", "temperature=0.01", "--pair", "a1,b1"]
    code, out, _ = run(capsys, "evolve", *base, "--t-end", "3e-6", "--points", "31", "--json")
    assert code == 0
    d = json.loads(out)
    for k in ("times", "E_N", "E_N_ci", "covariance_final", "stationary_E_N", "bona_fide_until", "model",
              "units_reading", "stable", "noise_physical"):
        assert k in d
    assert len(d["times"]) == 31 and d["times"][-1] == pytest.approx(3e-6)
    assert d["E_N_ci"] is None and d["bona_fide_until"] is None
    assert d["E_N"][-1] == pytest.approx(d["stationary_E_N"], abs=1e-6)
    nc, png = tmp_path / "e.nc", tmp_path / "e.png"
    code, out, _ = run(capsys, "evolve", *base, "--t-end", "3e-7", "--points", "11", "--method", "langevin",
                       "--trajectories", "512", "--seed", "5", "--json", "--out", str(nc), "--plot", str(png))
    d = json.loads(out)
    assert len(d["E_N_ci"]) == 11 and d["trajectories"] == 512 and d["seed"] == 5
    assert png.stat().st_size > 10_000 and nc.stat().st_size > 1_000
    import xarray as xr

    with xr.open_dataset(nc) as ds:
        assert (int(ds.attrs["trajectories"]), int(ds.attrs["seed"])) == (512, 5)
    # a deterministic run's file has no ensemble size or seed (it held the stand-ins 0 and -1)
    code, _, _ = run(capsys, "evolve", *base, "--t-end", "3e-7", "--points", "11", "--out", str(tmp_path / "c.nc"))
    with xr.open_dataset(tmp_path / "c.nc") as ds:
        assert code == 0 and "trajectories" not in ds.attrs and "seed" not in ds.attrs and ds.attrs["method"] == "covariance"


def test_evolve_unstable_reports_growth_rate(capsys):
    code, out, _ = run(capsys, "evolve", "--t-end", "1e-8", "--points", "5", "--json")
    d = json.loads(out)
    assert d["stable"] is False and d["stationary_E_N"] is None
    assert d["growth_rate"] == pytest.approx(1.7474e8, rel=1e-3)


def test_evolve_refuses_unaffordable_euler(capsys):
    code, _, err = run(capsys, "evolve", "--method", "euler")
    assert code == 2 and "langevin" in err and err.count("\n") == 1


ME_SET = ["--set", "omega_m=1e6", "--set", "kappa=0.5e6", "--set", "gamma_m=1e5", "--set", "temperature=2.2e-5",
          "--set", "eta=0", "--set", "mass=2e-15", "--set", "power=3e-7", "--set", "detuning=1"]


def test_master_json_converges(capsys):
    code, out, _ = run(capsys, "master", *ME_SET, "--modes", "a1,b1", "--pair", "a1,b1", "--cutoff", "4,5",
                       "--cutoff", "6,9", "--json")
    assert code == 0
    d = json.loads(out)
    for k in ("cutoffs", "covariance_matrix", "lyapunov_covariance", "relative_difference", "E_N"):
        assert d[k] is not None
    assert d["cutoffs"] == [[4, 5], [6, 9]]
    assert d["relative_difference"] < 1e-5 and d["master_equation_exists"] is True
    assert d["E_N"] == pytest.approx(d["E_N_lyapunov"], abs=1e-5)


def test_master_says_why_there_is_no_master_equation(capsys):
    code, out, _ = run(capsys, "master", "--units", "literal", "--set", "phi_pi=0.6", "--set", "detuning=1.5",
                       "--set", "dtheta_pi=0.1", "--json")
    d = json.loads(out)
    assert code == 0 and d["stable"] is True
    assert d["master_equation_exists"] is False and "no master equation exists" in d["reason"]
    assert d["covariance_matrix"] is None


def test_master_bad_cutoff(capsys):
    code, _, err = run(capsys, "master", *ME_SET, "--modes", "a1,b1", "--pair", "a1,b1", "--cutoff", "1")
    assert code == 2 and "cutoff" in err


def test_steady_bare_detuning_lists_branches(capsys):
    code, out, _ = run(capsys, "steady", "--set", "eta=0", "--set", "mass=1e-19", "--bare-detuning", "2", "--json")
    d = json.loads(out)
    assert code == 0 and len(d["branches"]) == 9
    assert any(not b["stable"] for b in d["branches"]) and any(b["stable"] for b in d["branches"])


def test_steady_bare_detuning_table_shows_the_bare_not_the_unused_effective_detuning(capsys):
    """Each branch's table gave 'Δ/ω_m = 1.4' (the default effective detuning, which --bare-detuning ignores)
    right under 'effective Δ/ω_m = (0.956, 0.956)'; it now gives the bare detuning it was solved from."""
    code, out, _ = run(capsys, "steady", "--set", "eta=0", "--set", "mass=2e-17", "--set", "power=0.2",
                       "--bare-detuning", "1.0")
    assert code == 0 and "effective Δ/ω_m = (0.956" in out
    assert "Δ_c/ω_m = 1 (bare), Δθ = 0.25π" in out and "Δ/ω_m = 1.4" not in out


def test_sweep_cli_resumes_and_cleans_its_checkpoint(capsys, tmp_path):
    out = tmp_path / "s.nc"
    argv = ["sweep", "--x", "detuning=0.5:2.5:40", "--y", "phi_pi=0.4:0.6:30", "--out", str(out), "--json"]
    # a stale checkpoint of this very run (as an interrupted run leaves it) is picked up, then removed
    from cascom_sim.runs.executor import run_chunks

    code, _, _ = run(capsys, *argv, "--checkpoint", str(tmp_path / "keep"))
    assert code == 0 and (tmp_path / "keep" / "manifest.json").exists()
    code, _, _ = run(capsys, *argv, "--checkpoint", str(tmp_path / "keep"))
    assert run_chunks.last_stats["computed"] == 0
    code, stdout, _ = run(capsys, *argv)
    assert code == 0 and not (tmp_path / "s.nc.chunks").exists()
    assert json.loads(stdout)["executor"] == "in-process"


def test_sweep_text_says_where_the_maximum_is_and_warns_like_steady(tmp_path, capsys):
    """The text summary gives the grid point of the largest E_N and, at the paper's plane, says that no point
    is stable and the noise is unphysical everywhere (as cascom steady does at one point)."""
    from cascom_sim.cli import main

    out = tmp_path / "s.nc"
    argv = ["sweep", "--x", "detuning=0.5:1.5:11", "--y", "power=0.05:0.2:4", "--set", "eta=0", "--set", "mass=2e-17",
            "--set", "temperature=0.01", "--pair", "a1,b1", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "max_E_N_at: detuning = " in text and "warning" not in text
    assert main([*argv, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    import xarray as xr

    ds = xr.open_dataset(out)
    k = np.unravel_index(int(np.nanargmax(ds["E_N"].values)), ds["E_N"].shape)
    assert d["max_E_N_at"] == {"detuning": float(ds["detuning"][k[0]]), "power": float(ds["power"][k[1]])}
    assert main(["sweep", "--x", "detuning=0.5:2.5:5", "--y", "dtheta_pi=0:2:5", "--out", str(tmp_path / "p.nc")]) == 0
    text = capsys.readouterr().out
    assert "no point of the grid is stable" in text and "unphysical" in text and "max_E_N: —" in text
    # the JSON carries the same warnings (it had none: a script reading it never learnt the plane is unphysical)
    assert d["warnings"] == []
    argv = ["sweep", "--x", "detuning=0.5:2.5:5", "--y", "dtheta_pi=0:2:5", "--out", str(tmp_path / "p.nc"), "--json"]
    assert main(argv) == 0
    w = json.loads(capsys.readouterr().out)["warnings"]
    assert w == ["no point of the grid is stable — there is no steady state anywhere here",
                 "the noise is unphysical (not of Lindblad form) at 100 % of the points — every point",
                 "E_N is defined nowhere (it needs a stable point with a bona fide covariance)"]
    assert all(f"  {'note' if 'E_N' in x else 'warning'}: {x}" in text for x in w)


def test_config_with_a_misspelt_table_names_the_table(capsys, tmp_path):
    """`[option]` for `[options]` was reported as a parameter named 'option' with a dict for its value."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('detuning = 1.4\n[option]\nunits = "literal"\n')
    code, out, err = run(capsys, "steady", "--config", str(cfg))
    assert code == 2 and out == ""
    assert err == (f"cascom: error: parameter '[option]' = '{cfg}' is invalid: allowed a parameter file whose only "
                   "tables are [options] (model, units, coupling, bath, pair) and [parameters]\n")


def test_steady_names_the_channel_split_and_notes_parameters_the_model_ignores(capsys):
    """The two-channel header shows κ_R/κ and κ_L/κ; the paper's model has no κ split, so setting one is
    noted (it used to be accepted silently and ignored)."""
    from cascom_sim.cli import main

    assert main(["steady", "--model", "two-channel", "--set", "kappa_r_fraction=0.3"]) == 0
    out = capsys.readouterr()
    assert "κ_R/κ = 0.3, κ_L/κ = 0.5" in out.out and "note" not in out.err
    assert main(["steady", "--set", "kappa_r_fraction=0.3"]) == 0
    err = capsys.readouterr().err
    assert "kappa_r_fraction does not enter the paper's model" in err and "it applies with --model two-channel" in err


def test_sweep_with_its_progress_bar_loads_the_kernel_without_scipy_linalg(tmp_path):
    """The kernels' first load skips numba's scipy.linalg probe only while no other thread runs
    (kernels._first_load); the progress bar of `cascom sweep` must not start one (tqdm's monitor thread did,
    costing the command 0.25 s)."""
    code = f"""
import sys, threading
from cascom_sim.runs import kernels
seen = []
def probe(*a, _run=kernels._run, **k):
    seen.append(([t.name for t in threading.enumerate()], "scipy.linalg" in sys.modules))
    out = _run(*a, **k)
    seen.append("scipy.linalg" in sys.modules)
    return out
kernels._run = probe
from cascom_sim.cli.app import main
assert main(["sweep", "--x", "detuning=0.5:2.5:20", "--y", "dtheta_pi=0:2:20", "--out", {str(tmp_path / 's.nc')!r}]) == 0
print(seen[:2])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[(['MainThread'], False), False]", (r.stdout, r.stderr)


@pytest.mark.parametrize("after, expect", [(2, "interrupted; 2 finished chunks kept in {ck}: rerun the same command"),
                                           (None, "interrupted before any chunk had finished: nothing to resume in {ck}")])
def test_interrupted_sweep_says_what_was_kept(capsys, tmp_path, monkeypatch, after, expect):
    """Ctrl-C says how many finished chunks the checkpoint holds and where (it used to say 'resume from its
    checkpoint, if it had one' even when no chunk had finished and a rerun would start again)."""
    import cascom_sim.cli.sweep as cli_sweep
    from cascom_sim.progress import NoProgress

    class Interrupt(NoProgress):
        def advance(self, n=1):
            self.seen = getattr(self, "seen", 0) + n
            if self.seen >= after:
                raise KeyboardInterrupt

    real = cli_sweep.run_sweep

    def interrupted(axes, **kw):
        if after is None:
            raise KeyboardInterrupt
        return real(axes, **{**kw, "progress": Interrupt()}, chunk=16)

    monkeypatch.setattr(cli_sweep, "run_sweep", interrupted)
    ck = tmp_path / "ck"
    code, out, err = run(capsys, "sweep", "--x", "detuning=0.5:2.5:12", "--y", "phi_pi=0.4:0.6:10",
                         "--out", str(tmp_path / "s.nc"), "--checkpoint", str(ck))
    assert code == 130 and out == ""
    assert err.count("\n") == 1 and err.startswith("cascom: " + expect.format(ck=ck))


def test_interrupted_ensemble_without_checkpoint_says_nothing_was_kept(capsys, monkeypatch):
    import cascom_sim.solvers.dynamics as dynamics

    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(dynamics, "evolve_ensemble", interrupted)  # the CLI imports it when it runs
    code, out, err = run(capsys, "evolve", "--method", "langevin", "--set", "eta=0", "--set", "detuning=1",
                         "--trajectories", "64", "--t-end", "1e-8")
    assert code == 130
    assert err == "cascom: interrupted; nothing was kept (give --checkpoint DIR or --out to make a rerun resume)\n"


def test_every_option_of_every_subcommand_has_help():
    """`cascom SUBCOMMAND --help` is where a new user learns the flags: none may be a bare name
    (sweep --plot, evolve --trajectories/--seed/--out/--plot, optimize --engine once were)."""
    import argparse

    from cascom_sim.cli.app import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bare = sorted(f"{name} {'/'.join(a.option_strings)}" for name, p in subparsers.choices.items()
                  for a in p._actions if a.option_strings and not a.help)
    assert bare == []


def test_set_help_lists_every_parameter_with_its_unit(capsys):
    from cascom_sim.parameters import SPECS, Parameters

    assert main(["steady", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in Parameters.names():
        assert f"{name} ({SPECS[name].unit})" in text


def test_common_options_are_on_every_subcommand_but_validate():
    """README and docs/cli.md say so; validate's --json used to be assumed and failed as an unknown argument."""
    import argparse

    from cascom_sim.cli.app import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    common = {"--set", "--config", "--model", "--units", "--coupling", "--bath", "--model-file", "--pair", "--json"}
    for name, p in subparsers.choices.items():
        flags = {s for a in p._actions for s in a.option_strings}
        assert (common <= flags) == (name != "validate"), name


def test_steady_bare_detuning_json_does_not_claim_the_unused_detuning(capsys):
    """--bare-detuning ignores the 'detuning' parameter: its JSON branches do not list it (nor its Δ in rad/s)
    as if they had been computed there; each has its own effective detunings."""
    code, out, _ = run(capsys, "steady", "--bare-detuning", "1.2", "--json")
    d = json.loads(out)
    assert code == 0 and d["bare_detuning"] == 1.2 and "not used" in d["note"] and d["branches"]
    for b in d["branches"]:
        assert "detuning" not in b["parameters"]["values"] and "detuning" not in b["parameters"]["units"]
        assert "delta_rad_s" not in b["parameters"]["derived"] and "power" in b["parameters"]["values"]
        assert len(b["effective_detuning_rad_s"]) == 2 and b["bare_detuning_rad_s"] is not None

"""The ``cascom`` command line.  Uses only the public API; user mistakes exit 2 with one line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from .errors import CascomError, ParameterError
from .parameters import (
    BATHS,
    COUPLINGS,
    MODELS,
    UNITS_READINGS,
    ModelOptions,
    Parameters,
    load_config,
    parse_assignment,
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"cascom: error: {message}\n")


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("model and parameters")
    g.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter (repeatable), e.g. --set detuning=1.4")
    g.add_argument("--config", metavar="FILE.toml", help="TOML file of parameters and an optional [options] table")
    g.add_argument("--model", choices=MODELS, default=None, help="paper (default) or two-channel")
    g.add_argument("--units", choices=UNITS_READINGS, default=None, help="units reading (default consistent)")
    g.add_argument("--coupling", choices=COUPLINGS, default=None, help="g0 convention (default paper)")
    g.add_argument("--bath", choices=BATHS, default=None, help="mechanical bath (default paper)")
    g.add_argument("--pair", default=None, metavar="MODE,MODE", help="mode pair for E_N (default b1,b2)")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _resolve(args) -> tuple[Parameters, ModelOptions, tuple[str, str]]:
    values: dict[str, Any] = {}
    opts: dict[str, Any] = {}
    if args.config:
        values, opts = load_config(args.config)
    for text in args.set:
        name, v = parse_assignment(text)
        values[name] = v
    params = Parameters.from_mapping(values)
    for key in ("model", "units", "coupling", "bath"):
        if getattr(args, key) is not None:
            opts[key] = getattr(args, key)
    pair_text = args.pair or opts.pop("pair", None) or "b1,b2"
    opts.pop("pair", None)
    pair = tuple(s.strip() for s in str(pair_text).split(","))
    if len(pair) != 2 or pair[0] == pair[1]:
        raise ParameterError("pair", pair_text, "two different modes among a1, a2, b1, b2, e.g. b1,b2")
    from .gaussian import pair_indices

    pair_indices(pair)
    return params, ModelOptions(**opts), pair  # type: ignore[return-value]


def add_execution_arguments(p) -> None:
    """--workers, --scheduler, --checkpoint for subcommands that run chunks."""
    g = p.add_argument_group("execution")
    g.add_argument("--workers", type=int, default=1,
                   help="run chunks on a local Dask cluster of N workers (local processes if Dask is absent)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run chunks on this Dask scheduler")
    g.add_argument("--checkpoint", default=None, metavar="DIR",
                   help="directory of finished chunks; rerun the same command to resume (default: OUT.chunks "
                        "when --out is given, removed after success)")


def execution_from_args(args, out=None):
    """An Execution from the flags; returns (execution, checkpoint dir to remove after success or None)."""
    import importlib.util
    import sys as _sys

    from .executor import Execution

    if args.workers < 1:
        raise ParameterError("workers", args.workers, "an integer ≥ 1")
    use_dask = bool(args.scheduler) or (args.workers > 1 and importlib.util.find_spec("distributed") is not None)
    if args.workers > 1 and not use_dask:
        print("cascom: note: Dask is not installed; using local processes", file=_sys.stderr)
    ck, cleanup = args.checkpoint, None
    if ck is None and out:
        ck = cleanup = str(out) + ".chunks"
    return Execution(workers=args.workers, scheduler=args.scheduler, dask=use_dask, checkpoint=ck), cleanup


def _matrix(M) -> list | None:
    return None if M is None else np.asarray(M).tolist()


def _parameters_block(params: Parameters, options: ModelOptions) -> dict:
    from .parameters import SPECS

    return {
        "values": params.as_dict(),
        "units": {n: SPECS[n].unit for n in Parameters.names()},
        "derived": params.derived(options.coupling),
    }


def steady_json(s) -> dict:
    """The JSON object of ``cascom steady`` (BRIEF §8)."""
    mf = s.model.mean_fields
    return {
        "parameters": _parameters_block(s.parameters, s.options),
        "model": s.options.model,
        "units_reading": s.options.units,
        "coupling": s.options.coupling,
        "bath": s.options.bath,
        "pair": list(s.pair),
        "alpha": [[float(a.real), float(a.imag)] for a in np.atleast_1d(mf.alpha)],
        "beta": [[float(b.real), float(b.imag)] for b in np.atleast_1d(mf.beta)],
        "effective_detuning_rad_s": np.asarray(mf.delta).tolist(),
        "bare_detuning_rad_s": np.asarray(mf.bare_detuning).tolist(),
        "stable": s.stable,
        "stable_by_eigenvalues": s.stability.by_eigenvalues,
        "stable_by_routh_hurwitz": s.stability.by_routh_hurwitz,
        "max_re_eigenvalue": s.stability.max_re_eigenvalue,
        "noise_physical": s.noise_physical,
        "noise_min_eigenvalue": s.noise_min_eigenvalue,
        "bona_fide": s.bona_fide,
        "bona_fide_min_eigenvalue": s.bona_fide_min_eigenvalue,
        "E_N": s.E_N,
        "E_N_formal": s.E_N_formal,
        "E_N_symplectic": s.E_N_symplectic,
        "occupations": None if s.occupations is None else dict(zip(("a1", "a2", "b1", "b2"), s.occupations.tolist())),
        "purities": None if s.purities is None else dict(zip(("a1", "a2", "b1", "b2"), s.purities.tolist())),
        "lyapunov_residual": s.lyapunov_residual,
        "drift_matrix": _matrix(s.drift),
        "diffusion_matrix": _matrix(s.diffusion),
        "covariance_matrix": _matrix(s.covariance),
        "warnings": list(s.warnings),
    }


def _fmt(x, spec=".6g") -> str:
    return "—" if x is None else format(x, spec)


def steady_table(s) -> str:
    mf = s.model.mean_fields
    p = s.parameters
    lines = [
        f"cascom steady — model {s.options.model}, units reading {s.options.units}, "
        f"coupling {s.options.coupling}, bath {s.options.bath}",
        f"  Δ/ω_m = {p.detuning:g}, Δθ = {p.dtheta_pi:g}π, φ = {p.phi_pi:g}π, η = {p.eta:g}, "
        f"P = {p.power:g} W, T = {p.temperature:g} K, ω_m/2π = {p.omega_m:g} Hz, κ/2π = {p.kappa:g} Hz",
        f"  g0 = {float(p.g0(s.options.coupling)):.4g} rad/s, ε = {float(p.epsilon):.4g} 1/s, n_m = {float(p.n_m):.4g}",
        f"  α1 = {complex(mf.alpha[0]):.4g}, α2 = {complex(mf.alpha[1]):.4g}  "
        f"(N1 = {float(abs(mf.alpha[0])**2):.4g}, N2 = {float(abs(mf.alpha[1])**2):.4g})",
        f"  stable: {s.stable}  (eigenvalues: {s.stability.by_eigenvalues}, Routh–Hurwitz: "
        f"{s.stability.by_routh_hurwitz}; max Re λ = {s.stability.max_re_eigenvalue:.4g} 1/s)",
        f"  noise physical: {s.noise_physical}  (min eig of D + i(AΩ+ΩAᵀ)/2 = {s.noise_min_eigenvalue:.4g})",
        f"  bona fide V: {_fmt(s.bona_fide, '')}  (min eig of V + iΩ/2 = {_fmt(s.bona_fide_min_eigenvalue, '.3g')})",
        f"  E_N({s.pair[0]},{s.pair[1]}) = {_fmt(s.E_N)}",
    ]
    if s.occupations is not None:
        occ = ", ".join(f"n_{m} = {v:.4g}" for m, v in zip(("a1", "a2", "b1", "b2"), s.occupations))
        lines.append(f"  occupations: {occ}")
    for w in s.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def cmd_steady(args) -> int:
    from .steady import steady_state, steady_states_from_bare_detuning

    params, options, pair = _resolve(args)
    if args.bare_detuning is None:
        s = steady_state(params, options, pair)
        print(json.dumps(steady_json(s)) if args.json else steady_table(s))
        return 0
    if not np.isfinite(args.bare_detuning):
        raise ParameterError("bare-detuning", args.bare_detuning, "a finite number (Δ_c/ω_m)")
    if options.model != "paper":
        raise ParameterError("model", options.model, "'paper' with --bare-detuning")
    branches = steady_states_from_bare_detuning(params, args.bare_detuning, options, pair)
    if args.json:
        print(json.dumps({"bare_detuning": args.bare_detuning, "branches": [steady_json(b) for b in branches]}))
    else:
        print(f"{len(branches)} mean-field branch(es) at Δ_c/ω_m = {args.bare_detuning:g}"
              + (" (bistability)" if len(branches) > 1 else ""))
        for k, b in enumerate(branches, 1):
            d = np.asarray(b.model.mean_fields.delta) / float(params.omega_m_rad)
            print(f"--- branch {k}: effective Δ/ω_m = ({d[0]:.6g}, {d[1]:.6g})")
            print(steady_table(b))
    return 0


def cmd_sweep(args) -> int:
    from .progress import NoProgress, TqdmProgress
    from .sweep import Axis, run_sweep

    params, options, pair = _resolve(args)
    axes = [Axis.parse(args.x)] + ([Axis.parse(args.y)] if args.y else [])
    for a in axes:
        if a.name in {t.partition("=")[0].strip() for t in args.set}:
            raise ParameterError(a.name, "both swept and --set", "either swept or fixed, not both")
    progress = NoProgress() if args.json else TqdmProgress()
    execution, cleanup = execution_from_args(args, args.out)
    res = run_sweep(axes, base=params, options=options, pair=pair, progress=progress, execution=execution)
    path = res.save(args.out)
    if cleanup:
        import shutil

        shutil.rmtree(cleanup, ignore_errors=True)
    plot = None
    if args.plot:
        from .plotting import plot_sweep

        plot = str(plot_sweep(res.dataset, args.plot))
    ds = res.dataset
    finite = np.isfinite(ds["E_N"].values)
    summary = {
        "out": str(path), "plot": plot, "axes": [a.__dict__ for a in axes],
        "model": options.model, "units_reading": options.units, "coupling": options.coupling,
        "bath": options.bath, "pair": list(pair),
        "points": res.stats["points"], "wall_time_s": res.stats["wall_time_s"],
        "executor": "dask" if execution.dask else ("processes" if execution.workers > 1 else "in-process"),
        "stable_fraction": float(ds["stable"].mean()),
        "stability_criteria_agree_fraction": float((ds["stable_eigenvalues"] == ds["stable_routh_hurwitz"]).mean()),
        "noise_physical_fraction": float(ds["noise_physical"].mean()),
        "bona_fide_fraction_of_stable": float((ds["bona_fide"] == 1).sum() / max(1, int(ds["stable"].sum()))),
        "max_E_N": float(np.nanmax(ds["E_N"].values)) if finite.any() else None,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"cascom sweep — model {options.model}, units reading {options.units}, coupling {options.coupling}, "
              f"bath {options.bath}, pair {','.join(pair)}")
        for k in ("points", "wall_time_s", "stable_fraction", "stability_criteria_agree_fraction",
                  "noise_physical_fraction", "bona_fide_fraction_of_stable", "max_E_N", "out", "plot"):
            print(f"  {k}: {summary[k]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cascom", description="Linearized cascaded cavity optomechanics (Liu et al., PRA 109, 023519).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _common()
    p = sub.add_parser("steady", parents=[common], help="steady state at one point")
    p.add_argument("--bare-detuning", type=float, default=None, metavar="DC",
                   help="solve the mean fields self-consistently from the bare detuning Δ_c/ω_m and report every "
                        "branch (bistability) with its stability; the effective `detuning` is then ignored")
    p.set_defaults(func=cmd_steady)
    p = sub.add_parser("sweep", parents=[common], help="E_N, stability and physicality over a 1-D or 2-D grid")
    p.add_argument("--x", required=True, metavar="NAME=START:STOP:NUM")
    p.add_argument("--y", metavar="NAME=START:STOP:NUM")
    p.add_argument("--out", required=True, metavar="FILE.nc", help="NetCDF output (written atomically)")
    p.add_argument("--plot", metavar="FILE.png")
    add_execution_arguments(p)
    p.set_defaults(func=cmd_sweep)
    _register_more(sub, common)
    return parser


def _register_more(sub, common) -> None:
    """Subcommands defined in other modules of the command line."""
    for mod in ("cli_evolve", "cli_master", "cli_validate"):
        try:
            m = __import__(f"cascom_sim.{mod}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"cascom_sim.{mod}":
                raise
            continue
        m.register(sub, common)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0) as return codes
        return int(exc.code or 0)
    try:
        return args.func(args)
    except CascomError as exc:
        print(f"cascom: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cascom: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``cascom steady``: the steady state at one point (or every mean-field branch at a bare detuning)."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..gaussian.covariance import NOISE_RTOL
from ..solvers.steady import analyse, steady_state, steady_states_from_bare_detuning
from .common import by_mode, dumps, matrix, model_block, model_from_args, parameters_block, refuse_network, resolve


def steady_json(s) -> dict:
    """The JSON object of ``cascom steady`` (keys listed in docs/cli.md)."""
    mf = s.model.mean_fields
    pairs = lambda z: None if mf is None else [[float(v.real), float(v.imag)] for v in np.atleast_1d(z)]  # noqa: E731
    return {
        "parameters": None if s.parameters is None else parameters_block(s.parameters, s.options),
        **model_block(s.model),
        "pair": list(s.pair),
        "alpha": pairs(None if mf is None else mf.alpha),
        "beta": pairs(None if mf is None else mf.beta),
        "effective_detuning_rad_s": None if mf is None else np.asarray(mf.delta).tolist(),
        "bare_detuning_rad_s": None if mf is None else np.asarray(mf.bare_detuning).tolist(),
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
        "occupations": by_mode(s.model, s.occupations),
        "purities": by_mode(s.model, s.purities),
        "lyapunov_residual": s.lyapunov_residual,
        "drift_matrix": matrix(s.drift),
        "diffusion_matrix": matrix(s.diffusion),
        "covariance_matrix": matrix(s.covariance),
        "warnings": list(s.warnings),
    }


def fmt(x, spec=".6g") -> str:
    return "—" if x is None else format(x, spec)


def _network_lines(s) -> list[str]:
    d = s.model.describe()
    mf = s.model.mean_fields
    lines = [f"cascom steady — model {d['model']}, {len(d['nodes'])} nodes, channels {d['channels']}, "
             f"coupling {d['coupling']}, modes {','.join(d['modes'])}"]
    for k, nd in enumerate(d["nodes"]):
        lines.append(f"  {nd['name']}: Δ/ω_m = {nd['detuning']:g}, κ/2π = {nd['kappa']:g} Hz (R {nd['kappa_r_fraction']:g}, "
                     f"L {nd['kappa_l_fraction']:g}, pump port {nd['pump_port']}), P = {nd['power']:g} W, "
                     f"θ = {nd['pump_phase_pi']:g}π, T = {nd['temperature']:g} K;  α = {complex(mf.alpha[k]):.4g} "
                     f"(N = {float(abs(mf.alpha[k]) ** 2):.4g})")
    for lk in d["links"]:
        lines.append(f"  {lk['name']} ({lk['between'][0]}–{lk['between'][1]}): η = {lk['eta']:g}, φ = {lk['phi_pi']:g}π")
    return lines


def _without_unused_detuning(branch: dict) -> dict:
    """A branch of ``--bare-detuning`` without the 'detuning' parameter (and its Δ in rad/s), which it
    ignores: listing them would claim a detuning the branch was not computed at."""
    p = branch.get("parameters") or {}
    for part, key in (("values", "detuning"), ("units", "detuning"), ("derived", "delta_rad_s")):
        (p.get(part) or {}).pop(key, None)
    return branch


def steady_table(s, bare_detuning: float | None = None) -> str:
    """The text table of one steady state; with ``bare_detuning`` (Δ_c/ω_m) the parameter line gives it
    instead of the ``detuning`` parameter, which the self-consistent branches do not use."""
    mf = s.model.mean_fields
    p = s.parameters
    if p is None:
        return "\n".join(_network_lines(s) + _verdict_lines(s)) if s.model.network is not None else \
            "\n".join([f"cascom steady — model {s.model.label}, modes {','.join(s.modes)}"] + _verdict_lines(s))
    lines = [
        f"cascom steady — model {s.options.model}, units reading {s.options.units}, "
        f"coupling {s.options.coupling}, bath {s.options.bath}",
        (f"  Δ/ω_m = {p.detuning:g}" if bare_detuning is None else f"  Δ_c/ω_m = {bare_detuning:g} (bare)")
        + f", Δθ = {p.dtheta_pi:g}π, φ = {p.phi_pi:g}π, η = {p.eta:g}, "
        f"P = {p.power:g} W, T = {p.temperature:g} K, ω_m/2π = {p.omega_m:g} Hz, κ/2π = {p.kappa:g} Hz",
        f"  g0 = {float(p.g0(s.options.coupling)):.4g} rad/s, ε = {float(p.epsilon):.4g} 1/s, n_m = {float(p.n_m):.4g}"
        + (f", κ_R/κ = {p.kappa_r_fraction:g}, κ_L/κ = {p.kappa_l_fraction:g}" if s.options.model == "two-channel"
           else ""),
        f"  α1 = {complex(mf.alpha[0]):.4g}, α2 = {complex(mf.alpha[1]):.4g}  "
        f"(N1 = {float(abs(mf.alpha[0])**2):.4g}, N2 = {float(abs(mf.alpha[1])**2):.4g})",
    ]
    return "\n".join(lines + _verdict_lines(s))


def _verdict_lines(s) -> list[str]:
    lines = [
        f"  stable: {s.stable}  (eigenvalues: {s.stability.by_eigenvalues}, Routh–Hurwitz: "
        f"{s.stability.by_routh_hurwitz}; max Re λ = {s.stability.max_re_eigenvalue:.4g} 1/s)",
        f"  noise physical: {s.noise_physical}  (min eig of D + i(AΩ+ΩAᵀ)/2 = {s.noise_min_eigenvalue:.4g} 1/s; "
        f"rounding forgiven: {NOISE_RTOL:.0e} of the largest rate)",
        f"  bona fide V: {fmt(s.bona_fide, '')}  (min eig of V + iΩ/2 = {fmt(s.bona_fide_min_eigenvalue, '.3g')})",
        f"  E_N({s.pair[0]},{s.pair[1]}) = {fmt(s.E_N)}",
    ]
    if s.occupations is not None:
        occ = ", ".join(f"n_{m} = {v:.4g}" for m, v in zip(s.modes, s.occupations))
        lines.append(f"  occupations: {occ}")
    for w in s.warnings:
        lines.append(f"  warning: {w}")
    return lines


def cmd_steady(args) -> int:
    params, options, pair = resolve(args)
    if args.network is not None:
        if args.bare_detuning is not None:
            refuse_network(args, "--bare-detuning")
        s = analyse(model_from_args(args, params, options), None, pair)
        print(dumps(steady_json(s)) if args.json else steady_table(s))
        return 0
    if args.bare_detuning is None:
        s = steady_state(params, options, pair)
        print(dumps(steady_json(s)) if args.json else steady_table(s))
        return 0
    if not (np.isfinite(args.bare_detuning) and abs(args.bare_detuning) <= 1e6):
        raise ParameterError("bare-detuning", args.bare_detuning, "a finite number with |Δ_c/ω_m| ≤ 1e6 (Δ_c/ω_m)")
    if options.model != "paper":
        raise ParameterError("model", options.model, "'paper' with --bare-detuning")
    branches = steady_states_from_bare_detuning(params, args.bare_detuning, options, pair)
    if args.json:
        print(dumps({"bare_detuning": args.bare_detuning,
                     "note": "the effective-detuning parameter 'detuning' is not used: each branch's effective "
                             "detunings follow from the bare one (effective_detuning_rad_s)",
                     "branches": [_without_unused_detuning(steady_json(b)) for b in branches]}))
    else:
        print(f"{len(branches)} mean-field branch(es) at Δ_c/ω_m = {args.bare_detuning:g}"
              + (" (bistability)" if len(branches) > 1 else ""))
        for k, b in enumerate(branches, 1):
            d = np.asarray(b.model.mean_fields.delta) / float(params.omega_m_rad)
            print(f"--- branch {k}: effective Δ/ω_m = ({d[0]:.6g}, {d[1]:.6g})")
            print(steady_table(b, bare_detuning=args.bare_detuning))
    return 0




def register(sub, common) -> None:
    p = sub.add_parser("steady", parents=[common], help="steady state at one point")
    p.add_argument("--bare-detuning", type=float, default=None, metavar="DC",
                   help="solve the mean fields self-consistently from the bare detuning Δ_c/ω_m and report every "
                        "branch (bistability) with its stability; the effective `detuning` is then ignored")
    p.set_defaults(func=cmd_steady)

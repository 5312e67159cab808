"""``cascom master``: the truncated-Fock QuTiP cross-check of a steady state."""

from __future__ import annotations

import json
import math

from ..errors import ParameterError, UnphysicalModelError
from .common import model_block, parameters_block, resolve


def register(sub, common) -> None:
    p = sub.add_parser("master", parents=[common], help="QuTiP master-equation check of the Lyapunov steady state")
    p.add_argument("--cutoff", action="append", default=None, metavar="N[,N,...]",
                   help="Fock states per mode (one number for all, or one per mode); repeat for a convergence "
                        "series, e.g. --cutoff 3 --cutoff 4 --cutoff 5 (default: chosen from the occupations)")
    p.add_argument("--modes", default=None, metavar="MODE,...",
                   help="solve on these modes only (they must be decoupled from the rest); default all of the model's modes")
    p.add_argument("--plot", metavar="FILE.png", help="convergence plot")
    p.set_defaults(func=cmd_master)


def _parse_cutoffs(texts, n_modes):
    out = []
    for t in texts:
        try:
            vals = [int(v) for v in t.split(",")]
        except ValueError:
            raise ParameterError("cutoff", t, "integers, N or N1,N2,... one per mode") from None
        if len(vals) == 1:
            vals = vals * n_modes
        if len(vals) != n_modes or min(vals) < 2:
            raise ParameterError("cutoff", t, f"one integer ≥ 2 or {n_modes} of them")
        out.append(tuple(vals))
    return out


def _default_cutoffs(occ):
    # thermal-like tail (n/(n+1))^N below 1e-4, then that plus one and two
    base = [max(3, math.ceil(math.log(1e-4) / math.log(max(n, 1e-6) / (max(n, 1e-6) + 1)))) for n in occ]
    base = [min(b, 12) for b in base]
    return [tuple(b + k for b in base) for k in (0, 1, 2)]


def cmd_master(args) -> int:
    from ..gaussian.covariance import reduce_modes
    from ..progress import NoProgress, TqdmProgress
    from ..solvers.master import as_lindblad, cutoff_convergence, restrict
    from ..solvers.steady import steady_state
    params, options, pair = resolve(args)
    s = steady_state(params, options, pair)
    pair = s.pair
    modes = s.modes if not args.modes else tuple(s.modes[s.model.index(m.strip())] for m in args.modes.split(","))
    for m in pair:
        if m not in modes:
            raise ParameterError("pair", ",".join(pair), f"modes among --modes {','.join(modes)}")
    out = {
        "parameters": parameters_block(params, options), **model_block(s.model), "pair": list(pair),
        "solved_modes": list(modes),
        "stable": s.stable, "noise_physical": s.noise_physical, "bona_fide": s.bona_fide,
        "master_equation_exists": None, "reason": None, "cutoffs": None, "covariance_matrix": None,
        "lyapunov_covariance": None, "relative_difference": None, "E_N": None, "E_N_lyapunov": s.E_N,
        "convergence": [],
    }
    verdict = None
    if not s.stable:
        verdict = "unstable: no steady state to compare (max Re λ = %.4g 1/s)" % s.stability.max_re_eigenvalue
    else:
        try:
            lind = as_lindblad(s.model)
            out["master_equation_exists"] = True
        except UnphysicalModelError as exc:
            out["master_equation_exists"] = False
            verdict = str(exc)
    if verdict is None:
        lind = restrict(lind, modes) if modes != tuple(lind.modes) else lind
        ref = reduce_modes(s.covariance, modes, s.modes)
        occ = [float(s.occupations[s.model.index(m)]) for m in modes]
        cuts = _parse_cutoffs(args.cutoff, len(modes)) if args.cutoff else _default_cutoffs(occ)
        if max(occ) > 2.0:
            out["warning"] = (f"occupations up to {max(occ):.3g}: a truncated Fock space is not a meaningful check "
                              "here; choose a low-occupation case (see cascom_sim.me_cases)")
        progress = NoProgress() if args.json else TqdmProgress()
        results = cutoff_convergence(lind, cuts, ref, progress)
        last = results[-1]
        out.update({
            "cutoffs": [list(r.cutoffs) for r in results], "covariance_matrix": last.covariance.tolist(),
            "lyapunov_covariance": ref.tolist(), "relative_difference": last.relative_difference,
            "E_N": last.log_negativity(pair),
            "convergence": [{"cutoffs": list(r.cutoffs), "relative_difference": r.relative_difference,
                             "E_N": r.log_negativity(pair), "top_level_population": r.top_level_population,
                             "hilbert_dim": r.stats["hilbert_dim"], "wall_time_s": r.stats["wall_time_s"]}
                            for r in results],
        })
        if args.plot:
            _plot(results, pair, s, args.plot)
    else:
        out["reason"] = verdict
    if args.json:
        print(json.dumps(out))
    else:
        print(f"cascom master — model {s.model.label}, units reading {options.units}, coupling {options.coupling}, "
              f"bath {options.bath}, modes {','.join(modes)}, pair {','.join(pair)}")
        print(f"  stable: {s.stable}   noise physical: {s.noise_physical}   bona fide: {s.bona_fide}")
        if verdict:
            print(f"  no master-equation check: {verdict}")
        else:
            for c in out["convergence"]:
                print(f"  cutoffs {c['cutoffs']}: ‖V_ME − V_Lyap‖/‖V_Lyap‖ = {c['relative_difference']:.3e}, "
                      f"E_N = {c['E_N']:.6g} (Lyapunov {s.E_N if s.E_N is not None else float('nan'):.6g}), "
                      f"top-level population {c['top_level_population']:.1e}, dim {c['hilbert_dim']}")
            if "warning" in out:
                print(f"  warning: {out['warning']}")
    return 0


def _plot(results, pair, s, path):
    from ..report.plotting import plot_master_convergence

    plot_master_convergence(results, s, path)

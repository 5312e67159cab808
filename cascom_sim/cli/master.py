"""``cascom master``: the truncated-Fock QuTiP cross-check of a steady state.

Order of work, so that a hopeless case is refused in well under a second: Lyapunov steady state →
the smallest closed set of modes holding the pair → occupations and cutoffs → cost estimate against the
budget → only then QuTiP (imported lazily) and the solvers.
"""

from __future__ import annotations

import sys
import time

from ..errors import BudgetError, ParameterError, UnphysicalModelError
from .common import dumps


def register(sub, common) -> None:
    from ..solvers.master import DEFAULT_MAX_DIMENSION, DEFAULT_MAX_MEMORY_GB, SOLVERS

    p = sub.add_parser("master", parents=[common], help="QuTiP master-equation check of the Lyapunov steady state")
    p.add_argument("--cutoff", action="append", default=None, metavar="N[,N,...]",
                   help="Fock states per mode (one number for all, or one per solved mode); repeat for a "
                        "convergence series, e.g. --cutoff 3 --cutoff 4 --cutoff 5 (default: from the "
                        "occupations, predicted top-level population ≤ 1e-3, and one step up)")
    p.add_argument("--modes", default=None, metavar="MODE,...",
                   help="solve on these modes (they must not be driven by the others); default: the smallest "
                        "such set holding the pair, found from the drift matrix")
    g = p.add_argument_group("solver and budget")
    g.add_argument("--solver", default="auto", metavar="NAME[,NAME...]",
                   help=f"'auto' (by size) or a chain among {', '.join(SOLVERS)}, tried in order")
    g.add_argument("--tol", type=float, default=None,
                   help="relative tolerance of the iterative solvers (default: 1e-3 × predicted truncation error)")
    g.add_argument("--maxiter", type=int, default=None, help="iteration limit of the iterative solvers")
    g.add_argument("--max-memory", type=float, default=DEFAULT_MAX_MEMORY_GB, metavar="GB",
                   help=f"refuse above this estimated memory (default {DEFAULT_MAX_MEMORY_GB:g} GB)")
    g.add_argument("--max-dimension", type=int, default=DEFAULT_MAX_DIMENSION, metavar="D",
                   help=f"refuse above this Hilbert-space dimension (default {DEFAULT_MAX_DIMENSION})")
    p.add_argument("--plot", metavar="FILE.png", help="convergence plot")
    p.set_defaults(func=cmd_master)


def _parse_cutoffs(texts, n_modes=None):
    """Cutoff tuples from ``--cutoff`` texts; ``n_modes=None`` checks only the syntax and the values (≥ 2)."""
    out = []
    for t in texts:
        try:
            vals = [int(v) for v in t.split(",")]
        except ValueError:
            raise ParameterError("cutoff", t, "integers, N or N1,N2,... one per mode") from None
        if len(vals) == 1 and n_modes is not None:
            vals = vals * n_modes
        if (n_modes is not None and len(vals) != n_modes) or min(vals) < 2:
            count = "one per solved mode" if n_modes is None else f"or {n_modes} of them, one per solved mode"
            raise ParameterError("cutoff", t, f"integers ≥ 2 (one for every mode, {count})")
        out.append(tuple(vals))
    return out


def _fmt_occ(modes, occ):
    return ", ".join(f"{m} {n:.3g}" for m, n in zip(modes, occ))


def plan(s, pair, modes_text=None, cutoff_texts=None, solver="auto", max_memory_gb=None, max_dimension=None):
    """Modes, Lindblad model, reference, cutoff series and estimates for a stable steady state ``s``.

    Raises :class:`BudgetError` (with the occupations) before anything large is built.
    """
    import numpy as np

    from ..gaussian.covariance import occupations as occupations_of
    from ..gaussian.covariance import reduce_modes
    from ..solvers import master as me

    all_modes = tuple(s.model.modes)
    if modes_text:
        modes = tuple(m.strip() for m in modes_text.split(","))
        for m in modes:
            if m not in all_modes:
                raise ParameterError("modes", modes_text, f"modes among {','.join(all_modes)}")
        for m in pair:
            if m not in modes:
                raise ParameterError("pair", ",".join(pair), f"modes among --modes {modes_text}")
        why = "as asked (--modes)"
    else:
        modes = me.required_modes(s.drift, all_modes, pair)
        dropped = [m for m in all_modes if m not in modes]
        why = ("the smallest set of modes holding the pair that no other mode drives"
               + (f"; {','.join(dropped)} do not act on it" if dropped else ""))
    if s.model.lindblad is not None:
        lind = me.restrict(s.model.lindblad, modes) if modes != all_modes else s.model.lindblad
    else:
        q = [2 * all_modes.index(m) + k for m in modes for k in (0, 1)]
        A, D = np.asarray(s.drift)[np.ix_(q, q)], np.asarray(s.diffusion)[np.ix_(q, q)]
        closed = me.required_modes(s.drift, all_modes, modes)
        if set(closed) != set(modes):  # the marginal on these modes would not be Markovian on its own
            raise ParameterError("modes", ",".join(modes), f"a set of modes not driven by the others (the "
                                                             f"smallest containing them is {','.join(closed)})")
        lind = me.lindblad_from_langevin(A, D, modes)
    ref = reduce_modes(s.covariance, modes, all_modes)
    occ = [float(x) for x in occupations_of(ref)]
    budget = {"max_memory_gb": max_memory_gb, "max_dimension": max_dimension}
    first = solver.split(",")[0] if solver != "auto" else "auto"
    notes = []
    if cutoff_texts:
        cuts = _parse_cutoffs(cutoff_texts, len(modes))
        estimates = [me.estimate_cost(lind, c, first) for c in cuts]
        try:
            for e in estimates:
                me.check_budget(e, **budget)
        except BudgetError as exc:
            raise BudgetError(f"{exc} (occupations {_fmt_occ(modes, occ)})") from None
    else:
        base = me.default_cutoffs(occ, tail=1e-3)
        cuts = [base, tuple(c + 1 for c in base)]
        estimates = [me.estimate_cost(lind, c, first) for c in cuts]
        try:
            me.check_budget(estimates[0], **budget)
        except BudgetError as exc:
            raise BudgetError(f"{exc}; these cutoffs keep the predicted top-level population ≤ 1e-3 at occupations "
                              f"{_fmt_occ(modes, occ)}: a truncated Fock space is not a practical check here "
                              "(see cascom_sim.report.me_cases for low-occupation cases)") from None
        try:
            me.check_budget(estimates[1], **budget)
        except BudgetError:
            notes.append(f"convergence step to cutoffs {','.join(map(str, cuts[1]))} skipped: over the budget "
                         f"({estimates[1].describe()})")
            cuts, estimates = cuts[:1], estimates[:1]
    predicted = [float(np.max(me.predicted_top_population(occ, c))) for c in cuts]
    if predicted[-1] > 1e-2:
        notes.append(f"occupations {_fmt_occ(modes, occ)} put a predicted {predicted[-1]:.1e} on the top Fock level "
                     f"at cutoffs {','.join(map(str, cuts[-1]))}: expect a truncation error of that order")
    return {"modes": modes, "why": why, "lindblad": lind, "reference": ref, "occupations": occ, "cutoffs": cuts,
            "estimates": estimates, "predicted_top": predicted, "notes": notes}


def cmd_master(args) -> int:
    from ..solvers.master import check_solver_options
    from ..solvers.steady import steady_state

    t_start = time.perf_counter()
    params, options, pair = resolve_args(args)
    check_solver_options(args.solver, args.tol, args.maxiter, args.max_memory, args.max_dimension)
    if args.network is not None:
        from ..solvers.steady import analyse
        from .common import model_from_args

        s = analyse(model_from_args(args, params, options), None, pair)
        params = None
    else:
        s = steady_state(params, options, pair)
    if args.cutoff:  # a bad value is the user's mistake whatever the point turns out to be
        _parse_cutoffs(args.cutoff)
    pair = s.pair
    out = {
        "parameters": None if params is None else _parameters_block(params, options), **_model_block(s.model), "pair": list(pair),
        "solved_modes": None, "modes_reason": None,
        "stable": s.stable, "noise_physical": s.noise_physical, "bona_fide": s.bona_fide,
        "master_equation_exists": None, "reason": None, "occupations": None, "cutoffs": None, "estimates": [],
        "covariance_matrix": None, "lyapunov_covariance": None, "relative_difference": None, "E_N": None,
        "E_N_lyapunov": s.E_N, "convergence": [], "steps": [], "notes": [],
    }
    verdict = None
    pl = None
    if not s.stable:
        verdict = "unstable: no steady state to compare (max Re λ = %.4g 1/s)" % s.stability.max_re_eigenvalue
    else:
        try:
            pl = plan(s, pair, args.modes, args.cutoff, args.solver, args.max_memory, args.max_dimension)
            out["master_equation_exists"] = True
        except UnphysicalModelError as exc:
            out["master_equation_exists"] = False
            verdict = str(exc)
    if pl is not None:
        modes = pl["modes"]
        out.update({"solved_modes": list(modes), "modes_reason": pl["why"], "occupations": dict(zip(modes, pl["occupations"])),
                    "estimates": [_estimate_json(e) for e in pl["estimates"]], "notes": pl["notes"],
                    "planning_time_s": time.perf_counter() - t_start})
        if not args.json:
            print(f"cascom master — model {s.model.label}, units reading {options.units}, coupling {options.coupling}, "
                  f"bath {options.bath}, pair {','.join(pair)}")
            print(f"  solving on modes {','.join(modes)}: {pl['why']}")
            print(f"  occupations (Lyapunov): {_fmt_occ(modes, pl['occupations'])}")
            for e in pl["estimates"]:
                print(f"  estimate {e.describe()}")
            for n in pl["notes"]:
                print(f"  note: {n}")
            sys.stdout.flush()
        results = _solve(pl, pair, args)
        out.update(_results_json(results, pl, pair))
        if args.plot:
            _plot(results, pair, s, args.plot)
    else:
        out["reason"] = verdict
    if args.json:
        print(dumps(out))
    else:
        if pl is None:
            print(f"cascom master — model {s.model.label}, units reading {options.units}, coupling {options.coupling}, "
                  f"bath {options.bath}, pair {','.join(pair)}")
            print(f"  stable: {s.stable}   noise physical: {s.noise_physical}   "
                  f"bona fide: {'—' if s.bona_fide is None else s.bona_fide}")
            print(f"  no master-equation check: {verdict}")
        else:
            _print_table(out, s)
    return 0


def resolve_args(args):
    from .common import resolve

    return resolve(args)


def _model_block(model):
    from .common import model_block

    return model_block(model)


def _parameters_block(params, options):
    from .common import parameters_block

    return parameters_block(params, options)


def _solve(pl, pair, args):
    from ..progress import NoProgress, TqdmProgress
    from ..solvers.master import cutoff_convergence

    progress = TqdmProgress() if (not args.json and sys.stderr.isatty()) else NoProgress()
    return cutoff_convergence(pl["lindblad"], pl["cutoffs"], pl["reference"], progress=progress,
                              solver=args.solver, tol=args.tol, maxiter=args.maxiter, occupations=pl["occupations"],
                              max_memory_gb=args.max_memory, max_dimension=args.max_dimension)


def _estimate_json(e):
    return {"cutoffs": list(e.cutoffs), "hilbert_dim": e.hilbert_dimension, "liouvillian_dim": e.liouvillian_dimension,
            "liouvillian_nnz_estimate": e.liouvillian_nonzeros, "solver": e.solver, "memory_bytes": e.memory_bytes,
            "seconds": e.seconds}


def _results_json(results, pl, pair):
    from ..solvers.master import convergence_steps

    last = results[-1]
    steps = convergence_steps(results, pair)
    return {
        "cutoffs": [list(r.cutoffs) for r in results], "covariance_matrix": last.covariance.tolist(),
        "lyapunov_covariance": pl["reference"].tolist(), "relative_difference": last.relative_difference,
        "E_N": last.log_negativity(pair),
        "convergence": [{"cutoffs": list(r.cutoffs), "relative_difference": r.relative_difference,
                         "E_N": r.log_negativity(pair), "top_level_populations": dict(zip(r.modes, r.top_level_populations)),
                         "top_level_population": r.top_level_population, "solver": r.solver,
                         "solvers_tried": r.stats["solvers_tried"], "residual": r.stats["residual"],
                         "tolerance": r.stats["tolerance"], "iterations": r.stats["iterations"],
                         "hilbert_dim": r.stats["hilbert_dim"], "liouvillian_nnz": r.stats["liouvillian_nnz"],
                         "wall_time_s": r.stats["wall_time_s"]} for r in results],
        "steps": [{"from": list(st.cutoffs_from), "to": list(st.cutoffs_to), "covariance_change": st.covariance_change,
                   "E_N_change": st.E_N_change} for st in steps],
    }


def _print_table(out, s):
    lyap = s.E_N if s.E_N is not None else float("nan")
    print(f"  {'cutoffs':>12} {'‖V−V_Lyap‖/‖V_Lyap‖':>20} {'E_N':>10} {'‖ΔV‖/‖V‖':>10} {'ΔE_N':>10} "
          f"{'top level':>9} {'solver':>9} {'residual':>9} {'time':>7}")
    steps = [None] + out["steps"]
    for c, st in zip(out["convergence"], steps):
        dv = "" if st is None else f"{st['covariance_change']:.2e}"
        de = "" if st is None else f"{st['E_N_change']:+.1e}"
        print(f"  {','.join(map(str, c['cutoffs'])):>12} {c['relative_difference']:>20.3e} {c['E_N']:>10.6f} {dv:>10} "
              f"{de:>10} {c['top_level_population']:>9.1e} {c['solver']:>9} {c['residual']:>9.1e} "
              f"{c['wall_time_s']:>6.2f}s")
    last = out["convergence"][-1]
    print(f"  E_N Lyapunov {lyap:.6f}; top-level populations at the last cutoffs: "
          + ", ".join(f"{m} {p:.1e}" for m, p in last["top_level_populations"].items()))
    if out["steps"]:
        st = out["steps"][-1]
        print(f"  truncation error (last step): ‖ΔV‖/‖V‖ = {st['covariance_change']:.1e}, "
              f"ΔE_N = {st['E_N_change']:+.1e}")


def _plot(results, pair, s, path):
    from ..report.plotting import plot_master_convergence

    plot_master_convergence(results, s, path)

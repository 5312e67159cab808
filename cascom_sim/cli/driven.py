"""Time-dependent drives on the command line: ``--drive/--ramp/--modulate`` of ``cascom evolve`` and ``cascom floquet``."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from .common import dumps, metric_text, num, parameters_block


def add_drive_arguments(p, periodic: bool = False) -> None:
    g = p.add_argument_group("time-dependent drive")
    g.add_argument("--drive", metavar="FILE.toml",
                   help="pump envelopes, phases, frequency offsets and modulated parameters "
                        "(layout: cascom_sim.models.drives)")
    if not periodic:
        g.add_argument("--ramp", type=float, default=None, metavar="TAU",
                       help="switch every pump on at t = 0 with time constant TAU (s); 0 = a step")
    g.add_argument("--modulate", action="append", default=[], metavar="NAME:DEPTH:FREQ",
                   help="modulate NAME (power, spring, detuning) by DEPTH·cos(2π FREQ t), FREQ in Hz (repeatable)")
    g.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance of solve_ivp (default 1e-10)")


def wants_drive(args) -> bool:
    return bool(args.drive or getattr(args, "ramp", None) is not None or args.modulate)


def drive_from_args(args):
    from ..models.drives import combine, load_drive

    if not (0 < args.rtol < 1e-2):
        raise ParameterError("rtol", args.rtol, "0 < rtol < 1e-2")
    base = load_drive(args.drive) if args.drive else None
    ramp = getattr(args, "ramp", None)
    if ramp is not None and not (math.isfinite(ramp) and ramp >= 0):
        raise ParameterError("ramp", ramp, "a time constant 0 ≤ TAU < inf (s)")
    return combine(base, ramp=ramp, modulate=args.modulate)


def _pairs(z) -> list:
    """Complex array (..., n) → nested lists of [re, im]."""
    z = np.asarray(z)
    return np.stack([z.real, z.imag], axis=-1).tolist()


def driven_json(ev, params, options, drive, grid) -> dict:
    return {
        "parameters": parameters_block(params, options),
        "model": options.model, "units_reading": options.units, "coupling": options.coupling, "bath": options.bath,
        "pair": list(ev.pair), "modes": list(ev.modes), "method": ev.method, "rtol": ev.rtol,
        "drive": drive.describe(), "time_grid": grid,
        "times": ev.times.tolist(), "E_N": ev.E_N.tolist(), "E_N_formal": ev.E_N_formal.tolist(),
        "E_N_ci": None if ev.E_N_ci is None else ev.E_N_ci.tolist(),
        "alpha": _pairs(ev.alpha), "beta": _pairs(ev.beta),
        "effective_detuning": ev.detuning.tolist(), "power": ev.power.tolist(),
        "bona_fide": ev.bona_fide.tolist(), "covariance_final": ev.covariance_final.tolist(),
        "final_lyapunov_E_N": ev.final_lyapunov_E_N,
        "stable_at_t_end": None if ev.final_max_re_eigenvalue is None else bool(ev.final_max_re_eigenvalue < 0),
        "max_re_eigenvalue_at_t_end": ev.final_max_re_eigenvalue,
        "metrics": ev.metrics.as_dict(),
        "trajectories": ev.n_trajectories, "seed": ev.seed, "stats": ev.stats,
    }


#: a driven run integrates over at most this many of its fastest time scales (ODE steps ~ one per scale)
MAX_DRIVEN_SCALES = 1e7
#: a drive that never settles (modulations, sine envelopes, frequency offsets) keeps every oscillation
#: resolved: LSODA spent 30–170 right-hand-side evaluations per fastest time scale on such runs (measured on
#: the paper's and the two-channel model, rtol 1e-6 … 1e-10), so more than this many scales cannot finish
#: within the solver's evaluation budget whatever the tolerance
EVALUATIONS_PER_SCALE = 30


def _never_settles(drive) -> bool:
    """True for a drive that keeps changing for ever (no relaxation to a constant drift to step over)."""
    return bool(drive.modulations) or drive.period is not None or any(
        p.frequency_offset or p.phase_function is not None or any(e.kind in ("sine", "function") for e in p.envelope)
        for p in drive.pumps)


def modulation_rate(drive, omega_m) -> float:
    """Upper bound (rad/s) on what the modulations add to |λ(A(t))|: Σ|depth|·max ω_m (spring and detuning
    modulations shift drift elements by m(t)·ω_m)."""
    w = float(np.max(np.abs(np.asarray(omega_m, float)))) if omega_m is not None and np.size(omega_m) else 0.0
    return sum(abs(m.depth) for m in drive.modulations) * w


def _ringing(A, span: float, rtol: float) -> tuple[float, float, str]:
    """(periods, longest span, why) of the oscillation of A that rings longest within ``span``: a mode
    λ = −γ + iω stays above ``rtol`` for ln(1/rtol)/γ, and the integrator must follow each of its periods
    (a weakly damped mirror rings for ~1e5 periods over the default span of 12 relaxation times)."""
    from ..solvers.meanfield_dynamics import MAX_RHS_EVALUATIONS

    lam = np.linalg.eigvals(np.asarray(A, float))
    best = (0.0, math.inf, "")
    for v in lam:
        gamma, omega = -float(v.real), abs(float(v.imag))
        if gamma <= 0 or omega == 0:
            continue  # growth is reported elsewhere; a real eigenvalue does not oscillate
        t_ring = min(span, math.log(1.0 / rtol) / gamma)
        periods = t_ring * omega / (2 * np.pi)
        if periods > best[0]:
            t_max = MAX_RHS_EVALUATIONS / EVALUATIONS_PER_SCALE * 2 * np.pi / omega
            best = (periods, t_max, f"an oscillation of A at {omega / (2 * np.pi):.4g} Hz damped at {gamma:.3g} 1/s "
                                    f"rings for {t_ring:.3g} s above rtol {rtol:g}")
    return best


def _span_error(max_span: float, *args) -> ParameterError:
    """The ParameterError of a span beyond the solver's budget, carrying the longest span that fits."""
    err = ParameterError(*args)
    err.max_span = max_span
    return err


def check_driven_work(A, drive, times, omega_m=None, span_name: str = "t-end", default_span: bool = False,
                      rtol: float = 1e-10) -> None:
    """Refuse, before integrating, a span the ODE would need more than :data:`MAX_DRIVEN_SCALES` steps for
    (e.g. a modulation at 1e300 Hz or of depth 1e300, or a ramp of 1e300 s with the default span), and a drive
    that never settles over more of its fastest time scales than the solver's evaluation budget can cover
    (:data:`EVALUATIONS_PER_SCALE`)."""
    from ..errors import WorkTooLargeError
    from ..solvers.meanfield_dynamics import MAX_RHS_EVALUATIONS

    lam = float(np.max(np.abs(np.linalg.eigvals(np.asarray(A, float))))) + modulation_rate(drive, omega_m)
    scales = [2 * np.pi / lam] if lam > 0 else []
    scales += [s for s in (drive.time_scales or ()) if s > 0 and math.isfinite(s)]
    span = float(times[-1])
    if not math.isfinite(span):
        raise ParameterError(span_name, span, "a finite span (the drive's time scales give none)")
    fast = min(scales) if scales else span
    steps = span / fast if fast > 0 else math.inf  # a modulation of depth 1e300 leaves no time scale at all
    if not math.isfinite(steps) or steps > MAX_DRIVEN_SCALES:
        advice = ("a shorter --t-end or a slower or weaker drive" if span_name == "t-end" else
                  "a faster (shorter-period) or weaker modulation")
        raise WorkTooLargeError(f"a driven run over {span:.3g} s with time scales down to {fast:.3g} s",
                                "more than 1e308 steps" if not math.isfinite(steps) else f"{steps:.2g} steps",
                                f"{MAX_DRIVEN_SCALES:.0e} steps", advice)
    limit = MAX_RHS_EVALUATIONS / EVALUATIONS_PER_SCALE
    ring, t_max, why = _ringing(A, span, rtol)
    if ring > limit and not (_never_settles(drive) and steps > limit):
        raise _span_error(t_max,
            span_name, f"{span:.3g} s" + (" (default)" if default_span else ""),
            f"at most {t_max:.2g} s: {why}, and resolving its {ring:.2g} periods needs more than the solver's "
            f"{MAX_RHS_EVALUATIONS:.0e} evaluations" + ("" if span_name != "t-end" else
                                                         "; the state it relaxes to: cascom steady"))
    if _never_settles(drive) and steps > limit:
        what = "the default span" if default_span else "a span"
        raise _span_error(limit * fast,
            span_name, f"{span:.3g} s" + (" (default)" if default_span else ""),
            f"at most {limit * fast:.2g} s: a drive that never settles is integrated oscillation by oscillation, "
            f"and {what} of {steps:.2g} of its fastest time scales ({fast:.3g} s) needs more than the solver's "
            f"{MAX_RHS_EVALUATIONS:.0e} evaluations" + ("" if span_name != "t-end" else
                                                         "; for the periodic steady state use cascom floquet"))


def _report_unstable_end(args, system, options, pair) -> bool:
    """Where the drive ends at an unstable operating point there is no build-up to resolve: the mean fields
    and fluctuations grow without bound (and the default span, set by relaxation, does not exist).  Say so,
    with the growth rate, instead of integrating until the budget runs out; ``--t-end`` still integrates."""
    from ..gaussian import assess_stability

    stab = assess_stability(system.model.drift)
    if stab.stable:
        return False
    note = (f"the drive ends at an unstable operating point: max Re λ(A) = {stab.max_re_eigenvalue:.4g} 1/s "
            "(growth time {:.3g} s); no steady state to switch on to, so the linearized fluctuations grow without "
            "bound. Give --t-end to integrate the transient before it diverges, or choose a stable point "
            "(cascom steady)").format(1.0 / stab.max_re_eigenvalue)
    if args.json:
        print(dumps({"model": options.model if options else system.model.label, "pair": list(pair), "stable": False,
                     "max_re_eigenvalue": stab.max_re_eigenvalue, "growth_rate": stab.max_re_eigenvalue,
                     "E_N": None, "times": None, "warnings": [note]}))
    else:
        print(f"cascom evolve — time-dependent drive, model {options.model}, units reading {options.units}, "
              f"coupling {options.coupling}, bath {options.bath}, pair {','.join(pair)}")
        print(f"  stable: False  (growth rate: {stab.max_re_eigenvalue:.4g} 1/s)")
        print(f"  {note}")
    return True


def run_driven_evolve(args, params, options, pair) -> int:
    """``cascom evolve`` with a time-dependent drive: mean fields α(t), β(t) and V(t) around them."""
    from ..solvers.meanfield_dynamics import driven_system
    from ..solvers.timedep import default_times, evolve_driven, evolve_driven_ensemble

    drive = drive_from_args(args)
    if args.method == "euler":
        raise ParameterError("method", "euler", "covariance, ode, piecewise or langevin with a time-dependent drive")
    system = driven_system(params, options, drive)
    from .common import check_times_memory, memory_budget

    budget = memory_budget(args)
    d = system.diffusion.shape[0]
    if args.points is not None:  # before the grid itself is allocated
        check_times_memory(args.points, d + 1, budget)
    if args.t_end is None and not drive.period and _report_unstable_end(args, system, options, pair):
        return 0
    times, grid = default_times(system.model.drift, drive)
    if args.t_end is not None:
        if not (math.isfinite(args.t_end) and args.t_end > 0):
            raise ParameterError("t-end", args.t_end, "a finite time > 0 (s)")
        n = args.points or 201
        times = np.linspace(0.0, args.t_end, n)
        grid = {**grid, "t_end": args.t_end, "points": n, "resolved": bool(args.t_end / (n - 1) <= grid["fast"] / 4)}
    elif args.points is not None:
        times = np.linspace(0.0, times[-1], args.points)
        grid = {**grid, "points": args.points, "resolved": bool(times[1] <= grid["fast"] / 4)}
    try:
        check_driven_work(system.model.drift, drive, times, system.omega_m, default_span=args.t_end is None,
                          rtol=args.rtol)
    except ParameterError as exc:
        cap = getattr(exc, "max_span", None)
        if args.t_end is not None or cap is None or not cap > 0:
            raise
        # the default span is ours, not the user's: say so, and which --t-end would run (the up-front estimate
        # counts 30 solver evaluations per period; 30–170 were measured, hence a fifth of its limit)
        raise ParameterError("t-end", f"not given (the default span, {times[-1]:.3g} s, lets the state settle)",
                             f"a --t-end of at most ~{0.2 * cap:.2g} s here ({exc.allowed.split(': ', 1)[-1]})") from None
    check_times_memory(times.size, d + 1, budget)  # V(t) with the means, and the solver's copies
    if args.method == "langevin":
        from ..progress import NoProgress, TqdmProgress

        ev = evolve_driven_ensemble(system, times, args.trajectories, pair=pair, seed=args.seed, rtol=args.rtol,
                                    tolerance=args.tolerance, progress=NoProgress() if args.json else TqdmProgress(),
                                    max_trajectory_steps=args.max_steps, max_memory=budget)
    else:
        ev = evolve_driven(system, times, pair=pair, method="piecewise" if args.method == "piecewise" else "ode",
                           rtol=args.rtol, tolerance=args.tolerance)
    if args.plot:
        from ..report.timedep_plots import plot_driven

        plot_driven(ev, args.plot, options, params)
    if args.json:
        print(dumps(driven_json(ev, params, options, drive, grid)))
        return 0
    m = ev.metrics

    fmt = metric_text
    print(f"cascom evolve — time-dependent drive, method {ev.method}, model {options.model}, units reading "
          f"{options.units}, coupling {options.coupling}, bath {options.bath}, pair {','.join(pair)}")
    relax = "none (unstable)" if grid["relax"] is None else f"{grid['relax']:.3g} s"
    print(f"  t_end = {times[-1]:.4g} s, {times.size} points (slowest relaxation {relax},"
          f" fastest scale {grid['fast']:.3g} s{'' if grid['resolved'] else '; NOT resolved'}), rtol {ev.rtol:g}")
    if ev.final_max_re_eigenvalue is not None and ev.final_max_re_eigenvalue >= 0:
        g = ev.final_max_re_eigenvalue
        print(f"  stable: False at t_end  (growth rate: {num(g, '.4g', ' 1/s')}"
              + (f", growth time {1.0 / g:.3g} s" if g > 0 else "") + "): the fluctuations grow without bound "
              "and never settle")
    a = ev.alpha[-1]
    print(f"  |α(t_end)|² = {', '.join(f'{x:.5g}' for x in np.abs(a) ** 2)};  steady |α|² = "
          f"{', '.join(f'{x:.5g}' for x in np.abs(system.model.mean_fields.alpha) ** 2)}")
    print(f"  E_N(t_end) = {num(ev.E_N[-1], '.6g')};  Lyapunov at the final drift: "
          f"{num(ev.final_lyapunov_E_N, '.6g')}")
    born = "detected (95 %) by" if (m.birth_time.note or "").startswith("detection") else "birth"
    at = f" at {fmt(m.time_of_max, 1, ' s')}" if m.max_E_N.value is not None else ""  # else the note says why
    print(f"  {born}: {fmt(m.birth_time, 1, ' s')};  max E_N: {fmt(m.max_E_N, spec='.6g')}{at};  "
          f"settled within {m.tolerance:g} from {fmt(m.settling_time, 1, ' s')}")
    print(f"  wall time: {ev.stats['wall_time_s']:.3g} s" + (f", plot {args.plot}" if args.plot else ""))
    return 0

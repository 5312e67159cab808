"""Time-dependent drives on the command line: ``--drive/--ramp/--modulate`` of ``cascom evolve`` and ``cascom floquet``."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from .common import dumps, parameters_block


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
        "metrics": ev.metrics.as_dict(),
        "trajectories": ev.n_trajectories, "seed": ev.seed, "stats": ev.stats,
    }


#: a driven run integrates over at most this many of its fastest time scales (ODE steps ~ one per scale)
MAX_DRIVEN_SCALES = 1e7


def check_driven_work(A, drive, times) -> None:
    """Refuse, before integrating, a span the ODE would need more than :data:`MAX_DRIVEN_SCALES` steps for
    (e.g. a modulation at 1e300 Hz, or a ramp of 1e300 s with the default span)."""
    from ..errors import WorkTooLargeError

    lam = float(np.max(np.abs(np.linalg.eigvals(np.asarray(A, float)))))
    scales = [2 * np.pi / lam] if lam > 0 else []
    scales += [s for s in (drive.time_scales or ()) if s > 0 and math.isfinite(s)]
    span = float(times[-1])
    if not math.isfinite(span):
        raise ParameterError("t-end", span, "a finite span (the drive's time scales give none)")
    fast = min(scales) if scales else span
    steps = span / fast
    if not math.isfinite(steps) or steps > MAX_DRIVEN_SCALES:
        raise WorkTooLargeError(f"a driven run over {span:.3g} s with time scales down to {fast:.3g} s",
                                "more than 1e308 steps" if not math.isfinite(steps) else f"{steps:.2g} steps",
                                f"{MAX_DRIVEN_SCALES:.0e} steps", "a shorter --t-end or slower drive")


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
    check_driven_work(system.model.drift, drive, times)
    if args.method == "langevin":
        from ..progress import NoProgress, TqdmProgress

        ev = evolve_driven_ensemble(system, times, args.trajectories, pair=pair, seed=args.seed, rtol=args.rtol,
                                    tolerance=args.tolerance, progress=NoProgress() if args.json else TqdmProgress())
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

    def fmt(metric, scale=1.0, unit=""):
        if metric.value is None:
            return "—" + (f" ({metric.note})" if metric.note else "")
        ci = "" if metric.ci is None else f" (95 %: {metric.ci[0] * scale:.4g} … {metric.ci[1] * scale:.4g})"
        return f"{metric.value * scale:.4g}{unit}{ci}"

    print(f"cascom evolve — time-dependent drive, method {ev.method}, model {options.model}, units reading "
          f"{options.units}, coupling {options.coupling}, bath {options.bath}, pair {','.join(pair)}")
    print(f"  t_end = {times[-1]:.4g} s, {times.size} points (slowest relaxation {grid['relax'] or float('nan'):.3g} s,"
          f" fastest scale {grid['fast']:.3g} s{'' if grid['resolved'] else '; NOT resolved'}), rtol {ev.rtol:g}")
    a = ev.alpha[-1]
    print(f"  |α(t_end)|² = {', '.join(f'{x:.5g}' for x in np.abs(a) ** 2)};  steady |α|² = "
          f"{', '.join(f'{x:.5g}' for x in np.abs(system.model.mean_fields.alpha) ** 2)}")
    print(f"  E_N(t_end) = {ev.E_N[-1]:.5g};  Lyapunov at the final drift: "
          f"{'—' if ev.final_lyapunov_E_N is None else f'{ev.final_lyapunov_E_N:.5g}'}")
    print(f"  birth: {fmt(m.birth_time, 1, ' s')};  max E_N: {fmt(m.max_E_N)} at {fmt(m.time_of_max, 1, ' s')};  "
          f"settled within {m.tolerance:g} from {fmt(m.settling_time, 1, ' s')}")
    print(f"  wall time: {ev.stats['wall_time_s']:.3g} s" + (f", plot {args.plot}" if args.plot else ""))
    return 0

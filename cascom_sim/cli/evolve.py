"""``cascom evolve``: covariance ODE and Langevin ensembles from the command line."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from .common import (
    add_execution_arguments,
    check_times_memory,
    dumps,
    execution_from_args,
    memory_budget,
    metric_text,
    model_attributes,
    model_block,
    model_from_args,
    num,
    parameters_block,
    refuse_network,
    resolve,
)
from .driven import add_drive_arguments, run_driven_evolve, wants_drive

#: Euler–Maruyama's step is chosen so that h·max|λ(A)| ≤ this; beyond the budget we refuse.
EULER_STEP_FACTOR = 3e-3
EULER_BUDGET = 2e9  # trajectory-steps


def register(sub, common) -> None:
    p = sub.add_parser("evolve", parents=[common], help="covariance ODE or Langevin ensemble in time")
    p.add_argument("--method", choices=("covariance", "ode", "piecewise", "langevin", "euler"), default="covariance",
                   help="piecewise: midpoint-frozen exact propagators (time-dependent drives only)")
    p.add_argument("--t-end", type=float, default=None, metavar="SECONDS",
                   help="end time (default: from the spectrum of A — 12 slowest relaxation times, after the "
                        "drive's last switching time)")
    p.add_argument("--points", type=int, default=None,
                   help="output times, including t = 0 (default: 201 with --t-end, else enough to resolve the "
                        "fastest time scale of A and of the drive)")
    p.add_argument("--trajectories", type=int, default=4000, metavar="N",
                   help="Langevin/Euler ensemble size, at least 32 (default 4000; the 95 %% intervals shrink as "
                        "1/√N)")
    p.add_argument("--seed", type=int, default=0, help="seed of the ensemble's noise (default 0): same seed, same run")
    p.add_argument("--substeps", type=int, default=None, help="Euler steps per output interval (default: automatic)")
    p.add_argument("--tolerance", type=float, default=1e-3, help="E_N tolerance for the convergence time")
    p.add_argument("--max-steps", type=float, default=None, metavar="N",
                   help="refuse ensembles above N trajectory-steps (default 1e11, about 4 h on one core)")
    p.add_argument("--out", metavar="FILE.nc", help="NetCDF of E_N(t) (with its 95 %% interval), the occupations "
                   "and V(t)")
    p.add_argument("--plot", metavar="FILE.png", help="figure of E_N(t) and the occupations (.png, .pdf, .svg, …)")
    add_execution_arguments(p)
    add_drive_arguments(p)
    p.set_defaults(func=cmd_evolve)


def _evolution_dataset(ev, params):
    import xarray as xr

    from ..runs.storage import parameter_attributes

    ci = ev.E_N_ci if ev.E_N_ci is not None else np.full((ev.times.size, 2), np.nan)
    described = model_attributes(ev.model)
    attrs = {"title": "cascom_sim evolution", "method": ev.method, **described,
             "pair": ",".join(ev.pair), "stable": int(ev.stable),
             "noise_physical": int(ev.noise_physical),
             "stationary_E_N": np.nan if ev.stationary_E_N is None else ev.stationary_E_N}
    if ev.n_trajectories:  # an ensemble's size and seed; a deterministic run has neither (no 0 / -1 stand-ins)
        attrs.update(trajectories=ev.n_trajectories, seed=ev.seed)
    if params is not None:
        attrs.update(parameter_attributes(params))
    q = [f"{x}{m}" for m in ev.modes for x in ("X", "Y")]
    return xr.Dataset(
        {"covariance": (("time", "row", "col"), ev.covariances),
         "E_N": ("time", ev.E_N), "E_N_ci_low": ("time", ci[:, 0]), "E_N_ci_high": ("time", ci[:, 1]),
         "bona_fide": ("time", ev.bona_fide.astype(np.int8)),
         "occupation": (("time", "mode"), ev.occupations)},
        coords={"time": ("time", ev.times, {"units": "s"}), "row": q, "col": q, "mode": list(ev.modes)},
        attrs=attrs)


def evolve_json(ev, params) -> dict:
    m = ev.metrics
    return {
        "parameters": None if params is None else parameters_block(params, ev.model.options),
        **model_block(ev.model), "pair": list(ev.pair),
        "method": ev.method, "stable": ev.stable, "noise_physical": ev.noise_physical,
        "max_re_eigenvalue": ev.max_re_eigenvalue,
        "times": ev.times.tolist(), "E_N": ev.E_N.tolist(),
        "E_N_ci": None if ev.E_N_ci is None else ev.E_N_ci.tolist(),
        "bona_fide": ev.bona_fide.tolist(),
        "occupations": ev.occupations.tolist(), "occupation_modes": list(ev.modes),
        "covariance_final": ev.covariance_final.tolist(),
        "stationary_E_N": ev.stationary_E_N,
        "bona_fide_until": m.bona_fide_until,
        "convergence_time": m.convergence_time, "convergence_tolerance": m.tolerance,
        "max_E_N": m.max_E_N, "time_of_max_E_N": m.time_of_max, "birth_time": m.birth_time,
        "growth_rate": m.growth_rate, "finite_until": m.finite_until,
        "trajectories": ev.n_trajectories, "seed": ev.seed, "stats": ev.stats,
        "transient_metrics": _interpolated(ev),
    }


def _interpolated(ev) -> dict | None:
    """Birth, maximum and settling interpolated between samples; for ensembles each with its 95 % jackknife
    interval, withheld (null with a note) where the interval is wider than the value."""
    tm = _interpolated_metrics(ev)
    return None if tm is None else tm.as_dict()


def _interpolated_metrics(ev):
    """The :class:`~cascom_sim.solvers.timedep.InterpolatedMetrics` of an evolution (None if unstable)."""
    from ..solvers.timedep import formal_log_negativity, interpolated_metrics, time_scales

    if not np.all(np.isfinite(ev.covariances)) or not ev.stable:
        return None
    formal = formal_log_negativity(ev.covariances, ev.pair, tuple(ev.model.modes))
    groups = None if ev.E_N_groups is None else np.asarray(ev.E_N_groups).T
    if groups is not None and not np.all(np.isfinite(groups)):
        return None
    dt = float(np.max(np.diff(ev.times))) if ev.times.size > 1 else 0.0
    resolved = dt <= time_scales(ev.model.drift)["fast"] / 4
    return interpolated_metrics(ev.times, formal, ev.metrics.tolerance, resolved, groups)


def check_evolve_arguments(args) -> None:
    """The numbers of ``cascom evolve`` that are not physics parameters, refused before any work."""
    if args.points is not None and args.points < 2:
        raise ParameterError("points", args.points, "an integer ≥ 2")
    if args.t_end is not None and not (math.isfinite(args.t_end) and args.t_end > 0):
        raise ParameterError("t-end", args.t_end, "a finite time > 0 (s)")
    if not (math.isfinite(args.tolerance) and args.tolerance >= 0):
        raise ParameterError("tolerance", args.tolerance, "a finite number ≥ 0 (E_N)")
    if args.seed < 0:
        raise ParameterError("seed", args.seed, "an integer ≥ 0")
    if args.substeps is not None and args.substeps < 1:
        raise ParameterError("substeps", args.substeps, "an integer ≥ 1 (or omit it for the automatic step)")
    if args.method in ("langevin", "euler") and args.trajectories < 32:
        raise ParameterError("trajectories", args.trajectories, "an integer ≥ 32")
    if args.max_steps is not None and not (math.isfinite(args.max_steps) and args.max_steps > 0):
        raise ParameterError("max-steps", args.max_steps, "a number > 0")


def cmd_evolve(args) -> int:
    from ..models.network import initial_network_covariance
    from ..progress import NoProgress, TqdmProgress
    from ..solvers.dynamics import (
        check_time_span,
        evolve_covariance,
        evolve_ensemble,
        fastest_rate,
        initial_covariance,
    )

    params, options, pair = resolve(args)
    check_evolve_arguments(args)
    if wants_drive(args):
        refuse_network(args, "a time-dependent drive")
        return run_driven_evolve(args, params, options, pair)
    if args.method == "piecewise":
        raise ParameterError("method", "piecewise", "covariance, ode, langevin or euler without a time-dependent drive")
    model = model_from_args(args, params, options)
    if args.network is not None:
        params = None  # the network's nodes carry its parameters
    budget = memory_budget(args)
    d = model.drift.shape[-1]
    n_points = args.points or (2001 if args.t_end is None else 201)
    check_times_memory(n_points, d, budget)  # V(t) and its copies, before anything is allocated
    if args.t_end is None:
        # resolve the build-up: span and step from the spectrum of A (5/γ_m drew a step on a 0.2 µs transient)
        from ..solvers.timedep import default_times

        times, _grid = default_times(model.drift, max_points=args.points or 2001)
        if args.points:
            times = np.linspace(0.0, times[-1], args.points)
        t_end = float(times[-1])
    else:
        t_end = args.t_end
        check_time_span(model.drift, [t_end], args.method)
        times = np.linspace(0.0, t_end, args.points or 201)
    V0 = initial_covariance(params) if params is not None else initial_network_covariance(args.network)
    progress = NoProgress() if args.json else TqdmProgress()
    if args.method in ("covariance", "ode"):
        ev = evolve_covariance(model, times, V0, pair, method=args.method, tolerance=args.tolerance)
    else:
        substeps = 1
        if args.method == "euler":
            substeps = args.substeps
            if substeps is None:
                rate = fastest_rate(model.drift)
                want = (times[1] - times[0]) * rate / EULER_STEP_FACTOR
                cost = max(1.0, want) * (times.size - 1) * args.trajectories
                if not math.isfinite(cost) or cost > EULER_BUDGET:
                    raise ParameterError(
                        "method", "euler",
                        f"a run Euler–Maruyama can afford: h·max|λ| ≤ {EULER_STEP_FACTOR} needs {cost:.2g} "
                        f"trajectory-steps (> {EULER_BUDGET:.0e}); shorten --t-end or use --method langevin, "
                        "exact at any step")
                substeps = max(1, math.ceil(want))
        execution, cleanup = execution_from_args(args, args.out)
        limits = {"max_memory": budget}
        if args.max_steps is not None:
            limits["max_trajectory_steps"] = args.max_steps
        ev = evolve_ensemble(model, times, V0, args.trajectories, seed=args.seed, pair=pair, method=args.method,
                             substeps=substeps, progress=progress, tolerance=args.tolerance, execution=execution,
                             **limits)
    if args.out:
        from ..runs.storage import save_dataset

        save_dataset(_evolution_dataset(ev, params), args.out)
        if args.method in ("langevin", "euler") and cleanup:
            import shutil

            shutil.rmtree(cleanup, ignore_errors=True)
    if args.plot:
        from ..report.plotting import plot_evolution

        plot_evolution(ev, args.plot, params=params)
    if args.json:
        print(dumps(evolve_json(ev, params)))
    else:
        m = ev.metrics
        print(f"cascom evolve — method {ev.method}, model {ev.model.label}, units reading {options.units}, "
              f"coupling {options.coupling}, bath {options.bath}, modes {','.join(ev.modes)}, pair {','.join(ev.pair)}")
        print(f"  stable: {ev.stable}   noise physical: {ev.noise_physical}   "
              f"growth rate: {num(m.growth_rate, '.4g', ' 1/s')}")
        print(f"  t_end = {t_end:.4g} s, {times.size} points"
              + (f", {ev.n_trajectories} trajectories, seed {ev.seed}" if ev.n_trajectories else ""))
        ci = "" if ev.E_N_ci is None or not np.isfinite(ev.E_N_ci[-1]).all() else \
            f"  (95 %: {ev.E_N_ci[-1, 0]:.4g} … {ev.E_N_ci[-1, 1]:.4g})"
        print(f"  E_N(t_end) = {num(ev.E_N[-1], '.6g')}{ci};  stationary (Lyapunov) E_N = "
              f"{num(ev.stationary_E_N, '.6g')}")
        tm = _interpolated_metrics(ev)
        if tm is not None:  # interpolated between samples; for ensembles with intervals, withheld where noisy
            born = "detected (95 %) by" if (tm.birth_time.note or "").startswith("detection") else "birth"
            # a withheld maximum's note already says why its time is not given
            at = f" at {metric_text(tm.time_of_max, 1, ' s')}" if tm.max_E_N.value is not None else ""
            print(f"  {born}: {metric_text(tm.birth_time, 1, ' s')};  max E_N: {metric_text(tm.max_E_N, spec='.6g')}"
                  f"{at};  within {tm.tolerance:g} of stationary from: "
                  f"{metric_text(tm.settling_time, 1, ' s')}")
        else:
            print(f"  max E_N = {num(m.max_E_N, '.6g')} at t = {num(m.time_of_max, '.4g', ' s')};  "
                  f"birth: {num(m.birth_time, '.4g', ' s')};  "
                  f"within {m.tolerance:g} of stationary from: {num(m.convergence_time, '.4g', ' s')}")
        print(f"  V(t) bona fide until: {num(m.bona_fide_until, '.4g', ' s') if m.bona_fide_until else 'always'}"
              + (f";  V(t) overflows (unstable growth) from t = {m.finite_until:.4g} s: no E_N after that"
                 if m.finite_until is not None else ""))
        print(f"  wall time: {ev.stats['wall_time_s']:.3g} s" + (f" → {args.out}" if args.out else "")
              + (f", plot {args.plot}" if args.plot else ""))
    return 0

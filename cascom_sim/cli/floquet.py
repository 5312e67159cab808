"""``cascom floquet``: Floquet multipliers and the periodic steady state of a periodically driven model."""

from __future__ import annotations

import sys

from ..errors import ParameterError
from ..gaussian import is_noise_physical
from ..gaussian.stability import max_real_eigenvalue
from .common import check_times_memory, dumps, num, parameters_block, refuse_network, resolve
from .driven import _pairs, add_drive_arguments, check_driven_work, drive_from_args

#: V(t) over the period is kept in memory; floquet has no --max-memory, so this fixed budget (bytes)
FLOQUET_MEMORY = 4e9


def register(sub, common) -> None:
    p = sub.add_parser("floquet", parents=[common],
                       help="periodic drive: Floquet multipliers and the periodic steady state over one period")
    add_drive_arguments(p, periodic=True)
    p.add_argument("--points", type=int, default=101, help="output times over one period (default 101)")
    p.add_argument("--method", choices=("ode", "piecewise"), default="ode",
                   help="monodromy by solve_ivp (default) or by composed midpoint propagators")
    p.add_argument("--steps", type=int, default=256, help="midpoint steps per period for --method piecewise")
    p.add_argument("--plot", metavar="FILE.png",
                   help="figure of E_N over one period and the drive (.png, .pdf, .svg, …)")
    p.set_defaults(func=cmd_floquet)


def cmd_floquet(args) -> int:
    from ..solvers.meanfield_dynamics import driven_system

    params, options, pair = resolve(args)
    refuse_network(args, "cascom floquet")
    drive = drive_from_args(args)
    if drive.period is None:
        raise ParameterError("drive", "not periodic", "a periodic drive: --modulate NAME:DEPTH:FREQ or sine "
                                                      "envelopes/modulations with commensurate frequencies")
    if args.points < 3:
        raise ParameterError("points", args.points, "an integer ≥ 3")
    if args.steps < 1:
        raise ParameterError("steps", args.steps, "an integer ≥ 1 (midpoint steps per period)")
    system = driven_system(params, options, drive)
    d = system.diffusion.shape[0]
    check_times_memory(args.points, d + 1, FLOQUET_MEMORY, "fewer --points")
    check_driven_work(system.model.drift, drive, [0.0, drive.period], system.omega_m, span_name="drive period",
                      rtol=args.rtol)
    growth = float(max_real_eigenvalue(system.model.drift))
    if growth * drive.period > 1:  # say so before a search that can take long and fail (e.g. 18 s at the paper's point)
        print(f"cascom: note: without the modulation this point is unstable (max Re λ = {growth:.4g} 1/s, a growth "
              f"of e^{growth * drive.period:.3g} over one period): a periodic state is unlikely and the "
              "integration may take long or fail; cascom steady shows the unmodulated point", file=sys.stderr)
    fl = _floquet(system, pair, args)
    if args.plot:
        from ..report.timedep_plots import plot_floquet

        plot_floquet(fl, args.plot, system, options, params)
    if args.json:
        out = {
            "parameters": parameters_block(params, options), "model": options.model, "units_reading": options.units,
            "coupling": options.coupling, "bath": options.bath, "pair": list(pair), "drive": drive.describe(),
            "period": fl.period, "floquet_multipliers": _pairs(fl.multipliers),
            "max_abs_multiplier": fl.max_multiplier, "stable": fl.stable,
            "periodic_times": fl.times.tolist(),
            "periodic_E_N": None if fl.E_N is None else fl.E_N.tolist(),
            "periodic_E_N_mean": fl.E_N_mean, "periodic_E_N_max": fl.E_N_max, "time_of_max": fl.time_of_max,
            "unmodulated_E_N": fl.unmodulated_E_N, "closure": fl.closure,
            "noise_physical_unmodulated": bool(is_noise_physical(system.model.drift, system.model.diffusion)),
            "periodic_alpha": _pairs(system.alpha(fl.means)),
            "method": fl.method, "rtol": fl.rtol, "newton_iterations": fl.newton_iterations, "stats": fl.stats,
        }
        print(dumps(out))
        return 0
    print(f"cascom floquet — model {options.model}, units reading {options.units}, coupling {options.coupling}, "
          f"bath {options.bath}, pair {','.join(pair)}, method {fl.method}, rtol {fl.rtol:g}")
    mu = fl.max_multiplier
    # a period short against every time scale puts |μ| within rounding of 1: show how far from 1 it is
    mu_text = f"{mu:.6g}" if abs(mu - 1) >= 1e-5 else f"1 {'+' if mu >= 1 else '−'} {abs(mu - 1):.3g}"
    print(f"  period T = {fl.period:.6g} s;  max |Floquet multiplier| = {mu_text} "
          f"({'stable: periodic steady state exists' if fl.stable else 'UNSTABLE: no periodic steady state'})")
    noise_ok = bool(is_noise_physical(system.model.drift, system.model.diffusion))
    if not noise_ok:  # as cascom steady says: such (A, D) comes from no master equation
        print("  warning: the noise is unphysical at the unmodulated point (D + i(AΩ+ΩAᵀ)/2 has a negative "
              "eigenvalue): no master equation has this model")
    if fl.stable and fl.E_N is not None:
        print(f"  periodic E_N: mean {num(fl.E_N_mean, '.6g')}, max {num(fl.E_N_max, '.6g')} at t = "
              f"{num(fl.time_of_max, '.4g')} s (mod T);  unmodulated E_N = {num(fl.unmodulated_E_N, '.6g')}")
        print(f"  closure of the integrated period |V(T) − V(0)|/|V(0)| = {fl.closure:.2g}")
    print(f"  wall time: {fl.stats['wall_time_s']:.3g} s" + (f", plot {args.plot}" if args.plot else ""))
    return 0


def _floquet(system, pair, args):
    """:func:`floquet` with the integrator's advice put in floquet's terms (it has no --t-end)."""
    from ..solvers.floquet import floquet
    from ..solvers.meanfield_dynamics import IntegrationError

    try:
        return floquet(system, pair, points=args.points, rtol=args.rtol, method=args.method, steps=args.steps)
    except IntegrationError as exc:
        text = str(exc).replace("shorten --t-end or loosen --rtol",
                                "a faster or weaker modulation, or a looser --rtol")
        raise IntegrationError(text) from None

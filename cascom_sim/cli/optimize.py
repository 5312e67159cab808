"""``cascom optimize``: the largest (or smallest) measure of a pair over parameters within bounds."""

from __future__ import annotations

import numpy as np

from ..gaussian.measures import MEASURES
from ..runs.optimize import optimize
from ..runs.sweep import ENGINES
from .common import dumps, execution_from_args, num, resolve
from .steady import steady_json


def cmd_optimize(args) -> int:
    from ..errors import ParameterError

    params, options, pair = resolve(args)
    for text in args.vary:
        name = text.partition("=")[0].strip()
        if name in args.explicit_parameters:
            raise ParameterError(name, "both varied and fixed (--set or --config)", "either varied or fixed")
    net = args.network
    execution, _ = execution_from_args(args)
    start = {}
    for text in args.start:
        name, sep, value = text.partition("=")
        try:
            start[name.strip()] = float(value) if sep else float("nan")
        except ValueError:
            start[name.strip()] = float("nan")
        varied = [v.partition("=")[0].strip() for v in args.vary]
        if not np.isfinite(start[name.strip()]) or name.strip() not in varied:
            raise ParameterError("start", text, "NAME=VALUE with a finite number, NAME one of the --vary names: "
                                 + ", ".join(varied))
    res = optimize(args.vary, base=None if net else params, options=None if net else options, pair=pair,
                   network=net, x0=start or None, measure=args.measure,
                   maximize=not args.minimize, seed=args.seed, popsize=args.popsize, maxiter=args.maxiter,
                   polish=not args.no_polish, engine=args.engine, robustness_radius=args.radius,
                   require_noise_physical=False if args.allow_unphysical_noise else None,
                   threads=execution.threads, execution=execution)
    summary = {
        "measure": res.measure, "goal": "min" if args.minimize else "max", "pair": list(res.pair),
        "vary": [b.__dict__ for b in res.vary], "value": res.value, "x": res.x,
        "threads": execution.threads, "workers": execution.workers,
        "model": "network" if net else options.model, "units_reading": None if net else options.units,
        "coupling": net.coupling if net else options.coupling, "bath": None if net else options.bath,
        "model_file": args.model_file,
        "robustness": res.robustness, "stats": res.stats,
        "history": res.history if args.history else None,
        "steady": steady_json(res.steady),
    }
    if args.json:
        print(dumps(summary))
        return 0
    goal = "minimum" if args.minimize else "maximum"
    what = (f"network {args.model_file} ({net.n_nodes} nodes, channels {net.channels}, coupling {net.coupling})"
            if net else f"model {options.model}, units reading {options.units}, coupling {options.coupling}, "
                        f"bath {options.bath}")
    print(f"cascom optimize — {what}, pair {','.join(res.pair)}")
    if res.value is None:
        need = "stable, physical noise, bona fide" if res.stats["require_noise_physical"] else "stable, bona fide"
        print(f"  no feasible point ({need}) found in the box after "
              f"{res.stats['evaluations']} evaluations")
        return 0
    print(f"  {goal} of {res.measure}: {res.value:.6g}")
    if not args.minimize and res.value == 0 and res.measure in ("E_N", "E_2", "steering_12", "steering_21"):
        print(f"  note: {res.measure} = 0 at every feasible point the search evaluated, so it had no slope to follow; "
              "--measure pt_nu --minimize grades how far each point is from entanglement (entangled where ν̃₋ < 1)")
    for k, v in res.x.items():
        print(f"  at {k} = {v:.6g}")
    rob = res.robustness
    print(f"  neighbourhood (±{100 * rob['radius']:g} % of each range, {rob['samples']} points): "
          f"{res.measure} {rob['min']:.6g} … {rob['max']:.6g}, feasible fraction {rob['feasible_fraction']:.2f}")
    s = res.steady
    print(f"  steady state there: stable {s.stable}, noise physical {s.noise_physical}, bona fide {s.bona_fide}, "
          f"E_N {num(s.E_N, '.6g')}")
    if not res.stats["require_noise_physical"]:
        why = ("the quantum Brownian bath is not of Lindblad form at any point"
               if not net and options.bath == "brownian" else "--allow-unphysical-noise")
        print(f"  noise physicality was not required ({why}); stability and a bona fide state were required")
    print(f"  evaluations {res.stats['evaluations']}, generations {res.stats['generations']}, "
          f"wall time {res.stats['wall_time_s']:.3g} s, seed {res.stats['seed']}")
    return 0


def register(sub, common) -> None:
    outputs = [o for m in MEASURES.values() for o in m.outputs]
    p = sub.add_parser("optimize", parents=[common],
                       help="maximise (or minimise) a measure of a pair over parameters within bounds")
    p.add_argument("--vary", action="append", required=True, metavar="NAME=LO:HI",
                   help="a varied parameter and its bounds (repeatable); with --model-file also nodeK.NAME=LO:HI "
                        "(one node), linkK.eta / linkK.phi_pi (one link), NAME (every node or link)")
    p.add_argument("--start", action="append", default=[], metavar="NAME=VALUE",
                   help="a starting value of a varied parameter (repeatable): the point joins the initial population")
    p.add_argument("--measure", default="E_N", choices=outputs, help="what to optimise (default E_N)")
    p.add_argument("--minimize", action="store_true", help="minimise instead (e.g. duan, simon, squeezing_1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the differential evolution (default 0)")
    p.add_argument("--popsize", type=int, default=20, help="population per varied parameter (default 20)")
    p.add_argument("--maxiter", type=int, default=60, help="generations at most (default 60)")
    p.add_argument("--no-polish", action="store_true", help="skip the local L-BFGS-B polish")
    p.add_argument("--radius", type=float, default=0.01,
                   help="robustness neighbourhood: ± this fraction of each range (default 0.01)")
    p.add_argument("--allow-unphysical-noise", action="store_true",
                   help="accept points whose noise fails D + (i/2)(AΩ+ΩAᵀ) ≥ 0 (the quantum Brownian bath, never of Lindblad form, is searched without this check by default)")
    p.add_argument("--history", action="store_true", help="include the search history in --json")
    p.add_argument("--engine", choices=ENGINES, default="compiled",
                   help="per-point evaluation: compiled kernel (default) or the NumPy reference")
    g = p.add_argument_group("execution")
    g.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads evaluating each population (default: every core; with --workers/--scheduler: 1)")
    g.add_argument("--workers", type=int, default=1, metavar="N",
                   help="split each population over N local processes or Dask workers (worth it for --model-file "
                        "networks, whose members are built in Python)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="evaluate populations on this Dask scheduler (it runs the code it is sent: only a cluster "
                        "you trust)")
    p.set_defaults(checkpoint=None)
    p.set_defaults(func=cmd_optimize)

"""Arguments and helpers shared by every subcommand of the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..conventions import MODES
from ..errors import ParameterError
from ..gaussian import resolve_pair
from ..parameters import (
    BATHS,
    COUPLINGS,
    MODELS,
    SPECS,
    UNITS_READINGS,
    ModelOptions,
    Parameters,
    load_config,
    parse_assignment,
)
from ..runs.executor import Execution, available_cores


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        self.exit(2, f"cascom: error: {message}\n")


def common_arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("model and parameters")
    g.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter (repeatable), e.g. --set detuning=1.4; NAME among "
                        + ", ".join(f"{n} ({SPECS[n].unit})" for n in Parameters.names())
                        + "; frequencies are f = ω/2π, defaults the paper's Fig. 1(d)")
    g.add_argument("--config", metavar="FILE.toml", help="TOML file of parameters and an optional [options] table")
    g.add_argument("--model-file", metavar="NET.toml", default=None,
                   help="a network of N nodes described in a TOML file (examples/chain3.toml); --set then takes "
                        "nodeK.NAME=VALUE, linkK.NAME=VALUE, or NAME=VALUE for every node (every link for eta, phi_pi)")
    g.add_argument("--model", choices=MODELS, default=None, help="paper (default) or two-channel")
    g.add_argument("--units", choices=UNITS_READINGS, default=None, help="units reading (default consistent)")
    g.add_argument("--coupling", choices=COUPLINGS, default=None, help="g0 convention (default paper)")
    g.add_argument("--bath", choices=BATHS, default=None, help="mechanical bath (default paper)")
    g.add_argument("--pair", action="append", default=None, metavar="MODE,MODE",
                   help="mode pair for E_N (default b1,b2); sweep takes several (repeat, or 'b1,b2 a1,b1')")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def plot_formats() -> tuple[str, ...]:
    """File extensions matplotlib can write ('.png', '.pdf', …)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple("." + k for k in FigureCanvasBase.get_supported_filetypes())


def check_outputs(args) -> None:
    """--out and --plot must be writable files (and --plot a known format) before anything is computed."""
    from ..runs.storage import check_output_path

    out = getattr(args, "out", None)
    plot = getattr(args, "plot", None)
    if out is not None:
        check_output_path(out, "out")
    if plot is not None:
        check_output_path(plot, "plot", plot_formats())
    if out is not None and plot is not None and Path(out).absolute() == Path(plot).absolute():
        raise ParameterError("plot", plot, "a file other than --out")


def resolve(args) -> tuple[Parameters, ModelOptions, tuple[str, str]]:
    """Parameters, options and pair from --config, --set and the flags; outputs checked first.

    Sets ``args.explicit_parameters``: the names given in --config or --set (a swept axis may not be one).
    """
    check_outputs(args)
    if getattr(args, "model_file", None):
        return _resolve_network(args)
    args.network = None
    values: dict[str, Any] = {}
    opts: dict[str, Any] = {}
    if args.config:
        values, opts = load_config(args.config)
    for text in args.set:
        name, v = parse_assignment(text)
        values[name] = v
    args.explicit_parameters = set(values)
    params = Parameters.from_mapping(values)
    for key in ("model", "units", "coupling", "bath"):
        if getattr(args, key) is not None:
            opts[key] = getattr(args, key)
    pair_text = (pair_texts(args) or [" ".join(args.pair)])[0] if args.pair is not None else opts.pop("pair", None)
    pair_text = "b1,b2" if pair_text is None else pair_text
    opts.pop("pair", None)
    options = ModelOptions(**opts)
    unused = sorted(n for n in ("kappa_r_fraction", "kappa_l_fraction") if n in values) if options.model == "paper" else []
    if unused:
        import sys as _sys

        print(f"cascom: note: {', '.join(unused)} do{'es' if len(unused) == 1 else ''} not enter the paper's model "
              f"(its fibre channels have no κ split); {'it applies' if len(unused) == 1 else 'they apply'} with "
              "--model two-channel", file=_sys.stderr)
    if args.pair and len(pair_texts(args)) > 1 and not getattr(args, "several_pairs", False):
        raise ParameterError("pair", " ".join(pair_texts(args)), f"one pair for cascom {args.command}")
    pair = resolve_pair(str(pair_text), MODES)
    return params, options, pair


def _resolve_network(args):
    """--model-file: the network (on ``args.network``) with the --set overrides, and its pair."""
    from ..models.network import apply_assignment, load_network

    for flag in ("config", "model", "units", "bath"):
        if getattr(args, flag, None) is not None:
            raise ParameterError(flag, getattr(args, flag), "not given with --model-file (the file describes the model)")
    net, settings = load_network(args.model_file)
    names: set[str] = set()
    for text in args.set:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ParameterError("--set", text, "NAME=VALUE, nodeK.NAME=VALUE or linkK.NAME=VALUE")
        net = apply_assignment(net, name.strip(), value.strip())
        names.add(name.strip())
    if args.coupling is not None:
        import dataclasses

        net = dataclasses.replace(net, coupling=args.coupling)
    args.network = net
    args.explicit_parameters = names
    texts = pair_texts(args) if args.pair is not None else [settings.get("pair", "b1,b2")]
    if len(texts) > 1 and not getattr(args, "several_pairs", False):
        raise ParameterError("pair", " ".join(texts), f"one pair for cascom {args.command}")
    pair = resolve_pair(str(texts[0]), net.modes)
    return Parameters(), ModelOptions(), pair


def model_from_args(args, params, options):
    """The model the command line describes: the --model-file network, else the selected model at ``params``."""
    if getattr(args, "network", None) is not None:
        from ..models.network import network_model

        return network_model(args.network)
    from ..models import build_model

    return build_model(params, options)


def refuse_network(args, what: str) -> None:
    """A one-line error for subcommands (or modes) that do not take a --model-file network yet."""
    if getattr(args, "network", None) is not None:
        raise ParameterError("model-file", args.model_file, f"not with {what}: use cascom steady, evolve, master, sweep or optimize")


def pair_texts(args) -> list[str]:
    """Every ``--pair`` value, split on spaces and semicolons (``--pair 'b1,b2 a1,b1'``)."""
    return [t for text in (args.pair or []) for t in str(text).replace(";", " ").split()]


def add_execution_arguments(p) -> None:
    """--threads, --workers, --scheduler, --checkpoint for subcommands that run chunks."""
    g = p.add_argument_group("execution")
    g.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads of this process (default: every core it may use; with --workers/--scheduler: 1)")
    g.add_argument("--workers", type=int, default=1, metavar="N",
                   help="run chunks on a local Dask cluster of N workers (local processes if Dask is absent)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run chunks on this Dask scheduler (it runs the code it is sent: only a cluster you trust)")
    g.add_argument("--max-memory", type=float, default=4.0, metavar="GB",
                   help="refuse runs estimated to need more memory than this (default 4 GB)")
    g.add_argument("--checkpoint", default=None, metavar="DIR",
                   help="directory of finished chunks; rerun the same command to resume (default: OUT.chunks "
                        "when --out is given, removed after success)")


def memory_budget(args) -> float:
    """--max-memory in bytes (the flag is in GB)."""
    gb = args.max_memory
    if not (np.isfinite(gb) and gb > 0):
        raise ParameterError("max-memory", gb, "a number of GB > 0")
    return gb * 1e9


def check_times_memory(n_points: int, d: int, budget: float, override: str = "--max-memory GB") -> None:
    """Refuse, before anything is allocated, an output grid whose V(t) (and the solver's copies of it,
    ~4 × points × d² doubles) would not fit in ``budget`` bytes."""
    from ..errors import WorkTooLargeError

    need = float(n_points) * d * d * 8.0 * 4
    if need > budget:
        raise WorkTooLargeError(f"{n_points} output times", f"{need / 1e9:.3g} GB", f"{budget / 1e9:.3g} GB", override)


def execution_from_args(args, out=None):
    """An Execution from the flags; returns (execution, checkpoint dir to remove after success or None)."""
    import importlib.util
    import sys as _sys

    if args.workers < 1:
        raise ParameterError("workers", args.workers, "an integer ≥ 1")
    if args.threads is not None and args.threads < 1:
        raise ParameterError("threads", args.threads, "an integer ≥ 1")
    use_dask = bool(args.scheduler) or (args.workers > 1 and importlib.util.find_spec("distributed") is not None)
    if args.workers > 1 and not use_dask:
        print("cascom: note: Dask is not installed; using local processes", file=_sys.stderr)
    ck, cleanup = args.checkpoint, None
    if ck is None and out:
        ck = cleanup = str(out) + ".chunks"
    args.checkpoint_dir = ck  # where an interruption leaves finished chunks (see interrupted_message)
    threads = args.threads
    if threads is None:
        threads = 1 if (use_dask or args.workers > 1) else available_cores()
    return Execution(workers=args.workers, scheduler=args.scheduler, dask=use_dask, checkpoint=ck,
                     replace_checkpoint=cleanup is not None, keep_checkpoint=cleanup is None,
                     threads=threads), cleanup


def interrupted_message(args) -> str:
    """What Ctrl-C leaves behind, for the one line the command prints: the finished chunks kept and where, or
    that nothing can be resumed (no checkpoint, or no chunk had finished: a sweep's chunk holds many points)."""
    if getattr(args, "command", None) not in ("sweep", "evolve") or not hasattr(args, "checkpoint_dir"):
        return "interrupted"
    ck = args.checkpoint_dir
    if ck is None:
        return "interrupted; nothing was kept (give --checkpoint DIR or --out to make a rerun resume)"
    done = len(list(Path(ck).glob("chunk_*.npz"))) if Path(ck).is_dir() else 0
    if done == 0:
        return f"interrupted before any chunk had finished: nothing to resume in {ck}; a rerun starts again"
    return (f"interrupted; {done} finished chunk{'s' if done > 1 else ''} kept in {ck}: rerun the same command "
            "to resume")


def model_block(model) -> dict:
    """What a model is, for JSON: its label, modes and readings (see :meth:`LinearModel.describe`)."""
    return model.describe()


def model_attributes(model) -> dict:
    """:func:`model_block` as NetCDF attributes: names joined by commas, nodes and links as JSON text."""
    import json

    out = {}
    for k, v in model_block(model).items():
        if k in ("nodes", "links"):
            out[f"network_{k}"] = json.dumps(v)
        elif isinstance(v, list):
            out[k] = ",".join(map(str, v))
        else:
            out[k] = "" if v is None else v
    return out


def by_mode(model, values) -> dict | None:
    """A per-mode array as {mode name: value}."""
    return None if values is None else dict(zip(model.modes, np.asarray(values).tolist()))
def finite_or_none(obj):
    """``obj`` with every non-finite float (NaN, ±inf) replaced by None, recursively: JSON has no NaN."""
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return finite_or_none(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def dumps(obj) -> str:
    """Strict JSON (no NaN/Infinity tokens): non-finite numbers become null."""
    import json

    return json.dumps(finite_or_none(obj), allow_nan=False)


def num(x, spec: str = ".4g", unit: str = "") -> str:
    """A number for a table, or '—' where there is none (None, NaN, ±inf are never printed as numbers)."""
    if x is None or not np.isfinite(x):
        return "—"
    return format(float(x), spec) + unit


def metric_text(metric, scale: float = 1.0, unit: str = "", spec: str = ".4g") -> str:
    """A transient metric (value, 95 % interval, note) for a table: '—' with the reason where withheld."""
    if metric.value is None:
        return "—" + (f" ({metric.note})" if metric.note else "")
    ci = "" if metric.ci is None else f" (95 %: {metric.ci[0] * scale:{spec}} … {metric.ci[1] * scale:{spec}})"
    return f"{metric.value * scale:{spec}}{unit}{ci}"


def matrix(M) -> list | None:
    return None if M is None else np.asarray(M).tolist()


def parameters_block(params: Parameters, options: ModelOptions) -> dict:
    return {
        "values": params.as_dict(),
        "units": {n: SPECS[n].unit for n in Parameters.names()},
        "derived": params.derived(options.coupling),
    }



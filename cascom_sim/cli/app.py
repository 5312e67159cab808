"""The ``cascom`` command line.  Uses only the public API; user mistakes exit 2 with one line."""

from __future__ import annotations

import argparse
import atexit
import os
import shlex
import sys
import warnings

from .._version import __version__
from ..errors import CascomError, ParameterError
from . import evolve, floquet, master, optimize, steady, sweep, validate
from .common import Parser, common_arguments, interrupted_message

SUBCOMMANDS = (steady, sweep, optimize, evolve, floquet, master, validate)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cascom", description="Linearized cascaded cavity optomechanics (Liu et al., PRA 109, 023519).")
    parser.add_argument("--version", action="version", version=f"cascom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    common = common_arguments()
    for module in SUBCOMMANDS:
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0) as return codes
        return int(exc.code or 0)
    from ..runs.storage import recorded_command

    command = shlex.join(["cascom", *(sys.argv[1:] if argv is None else argv)])
    with warnings.catch_warnings(), recorded_command(command):  # files written record the command in `history`
        warnings.simplefilter("default")
        warnings.showwarning = _one_line_warning
        return _run(args)


def run() -> None:
    """The ``cascom`` executable: :func:`main`, then a quick exit.

    Once the command has finished (its files closed, the ``atexit`` handlers run, then its output flushed:
    what those handlers print is kept too), the process ends with :func:`os._exit`: tearing the interpreter
    down module by module (numba's compiled code, xarray, pandas) takes ~0.4 s and has nothing left to do.
    :func:`main` itself returns normally (tests and other Python code call it).
    """
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's; without it, exit the usual way
    if run_exit_handlers is None:
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    from tqdm import tqdm

    # tqdm.write clears a progress bar that is being drawn, prints the line and redraws the bar below it
    tqdm.write(f"cascom: warning: {message}", file=sys.stderr)


def _run(args) -> int:
    """Run a subcommand: a user's mistake exits 2, a solver's failure 1, each as one line on stderr."""
    try:
        return args.func(args)
    except ParameterError as exc:
        _say(f"error: {exc}")
        return 2
    except CascomError as exc:
        _say(f"failed: {exc}")
        return 1
    except KeyboardInterrupt:
        _say(interrupted_message(args))
        return 130
    except MemoryError:
        _say("failed: out of memory; use fewer points, times or trajectories")
        return 1
    except OSError as exc:  # e.g. the disk filled up while writing
        _say(f"failed: {exc.strerror or exc} ({exc.filename})" if exc.filename else f"failed: {exc}")
        return 1
    except Exception as exc:  # last resort: still one line, but this is a bug to report
        _say(f"internal error: {type(exc).__name__}: {exc} (please report this with the command line)")
        return 1


def _say(text: str) -> None:
    print("cascom: " + " ".join(str(text).split()), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    run()

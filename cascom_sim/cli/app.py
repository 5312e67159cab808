"""The ``cascom`` command line.  Uses only the public API; user mistakes exit 2 with one line."""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings

from .._version import __version__
from ..errors import CascomError
from . import evolve, floquet, master, steady, sweep, validate
from .common import Parser, common_arguments

SUBCOMMANDS = (steady, sweep, evolve, floquet, master, validate)


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


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"cascom: warning: {message}", file=sys.stderr)


def _run(args) -> int:
    try:
        return args.func(args)
    except CascomError as exc:
        print(f"cascom: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cascom: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

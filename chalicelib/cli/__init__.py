"""The `toewijzing` command line, for people and scripts; one module per command.

Exit codes: 0 done (or valid); 1 a document is not valid (findings printed); 2 malformed input,
a wrong or missing option, or a request that cannot be decided (the error JSON of the HTTP
contract on stderr). A closed output pipe (`toewijzing ... | head -1`) ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from chalicelib.cli import batch, criteria, decide, letter, plan, report
from chalicelib.cli.common import EXIT_OK, UsageError, fail
from chalicelib.documents import error_body


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is the contract's error JSON on stderr (exit 2),
    not argparse's text; `--help` is still text on stdout. Subcommands inherit the class."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="toewijzing", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    for module in (decide, criteria, plan, batch, report, letter):
        module.register(commands)
    return root


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so the interpreter's final flush does
    not complain about the pipe again (the `signal` page of the Python docs)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            args = parser().parse_args(argv)
        except UsageError as exc:
            return fail(error_body("usage_error", f"{exc}; see toewijzing --help."))
        code: int = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK  # the reader has what it wanted
    except Exception as exc:  # a bug: still the contract's shape, never a traceback
        body = error_body("internal_error", f"The command failed: {type(exc).__name__}.")
        return fail(body)


if __name__ == "__main__":
    sys.exit(main())

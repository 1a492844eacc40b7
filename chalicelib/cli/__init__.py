"""The `toewijzing` command line, for people and scripts; one module per command.

Every text it prints is in Dutch, or in English with `--lang en` (before or after the command);
codes, paths and data are the same in both.

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
from chalicelib.cli.common import EXIT_OK, UsageError, fail, set_language
from chalicelib.documents import error_body
from chalicelib.messages import DEFAULT_LANGUAGE, LANGUAGES, msg


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is the contract's error JSON on stderr (exit 2),
    not argparse's text; `--help` is still text on stdout. Subcommands inherit the class."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="toewijzing", description=__doc__)
    _language_option(root, DEFAULT_LANGUAGE)
    commands = root.add_subparsers(dest="command", required=True)
    for module in (decide, criteria, plan, batch, report, letter):
        module.register(commands)
    for command in _all_commands(root):
        _language_option(command, argparse.SUPPRESS)  # after the command too; keeps the root's
    return root


def _language_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help="the language of the texts printed: nl (default) or en",
    )


def _all_commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones too (`batch submit`)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += [sub, *_all_commands(sub)]
    return found


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
            return fail(error_body("usage_error", msg("cli.usage", reason=str(exc))))
        set_language(args.lang)
        code: int = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK  # the reader has what it wanted
    except Exception as exc:  # a bug: still the contract's shape, never a traceback
        body = error_body("internal_error", msg("cli.failed", kind=type(exc).__name__))
        return fail(body)


if __name__ == "__main__":
    sys.exit(main())

"""The `toewijzing` command line, for people and scripts; one module per command.

Exit codes: 0 done (or valid); 1 a document is not valid (findings printed); 2 malformed input or
a request that cannot be decided (the error JSON of the HTTP contract on stderr).
"""

from __future__ import annotations

import argparse
import sys

from chalicelib.cli import batch, criteria, decide, plan, report


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="toewijzing", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    for module in (decide, criteria, plan, batch, report):
        module.register(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

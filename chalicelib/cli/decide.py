"""`toewijzing decide FILE`: decide a request under the national criteria in force."""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import TypeAdapter

from chalicelib.cli.common import EXIT_OK, command, print_json, read_model
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, FRAMEWORK_IDS
from chalicelib.models.decision import Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import decide_national


@command
def run(args: argparse.Namespace) -> int:
    request = read_model(args.file, DecisionRequest)
    evaluation = decide_national(request, args.framework)
    print_json(TypeAdapter(Evaluation).dump_python(evaluation, mode="json"))
    return EXIT_OK


def register(commands: Any) -> None:
    command = commands.add_parser(
        "decide", help="decide a decision request under the national criteria in force"
    )
    command.add_argument("file", help="a decision request as JSON, or - for standard input")
    command.add_argument("--framework", choices=FRAMEWORK_IDS, default=DEFAULT_FRAMEWORK)
    command.set_defaults(run=run)

"""`toewijzing criteria validate FILE --region-file R`: the API's criteria findings, offline."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from chalicelib.cli.common import (
    add_opt_out_files,
    command,
    offline_region,
    read_model,
    region_state,
    report,
)
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, FRAMEWORK_IDS
from chalicelib.models.criteria import CriteriaDefinition


@command
def run(args: argparse.Namespace) -> int:
    definition = read_model(args.file, CriteriaDefinition)
    region = region_state(args)
    services = offline_region(region, args.date or definition.effective_from)
    result = services.criteria.validate_criteria(
        region.region_id, definition, args.framework, args.date
    )
    return report(result.model_dump(mode="json", exclude_unset=True))


def register(commands: Any) -> None:
    criteria = commands.add_parser("criteria", help="a region's criteria definitions")
    actions = criteria.add_subparsers(dest="action", required=True)
    validate = actions.add_parser(
        "validate",
        help="validate a criteria definition against the phase in force (exit 0 valid, 1 not)",
    )
    validate.add_argument("file", help="a criteria definition as JSON, or -")
    validate.add_argument(
        "--region-file",
        required=True,
        help="the region: the body of PUT /v1/regions/{id}, optionally with region_id and "
        "opt_outs (a list of opt-out notices)",
    )
    add_opt_out_files(validate)
    validate.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="read the phase and opt-out state on this date (default: effective_from)",
    )
    validate.add_argument("--framework", choices=FRAMEWORK_IDS, default=DEFAULT_FRAMEWORK)
    validate.set_defaults(run=run)

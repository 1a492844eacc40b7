"""`toewijzing plan validate FILE [--region-file R]`: the API's support-plan findings, offline.

The region, its opt-outs and its stored criteria are held in memory for the one run: the region
file (the body of PUT /v1/regions/{id}, optionally with region_id and opt_outs), any
`--opt-out-file` notices, and any `--criteria-file` versions. Without `--criteria-file` the
criteria the plan records are taken as the stored versions (where they are permitted), so that
the plan is checked on its own. Without `--region-file` the region is known only by the plan's
region_id: no municipalities, schools or opt-outs.
"""

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
from chalicelib.errors import ToewijzingError
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, FRAMEWORK_IDS
from chalicelib.messages import msg
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.support_plan import SupportPlan
from chalicelib.services import Services

NO_REGION = {
    "severity": "warning",
    "code": "region_not_given",
    "path": "/region_id",
    "message": msg("cli.no_region_file"),
    "legal_basis": [],
}


def _store_criteria(
    services: Services, region_id: str, plan: SupportPlan, args: argparse.Namespace
) -> None:
    if args.criteria_file:
        for path in args.criteria_file:
            definition = read_model(path, CriteriaDefinition)
            services.criteria.store_criteria(region_id, definition, args.framework)
        return
    for definition in plan.lwoo_pro.criteria:
        try:
            services.criteria.store_criteria(region_id, definition, args.framework)
        except ToewijzingError:
            continue  # not permitted: the plan's findings say why


@command
def run(args: argparse.Namespace) -> int:
    plan = read_model(args.file, SupportPlan)
    region = region_state(args, plan.region_id)
    services = offline_region(region, args.date or plan.period.start)
    _store_criteria(services, region.region_id, plan, args)
    validation = services.support_plan.validate(region.region_id, plan, args.framework, args.date)
    result = validation.model_dump(mode="json", exclude_unset=True)
    if args.region_file is None:
        result["findings"].append(NO_REGION)
    return report(result)


def register(commands: Any) -> None:
    plan = commands.add_parser("plan", help="a region's support plan (ondersteuningsplan)")
    actions = plan.add_subparsers(dest="action", required=True)
    validate = actions.add_parser(
        "validate",
        help="check a support plan against the law for its period and the region's situation "
        "(exit 0 valid, 1 not, 2 malformed)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("file", help="a support plan as JSON, or -")
    validate.add_argument(
        "--region-file",
        help="the region: the body of PUT /v1/regions/{id}, optionally with region_id and "
        "opt_outs (a list of opt-out notices)",
    )
    add_opt_out_files(validate)
    validate.add_argument(
        "--criteria-file",
        action="append",
        default=[],
        help="a stored criteria version of the region; repeatable (default: the criteria the "
        "plan records)",
    )
    validate.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="read the phase, opt-out state and stored criteria on this date (default: the "
        "first day of the plan's period)",
    )
    validate.add_argument("--framework", choices=FRAMEWORK_IDS, default=DEFAULT_FRAMEWORK)
    validate.set_defaults(run=run)

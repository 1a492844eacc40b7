"""The command line speaks the contract (issue 14, item 6): the README's offline commands on the
walkthrough's example files validate clean, with the findings the API gives for the same region
state (the region, its opt-out notice, and, for the plan, the stored criteria)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli import main
from tests.api.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
EX = "criteria_schemas/examples"


def readme_commands() -> list[list[str]]:
    """The `.venv/bin/toewijzing ...` lines of the README's offline block, $EX filled in."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\.venv/bin/toewijzing (.+\$EX/.+)$", readme, flags=re.MULTILINE)
    return [shlex.split(line.replace("$EX", str(ROOT / EX))) for line in lines]


def offline(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()  # the API's access log lines so far
    code = main(argv)
    captured = capsys.readouterr()
    assert captured.err == "", captured.err
    return code, json.loads(captured.out)


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / EX / name).read_text(encoding="utf-8"))
    return document


def codes(findings: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["severity"], f["code"], f["path"]) for f in findings]


def test_the_readme_lists_the_offline_commands() -> None:
    kinds = [tuple(argv[:2]) for argv in readme_commands()]
    assert ("criteria", "validate") in kinds and ("plan", "validate") in kinds
    assert any(argv[0] == "decide" for argv in readme_commands())


def test_the_readme_offline_commands_give_the_apis_findings(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.clock[0] = dt.datetime(2024, 1, 15, 12, tzinfo=dt.UTC)
    assert api.call("PUT", "/v1/regions/VO2001", example("support-plan/region.json"))[0] == 201
    status, body, _ = api.call(
        "PUT", "/v1/regions/VO2001/opt-out", example("support-plan/opt-out.json")
    )
    assert status == 200, body
    criteria = example("support-plan/criteria.json")
    _, through_api, _ = api.call("POST", "/v1/regions/VO2001/criteria/validate", criteria)
    assert api.call("POST", "/v1/regions/VO2001/criteria", criteria)[0] == 201
    plan = example("support-plan/plan.json")
    _, plan_via_api, _ = api.call("POST", "/v1/regions/VO2001/support-plans/validate", plan)
    seen = set()
    for argv in readme_commands():
        code, result = offline(argv, capsys)
        assert code == 0, result
        if argv[0] == "decide":
            assert result["outcome"] in ("granted", "refused", "incomplete")
            continue
        seen.add(argv[0])
        expected = through_api if argv[0] == "criteria" else plan_via_api
        assert result["valid"] is True and expected["valid"] is True, (result, expected)
        assert codes(result["findings"]) == codes(expected["findings"])
    assert seen == {"criteria", "plan"}


def test_without_the_opt_out_the_criteria_are_refused_offline_as_through_the_api(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.clock[0] = dt.datetime(2024, 1, 15, 12, tzinfo=dt.UTC)
    assert api.call("PUT", "/v1/regions/VO2001", example("support-plan/region.json"))[0] == 201
    criteria = example("support-plan/criteria.json")
    _, through_api, _ = api.call("POST", "/v1/regions/VO2001/criteria/validate", criteria)
    [argv] = [a for a in readme_commands() if a[0] == "criteria"]
    without = argv[: argv.index("--opt-out-file")]
    code, result = offline(without, capsys)
    assert code == 1 and through_api["valid"] is False
    assert codes(result["findings"]) == codes(through_api["findings"])

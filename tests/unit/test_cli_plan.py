"""`toewijzing plan validate`: the API's support-plan findings offline; exit 0 valid, 1 not,
2 malformed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "criteria_schemas" / "examples" / "support-plan"
CLI = [sys.executable, "-m", "chalicelib.cli", "plan", "validate"]


def example(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def run(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    return done.returncode, done.stdout, done.stderr


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def with_examples(plan: str, *extra: str) -> tuple[int, str, str]:
    return run(
        plan,
        "--region-file",
        str(EXAMPLES / "region.json"),
        "--opt-out-file",
        str(EXAMPLES / "opt-out.json"),
        *extra,
    )


def test_the_example_plan_is_valid_offline_exit_0() -> None:
    criteria = ("--criteria-file", str(EXAMPLES / "criteria.json"))
    code, out, _ = with_examples(str(EXAMPLES / "plan.json"), *criteria)
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True and result["findings"] == []
    assert result["phase"]["id"] == "wvo2020"
    # without --criteria-file the criteria the plan records are taken as stored
    code, out, _ = with_examples(str(EXAMPLES / "plan.json"))
    assert code == 0 and json.loads(out)["findings"] == []


def test_a_plan_with_missing_items_exits_1_with_the_findings(tmp_path: Path) -> None:
    plan = example("plan")
    del plan["sections"]["f"]
    plan["sent_to_inspectorate_on"] = "2024-05-01"
    code, out, _ = with_examples(write(tmp_path, "plan.json", plan))
    assert code == 1
    found = [(f["code"], f["path"]) for f in json.loads(out)["findings"]]
    assert found == [
        ("section_missing", "/sections/f"),
        ("inspectorate_late", "/sent_to_inspectorate_on"),
    ]


def test_recorded_criteria_other_than_the_stored_file_exit_1(tmp_path: Path) -> None:
    criteria = example("criteria")
    criteria["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["min"] = 72
    stored = write(tmp_path, "criteria.json", criteria)
    code, out, _ = with_examples(str(EXAMPLES / "plan.json"), "--criteria-file", stored)
    assert code == 1
    assert [(f["code"], f["path"]) for f in json.loads(out)["findings"]] == [
        ("criteria_differ_from_stored", "/lwoo_pro/criteria/0")
    ]


def test_without_a_region_file_the_plan_is_checked_against_an_empty_region() -> None:
    code, out, _ = run(str(EXAMPLES / "plan.json"))
    assert code == 1  # no opt-out: the lwoo criteria and nominations are not permitted
    found = {(f["code"], f["severity"]) for f in json.loads(out)["findings"]}
    assert ("region_not_given", "warning") in found
    assert ("nomination_without_licences", "error") in found


def test_malformed_input_exits_2_with_the_error_json(tmp_path: Path) -> None:
    code, _, err = run(write(tmp_path, "plan.json", "{not json"))
    assert code == 2
    assert json.loads(err)["error"]["code"] == "validation_error"
    plan = example("plan")
    plan["period"]["start"] = "2024-02-30"
    code, _, err = run(write(tmp_path, "plan.json", plan))
    assert code == 2
    assert json.loads(err)["error"]["details"][0]["path"] == "/period/start"


def test_a_region_file_of_another_region_exits_2(tmp_path: Path) -> None:
    region = {**example("region"), "region_id": "VO9999"}
    code, _, err = run(
        str(EXAMPLES / "plan.json"), "--region-file", write(tmp_path, "r.json", region)
    )
    assert code == 2
    assert json.loads(err)["error"]["details"][0]["path"] == "/region_id"


def test_a_period_before_2016_exits_2(tmp_path: Path) -> None:
    plan = example("plan")
    plan["period"] = {"start": "2014-08-01", "end": "2018-07-31"}
    code, _, err = run(write(tmp_path, "plan.json", plan))
    assert code == 2
    assert json.loads(err)["error"]["code"] == "no_legal_phase"
